import type { ImportTx } from '../db/bulk-transaction.js';

/** A partner's tenant id (Partner Center's PartnerId, Graph's tenant) or location id (MpnId). */
export type AliasKind = 'tenant' | 'location';

export interface PartnerAlias {
  kind: AliasKind;
  alias: string;
  partnerId: string;
}

export async function listPartnerAliases(tx: ImportTx, kind?: AliasKind): Promise<PartnerAlias[]> {
  const rows = kind
    ? await tx.all<{ alias_kind: AliasKind; alias: string; partner_id: string }>('SELECT alias_kind, alias, partner_id FROM partner_aliases WHERE alias_kind = ?', [kind])
    : await tx.all<{ alias_kind: AliasKind; alias: string; partner_id: string }>('SELECT alias_kind, alias, partner_id FROM partner_aliases');
  return rows.map((row) => ({ kind: row.alias_kind, alias: row.alias, partnerId: row.partner_id }));
}

export async function deletePartnerAliases(tx: ImportTx, partnerId: string): Promise<void> {
  await tx.run('DELETE FROM partner_aliases WHERE partner_id = ?', [partnerId]);
}

/** The partner that lists `alias`, or null. */
export async function findAliasOwner(tx: ImportTx, kind: AliasKind, alias: string): Promise<string | null> {
  const [owner] = await tx.all<{ partner_id: string }>('SELECT partner_id FROM partner_aliases WHERE alias_kind = ? AND alias = ?', [kind, alias]);
  return owner?.partner_id ?? null;
}

export async function insertPartnerAlias(tx: ImportTx, alias: PartnerAlias): Promise<void> {
  await tx.run('INSERT INTO partner_aliases (alias_kind, alias, partner_id) VALUES (?, ?, ?)', [alias.kind, alias.alias, alias.partnerId]);
}

/** Every imported partner's id, read inside an import. */
export async function listImportedPartnerIds(tx: ImportTx): Promise<Set<string>> {
  return new Set((await tx.all<{ partner_id: string }>('SELECT partner_id FROM partners')).map((row) => row.partner_id));
}
