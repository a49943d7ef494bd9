import type { Kysely } from 'kysely';
import type { Database, PartnerRow } from '../db/schema.js';
import type { Locale, Partner, PartnerStatus, SupportPlanKind, SupportTerm } from '../domain/types.js';

export function toPartner(row: PartnerRow): Partner {
  return {
    partnerId: row.partner_id,
    name: row.partner_name,
    onboardedOn: row.onboarded_on,
    noticeTo: splitList(row.notice_to),
    noticeCc: splitList(row.notice_cc),
    locale: row.locale as Locale,
    status: row.status as PartnerStatus,
  };
}

export async function findPartner(db: Kysely<Database>, partnerId: string): Promise<Partner | null> {
  const row = await db.selectFrom('partners').selectAll().where('partner_id', '=', partnerId).executeTakeFirst();
  return row ? toPartner(row) : null;
}

/** Every partner with its support-plan terms, as due-finding needs them. */
export async function listPartnersWithTerms(
  db: Kysely<Database>,
  partnerId?: string,
): Promise<Array<{ partner: Partner; supportTerms: SupportTerm[] }>> {
  let partnersQuery = db.selectFrom('partners').selectAll().orderBy('partner_id');
  let termsQuery = db.selectFrom('support_plans').selectAll().orderBy('partner_id').orderBy('term_start');
  if (partnerId !== undefined) {
    partnersQuery = partnersQuery.where('partner_id', '=', partnerId);
    termsQuery = termsQuery.where('partner_id', '=', partnerId);
  }
  const [partners, terms] = await Promise.all([partnersQuery.execute(), termsQuery.execute()]);
  const termsByPartner = new Map<string, SupportTerm[]>();
  for (const term of terms) {
    const list = termsByPartner.get(term.partner_id) ?? [];
    list.push({ plan: term.plan as SupportPlanKind, termStart: term.term_start, termEnd: term.term_end });
    termsByPartner.set(term.partner_id, list);
  }
  return partners.map((row) => ({ partner: toPartner(row), supportTerms: termsByPartner.get(row.partner_id) ?? [] }));
}

function splitList(text: string): string[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
