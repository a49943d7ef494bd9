import type { KindSpec } from './kinds.js';

export interface ResolvedHeader {
  /** Column name (as in the spec) → index in each record. */
  index: Map<string, number>;
  problems: string[];
}

/** Matches a header row against a spec: case-insensitive after trimming, order free, extras ignored. */
export function resolveHeader(header: readonly string[], spec: KindSpec): ResolvedHeader {
  const byName = new Map<string, number>();
  const duplicates = new Set<string>();
  header.forEach((name, i) => {
    const key = name.replace(/^\ufeff/, '').trim().toLowerCase();
    if (key === '') return;
    if (byName.has(key)) duplicates.add(name.trim());
    else byName.set(key, i);
  });
  const index = new Map<string, number>();
  for (const column of spec.columns) {
    const found = byName.get(column.toLowerCase());
    if (found !== undefined) index.set(column, found);
  }
  const problems: string[] = [];
  const known = new Set(spec.columns.map((c) => c.toLowerCase()));
  const knownDuplicates = [...duplicates].filter((name) => known.has(name.toLowerCase()));
  if (knownDuplicates.length > 0) problems.push(`the header names ${knownDuplicates.join(', ')} more than once`);
  const missing = spec.required.filter((column) => !index.has(column));
  if (missing.length > 0) {
    problems.push(`the header lacks the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${header.map((h) => h.trim()).join(', ') || 'nothing'})`);
  }
  for (const group of spec.oneOf ?? []) {
    if (!group.some((column) => index.has(column))) problems.push(`the header needs one of the columns ${group.join(' or ')}`);
  }
  return { index, problems };
}

/** Whether a header looks like a Partner Center reconciliation export rather than the canonical file. */
export function looksLikePartnerCenter(header: readonly string[]): boolean {
  const names = new Set(header.map((h) => h.replace(/^\ufeff/, '').trim().toLowerCase()));
  return names.has('subtotal') && names.has('invoicenumber') && (names.has('mpnid') || names.has('partnerid')) && !names.has('amount');
}
