import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';

/**
 * A realistic synthetic programme: partners with tenants and locations, a year and more of revenue
 * in several currencies with credits, fx rates, assessments, security snapshots and support plans,
 * so that in the as-of month several hundred partners are due with every outcome represented.
 * Deterministic: the same options write the same bytes.
 */
export interface GenerateOptions {
  dir: string;
  partners: number;
  revenueLines: number;
  /** The run's as-of month; revenue covers the 13 months before it. */
  asOfMonth: string;
  formats: ReadonlyArray<'canonical' | 'partner-center'>;
  seed?: number;
}

export interface GeneratedFiles {
  partners: string;
  fxRates: string;
  assessments: string;
  security: string;
  supportPlans: string;
  revenue: Partial<Record<'canonical' | 'partner-center', string>>;
}

const CURRENCIES = [
  { code: 'USD', rate: '1', weight: 0.45, scale: 1 },
  { code: 'JPY', rate: '0.0067', weight: 0.3, scale: 150 },
  { code: 'EUR', rate: '1.08', weight: 0.15, scale: 0.92 },
  { code: 'GBP', rate: '1.27', weight: 0.1, scale: 0.79 },
] as const;

const CATEGORIES = ['Azure', 'Microsoft 365', 'Dynamics 365', 'Perpetual software', 'Power Platform', 'Security'];
const CAPABILITIES = {
  sell: ['pipeline', 'licensing', 'customer-success'],
  secure: ['identity', 'incident-response', 'data-protection'],
  support: ['tier1', 'escalation', 'billing'],
} as const;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function guid(random: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
}

function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + delta;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

function daysIn(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Writes lines through a stream, waiting for it to drain: memory stays flat for any size. */
class LineWriter {
  private readonly stream;
  private buffer: string[] = [];
  private size = 0;
  constructor(file: string) {
    this.stream = createWriteStream(file);
  }
  async line(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    if (!this.stream.write(`${this.buffer.join('\n')}\n`)) await once(this.stream, 'drain');
    this.buffer = [];
    this.size = 0;
  }
  async close(): Promise<void> {
    if (this.buffer.length > 0) await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

interface GeneratedPartner {
  id: string;
  tenant: string;
  location: string;
  /** Multiplies the partner's revenue: around 1 is near the USD 1M threshold. */
  scale: number;
  renewalMonth: string;
}

export async function generate(options: GenerateOptions): Promise<GeneratedFiles> {
  const random = rng(options.seed ?? 20251001);
  mkdirSync(options.dir, { recursive: true });
  const file = (name: string) => path.join(options.dir, name);
  const months = Array.from({ length: 13 }, (_, i) => addMonths(options.asOfMonth, i - 13));

  const partners: GeneratedPartner[] = [];
  const partnerLines = ['partner_id,partner_name,onboarded_on,notice_to,notice_cc,locale,status,tenant_ids,location_ids,regions'];
  const planLines = ['partner_id,plan,term_start,term_end'];
  const assessmentLines = ['partner_id,assessed_on,category,capability,score'];
  const securityLines = ['partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time'];
  for (let i = 0; i < options.partners; i++) {
    const id = String(6_000_000 + i);
    const japanese = random() < 0.4;
    // A twelfth of the partners renew in each month, and a twelfth have their anniversary in each.
    const renewalMonth = addMonths(options.asOfMonth, (i % 12) - 11);
    const onboardMonth = addMonths(options.asOfMonth, -12 * (1 + Math.floor(random() * 8)) - ((i * 5) % 12));
    const partner: GeneratedPartner = { id, tenant: guid(random), location: String(7_000_000 + i), scale: 0.55 + random() * 1.0, renewalMonth };
    partners.push(partner);
    const name = japanese ? `株式会社テストパートナー${i}` : `Test Partner ${i} Ltd`;
    partnerLines.push(
      `${id},${name},${onboardMonth}-${String(1 + (i % 28)).padStart(2, '0')},csp${i}@partner${i}.example.com,${i % 3 === 0 ? `finance${i}@partner${i}.example.com` : ''},${japanese ? 'ja' : 'en'},direct_bill,${partner.tenant},${partner.location},${japanese ? 'JP' : 'US'}`,
    );
    const termEnd = `${renewalMonth}-${daysIn(renewalMonth)}`;
    planLines.push(`${id},${i % 5 === 0 ? 'PSfP' : 'ASfP'},${addMonths(renewalMonth, -11)}-01,${termEnd}`);
    // Some renew early; the rest are asked to.
    if (random() < 0.2) planLines.push(`${id},ASfP,${addMonths(renewalMonth, 1)}-01,${addMonths(renewalMonth, 12)}-${daysIn(addMonths(renewalMonth, 12))}`);

    const assessedMonth = addMonths(options.asOfMonth, random() < 0.06 ? -6 : -1);
    if (random() > 0.04) {
      const level = 55 + random() * 40;
      for (const [category, capabilities] of Object.entries(CAPABILITIES)) {
        for (const capability of capabilities) {
          const score = Math.max(0, Math.min(100, level + (random() - 0.5) * 20)).toFixed(1);
          assessmentLines.push(`${id},${assessedMonth}-10,${category},${capability},${score}`);
        }
      }
    }
    const snapshotMonth = random() < 0.05 ? addMonths(options.asOfMonth, -3) : options.asOfMonth;
    if (random() > 0.03) {
      const admins = 3 + Math.floor(random() * 30);
      const mfa = random() < 0.12 ? admins - 1 - Math.floor(random() * 2) : admins;
      const alerts = Math.floor(random() * 8);
      const answered = random() < 0.08 && alerts > 0 ? alerts - 1 : alerts;
      const contact = random() < 0.05 ? '' : `soc${i}@partner${i}.example.com`;
      securityLines.push(`${id},${snapshotMonth}-01,${admins},${Math.max(0, mfa)},${contact},${alerts},${answered}`);
    }
  }

  const fxLines = ['currency,month,usd_per_unit'];
  for (const month of months) {
    for (const currency of CURRENCIES) if (currency.code !== 'USD') fxLines.push(`${currency.code},${month},${currency.rate}`);
  }

  const files: GeneratedFiles = {
    partners: file('partners.csv'),
    fxRates: file('fx-rates.csv'),
    assessments: file('assessments.csv'),
    security: file('security.csv'),
    supportPlans: file('support-plans.csv'),
    revenue: {},
  };
  writeFileSync(files.partners, `${partnerLines.join('\n')}\n`);
  writeFileSync(files.fxRates, `${fxLines.join('\n')}\n`);
  writeFileSync(files.assessments, `${assessmentLines.join('\n')}\n`);
  writeFileSync(files.security, `${securityLines.join('\n')}\n`);
  writeFileSync(files.supportPlans, `${planLines.join('\n')}\n`);

  for (const format of options.formats) {
    const target = file(format === 'canonical' ? 'revenue.csv' : 'revenue-partner-center.csv');
    files.revenue[format] = target;
    await writeRevenue(target, format, partners, months, options.revenueLines, rng((options.seed ?? 20251001) + 7));
  }
  return files;
}

const PC_HEADER =
  'PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,InvoiceNumber,MpnId,Tier2MpnId,OrderId,OrderDate,ProductId,SkuId,AvailabilityId,SkuName,ProductName,ChargeType,UnitPrice,Quantity,Subtotal,TaxTotal,Total,Currency,PriceAdjustmentDescription,PublisherName,PublisherId,SubscriptionDescription,SubscriptionId,ChargeStartDate,ChargeEndDate,TermAndBillingCycle,EffectiveUnitPrice,UnitType,AlternateId,BillableQuantity,BillingFrequency,PricingCurrency,PCToBCExchangeRate,PCToBCExchangeRateDate,MeterDescription,ReservationOrderId,CreditReasonCode,SubscriptionStartDate,SubscriptionEndDate,ReferenceId,ProductQualifiers,PromotionId,ProductCategory';

async function writeRevenue(
  target: string,
  format: 'canonical' | 'partner-center',
  partners: GeneratedPartner[],
  months: string[],
  lines: number,
  random: () => number,
): Promise<void> {
  const out = new LineWriter(target);
  await out.line(format === 'canonical' ? 'transaction_id,partner_id,charge_date,amount,currency,tenant_id,invoice_number,product_category' : PC_HEADER);
  // About USD 1M a year per partner at scale 1, spread over the lines it gets.
  const perPartner = Math.max(1, Math.floor(lines / partners.length));
  const meanUsd = 1_000_000 / (perPartner * (12 / months.length));
  for (let n = 0; n < lines; n++) {
    const partner = partners[n % partners.length]!;
    const month = months[Math.floor(random() * months.length)]!;
    const day = String(1 + Math.floor(random() * daysIn(month))).padStart(2, '0');
    const pick = random();
    let acc = 0;
    const currency = CURRENCIES.find((c) => (acc += c.weight) >= pick) ?? CURRENCIES[0];
    const credit = random() < 0.03;
    const usd = meanUsd * partner.scale * (0.2 + random() * 1.6) * (credit ? -0.3 : 1);
    const places = currency.code === 'JPY' ? 0 : 2;
    const amount = (usd * currency.scale).toFixed(places);
    const invoice = `G${month.replace('-', '')}${partner.id}`;
    if (format === 'canonical') {
      const category = CATEGORIES[n % CATEGORIES.length]!;
      await out.line(`TX${n},${partner.id},${month}-${day},${amount},${currency.code},${partner.tenant},${invoice},${category}`);
    } else {
      const [y, m] = month.split('-');
      const usDate = `${Number(m)}/${Number(day)}/${y}`;
      const customer = `Customer ${n % 997}, Inc.`;
      await out.line(
        [
          partner.tenant, `c0ffee00-0000-4000-8000-${String(n % 1_000_000).padStart(12, '0')}`, `"${customer}"`, `customer${n % 997}.example.com`, 'JP',
          invoice, partner.location, '', `ORD-${n}`, usDate, 'CFQ7TTC0LFLZ', '0002', 'CFQ7TTC0LHS4', 'Microsoft 365 E5', 'Microsoft 365 E5',
          credit ? 'refund' : 'cycleCharge', amount, '1', amount, '0.00', amount, currency.code, '', 'Microsoft Corporation', '',
          'Microsoft 365 E5', `sub-${n % 50_000}`, usDate, usDate, '1 Month', amount, '', `alt-${n}`, '1', 'Monthly', currency.code, '1', usDate,
          '', '', '', '1/1/2025', '12/31/2026', '', '', '', 'OnlineServicesNCE',
        ].join(','),
      );
    }
  }
  await out.close();
}
