import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface GeneratedPartners {
  /** A folder holding partners.csv, support-plans.csv and security.csv, for `import DIR`. */
  dir: string;
  ids: string[];
  /** The partners told to move (a notice each) by a run as of 2026-10-15. */
  failing: string[];
}

/**
 * `count` partners due for their October 2026 anniversary, each with a support plan. Every
 * `failEvery`-th has a security snapshot that fails MFA, so a run as of 2026-10-15 tells it to
 * move; the others have no snapshot and are decided `needs_review`, which sends them nothing.
 * Many decisions, few notices: a run spends its time deciding.
 */
export function writeDuePartners(parent: string, count: number, options: { prefix: string; failEvery: number }): GeneratedPartners {
  const dir = path.join(parent, `generated-${options.prefix}`);
  mkdirSync(dir, { recursive: true });
  const ids = Array.from({ length: count }, (_, i) => `${options.prefix}${String(i).padStart(6, '0')}`);
  const failing = ids.filter((_, i) => i % options.failEvery === 0);
  const write = (name: string, header: string, rows: string[]) => writeFileSync(path.join(dir, name), `${header}\n${rows.join('\n')}\n`);
  write('partners.csv', 'partner_id,partner_name,onboarded_on,notice_to', ids.map((id, i) => `${id},Generated ${i},2020-10-01,p${id}@example.com`));
  write('support-plans.csv', 'partner_id,plan,term_start,term_end', ids.map((id) => `${id},ASfP,2026-04-01,2027-03-31`));
  write(
    'security.csv',
    'partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time',
    failing.map((id) => `${id},2026-10-01,5,4,soc@example.com,0,0`),
  );
  return { dir, ids, failing };
}

/**
 * A canonical revenue file of `lines` lines for a PGA outside the programme: a long import that changes
 * no outcome. Another `cents` gives a file of the same keys that replaces every line.
 */
export function writeBulkRevenue(file: string, lines: number, cents = 25): string {
  const rows = ['transaction_id,partner_id,charge_date,amount,currency'];
  for (let n = 0; n < lines; n++) rows.push(`BULK-${n},9990001,2026-0${(n % 9) + 1}-15,${n % 997}.${cents},USD`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}
