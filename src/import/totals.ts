import { digitsAt } from './fields.js';

/**
 * What imported revenue lines add to revenue_totals: one sum per partner, month and currency,
 * kept exact (a float64 holds a sum while it is a safe integer, a BigInt takes over beyond).
 * Pure: no I/O here.
 *
 * A million-line file has a few hundred thousand such sums and its lines come in no useful order,
 * so nearly every line lands on a sum that has left the CPU's cache. The sums therefore live side
 * by side with their keys in one open-addressing table of float64s, where a line touches one
 * 32-byte slot, rather than in maps of objects, where it touched five or six places in memory.
 */
export class RevenueTotals {
  private readonly partners: string[] = [];
  private readonly partnerIndex = new Map<string, number>();
  /** Month and currency pairs, each as months since year 0 times CURRENCY_SLOTS plus the currency's index. */
  private readonly pairs: number[] = [];
  private readonly pairIndex = new Map<number, number>();
  private readonly currencies: string[] = [];
  private readonly currencyIndex = new Map<string, number>();
  /** SLOT numbers per slot: partner index + 1 (0: empty), pair index, sum, lines. */
  private table = new Float64Array(SLOT * INITIAL_SLOTS);
  /** The part of a slot's sum that a float64 could not hold exactly, by the slot's offset in `table`. */
  private readonly beyond = new Map<number, bigint>();
  private used = 0;
  private lastPartner: string | null = null;
  private lastIndex = -1;

  /** Adds one line. This runs for every revenue line imported. */
  add(partnerId: string, date: string, amount: number | bigint, currency: string): void {
    // Lines of one partner often come together: its index is looked up once for the run of them.
    if (partnerId !== this.lastPartner) {
      let index = this.partnerIndex.get(partnerId);
      if (index === undefined) {
        index = this.partners.push(partnerId) - 1;
        this.partnerIndex.set(partnerId, index);
      }
      this.lastPartner = partnerId;
      this.lastIndex = index;
    }
    let currencyAt = this.currencyIndex.get(currency);
    if (currencyAt === undefined) {
      currencyAt = this.currencies.push(currency) - 1;
      this.currencyIndex.set(currency, currencyAt);
    }
    const pairKey = (digitsAt(date, 0, 4) * 12 + digitsAt(date, 5, 2) - 1) * CURRENCY_SLOTS + currencyAt;
    let pair = this.pairIndex.get(pairKey);
    if (pair === undefined) {
      pair = this.pairs.push(pairKey) - 1;
      this.pairIndex.set(pairKey, pair);
    }
    const at = SLOT * this.slotOf(this.lastIndex, pair);
    const { table } = this;
    table[at + LINES] = table[at + LINES]! + 1;
    // Both are safe integers, so a sum that is one is exact; beyond that BigInt keeps it.
    const sum = typeof amount === 'number' ? table[at + SUM]! + amount : Infinity;
    if (Math.abs(sum) <= Number.MAX_SAFE_INTEGER) table[at + SUM] = sum;
    else this.beyond.set(at, (this.beyond.get(at) ?? 0n) + BigInt(amount));
  }

  /** Adds `rows` rows of `width` values each; partner id, date, amount and currency come first. */
  addRows(values: readonly unknown[], rows: number, width: number): void {
    for (let offset = 0; offset < rows * width; offset += width) {
      this.add(values[offset] as string, values[offset + 1] as string, values[offset + 2] as number | bigint, values[offset + 3] as string);
    }
  }

  /** The partners summed, in the order they first came. */
  partnerIds(): readonly string[] {
    return this.partners;
  }

  /**
   * The sums as revenue_totals rows (partner_id, month, currency, amount_micro, lines), one after
   * another, in the table's key order, so that each row lands next to the one before it instead of
   * at a random place in the tree.
   */
  rows(): unknown[] {
    const { table } = this;
    const partnerRank = rankOf(this.partners, byText);
    const currencyRank = rankOf(this.currencies, byText);
    const pairRank = rankOf(this.pairs, (a, b) => monthOf(a) - monthOf(b) || currencyRank[a % CURRENCY_SLOTS]! - currencyRank[b % CURRENCY_SLOTS]!);
    // Sorted as numbers, rank and slot packed in one (exact below 2^53, which a table that fits in
    // memory never reaches), since a typed-array sort needs no comparator call per pair.
    const slots = table.length / SLOT;
    if (this.partners.length * this.pairs.length * slots > Number.MAX_SAFE_INTEGER) throw new Error('too many monthly sums to sort');
    const order = new Float64Array(this.used);
    let n = 0;
    for (let slot = 0; slot < slots; slot++) {
      const at = SLOT * slot;
      if (table[at + PARTNER] === 0) continue;
      order[n++] = (partnerRank[table[at + PARTNER]! - 1]! * this.pairs.length + pairRank[table[at + PAIR]!]!) * slots + slot;
    }
    order.sort();
    // A few hundred pairs at most: their month and currency texts are made once each.
    const months = this.pairs.map((pairKey) => {
      const month = monthOf(pairKey);
      return `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
    });
    const currencies = this.pairs.map((pairKey) => this.currencies[pairKey % CURRENCY_SLOTS]!);
    // Written by index into an array of its final length: pushing grew it a million times over.
    const values: unknown[] = new Array(n * TOTALS_WIDTH);
    for (let i = 0, out = 0; i < n; i++, out += TOTALS_WIDTH) {
      const key = order[i]!;
      // The slot is the key's remainder by `slots`, taken without a floating-point modulo.
      const at = SLOT * (key - Math.floor(key / slots) * slots);
      const pair = table[at + PAIR]!;
      const big = this.beyond.size === 0 ? undefined : this.beyond.get(at);
      values[out] = this.partners[table[at + PARTNER]! - 1];
      values[out + 1] = months[pair];
      values[out + 2] = currencies[pair];
      values[out + 3] = big === undefined ? table[at + SUM] : big + BigInt(table[at + SUM]!);
      values[out + 4] = table[at + LINES];
    }
    return values;
  }

  /** The slot of a partner and pair, taken if it is new. */
  private slotOf(partner: number, pair: number): number {
    const { table } = this;
    const mask = table.length / SLOT - 1;
    for (let slot = hash(partner, pair) & mask; ; slot = (slot + 1) & mask) {
      const held = table[SLOT * slot + PARTNER];
      if (held === partner + 1 && table[SLOT * slot + PAIR] === pair) return slot;
      if (held !== 0) continue;
      // At most half full, so that a look-up finds its slot or an empty one within a step or two.
      if (2 * (this.used + 1) > mask + 1) {
        this.grow();
        return this.slotOf(partner, pair);
      }
      table[SLOT * slot + PARTNER] = partner + 1;
      table[SLOT * slot + PAIR] = pair;
      this.used++;
      return slot;
    }
  }

  /** Twice the slots, every sum moved to its place in the larger table. */
  private grow(): void {
    const { table: old, beyond } = this;
    const moved = new Map(beyond);
    beyond.clear();
    this.table = new Float64Array(old.length * 2);
    this.used = 0;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from + PARTNER] === 0) continue;
      const at = SLOT * this.slotOf(old[from + PARTNER]! - 1, old[from + PAIR]!);
      this.table[at + SUM] = old[from + SUM]!;
      this.table[at + LINES] = old[from + LINES]!;
      const big = moved.get(from);
      if (big !== undefined) beyond.set(at, big);
    }
  }
}

/** How many values a row of `RevenueTotals.rows()` has. */
export const TOTALS_WIDTH = 5;

const INITIAL_SLOTS = 1024;
const SLOT = 4;
const PARTNER = 0;
const PAIR = 1;
const SUM = 2;
const LINES = 3;
/** More than the 26^3 three-letter currency codes there can be. */
const CURRENCY_SLOTS = 32_768;

const monthOf = (pairKey: number) => Math.floor(pairKey / CURRENCY_SLOTS);

/** Mixes the two indexes so that neighbouring ones land far apart. */
function hash(partner: number, pair: number): number {
  let h = Math.imul(partner, 0x9e3779b1) ^ Math.imul(pair + 1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

/** Code-unit order; the texts ranked are distinct. */
const byText = (a: string, b: string) => (a < b ? -1 : 1);

/** The place of each value (by index) in their sorted order. */
function rankOf<T>(values: readonly T[], compare: (a: T, b: T) => number): number[] {
  const rank: number[] = [];
  [...values.keys()].sort((a, b) => compare(values[a]!, values[b]!)).forEach((index, place) => (rank[index] = place));
  return rank;
}
