import type { ImportKind } from './kinds.js';

/**
 * Files that are not what the import expects but are often taken for it, told by their header so
 * that a refusal names what the file is and what to download instead, rather than listing the
 * columns it lacks. Column sets are those Microsoft Learn documents for each Partner Center export.
 * Pure: no I/O here.
 */

interface Family {
  /** What the file is, as a person would call it. */
  name: string;
  /** Columns only this kind of file has (any one of them tells it), lower-case. */
  marks: readonly string[];
  /** Columns it never has, lower-case: the invoice reconciliation file's own. */
  lacks: readonly string[];
  todo: string;
}

const DOWNLOAD_RECONCILIATION =
  "import the new commerce invoice reconciliation file instead (Partner Center: Billing → Billing history → the invoice's reconciliation file; see README, 'Where the files come from')";

const PARTNER_CENTER_FAMILIES: readonly Family[] = [
  {
    name: 'a Partner Center daily rated usage file: Azure usage day by day, not the charges of an invoice',
    marks: ['usagedate', 'meterid', 'metercategory', 'billingpretaxtotal'],
    lacks: ['subtotal'],
    todo: DOWNLOAD_RECONCILIATION,
  },
  {
    name: 'a legacy license-based reconciliation file (the billing before new commerce)',
    marks: ['syndicationpartnersubscriptionnumber', 'durableofferid', 'totalotherdiscount'],
    lacks: [],
    todo: DOWNLOAD_RECONCILIATION,
  },
  {
    name: 'a legacy usage-based reconciliation file (the billing before new commerce)',
    marks: ['partnerbillableaccountid', 'consumedquantity', 'overagequantity', 'pretaxcharges'],
    lacks: ['subtotal'],
    todo: DOWNLOAD_RECONCILIATION,
  },
];

/** Columns of the invoice reconciliation file, one of which an unbilled export keeps besides its amount. */
const RECONCILIATION_MARKS = ['subtotal', 'chargestartdate', 'orderdate', 'skuid', 'availabilityid'];

/** Why `header` (the first record of the file) is not a file of `kind`, or null when nothing tells. */
export function describeForeignHeader(header: readonly string[], kind: ImportKind, format?: string): string | null {
  const first = (header[0] ?? '').replace(/^\ufeff/, '').trim();
  if (/^#TYPE\b/i.test(first)) {
    return "the first line is PowerShell's '#TYPE …' line: the file was written by Export-Csv without -NoTypeInformation; write it again with -NoTypeInformation (or delete that line)";
  }
  const names = header.map((name) => name.replace(/^\ufeff/, '').trim().toLowerCase());
  if (names.length <= 2 && names.some((name) => name.split(';').length > 2)) {
    return `the columns are separated by semicolons (${first.slice(0, 60)}${first.length > 60 ? '…' : ''}), as a spreadsheet set to a European list separator saves CSV: export again; do not save from a spreadsheet (or save it as CSV with commas)`;
  }
  if (kind !== 'revenue' || format === 'canonical') return null;
  const present = new Set(names);
  for (const family of PARTNER_CENTER_FAMILIES) {
    const found = family.marks.filter((mark) => present.has(mark));
    if (found.length > 0 && !family.lacks.some((column) => present.has(column))) {
      return `this is ${family.name} (it has ${found.map((mark) => columnAsWritten(header, mark)).join(', ')}); ${family.todo}`;
    }
  }
  if (!present.has('invoicenumber') && !present.has('amount') && present.has('subtotal') && RECONCILIATION_MARKS.some((mark) => present.has(mark))) {
    return `this looks like an unbilled reconciliation export: charges not invoiced yet, without the InvoiceNumber column; ${UNBILLED_TODO}`;
  }
  return null;
}

export const UNBILLED_TODO = "revenue counts once invoiced: import the reconciliation file of an issued invoice (Partner Center: Billing → Billing history, not 'Unbilled')";

function columnAsWritten(header: readonly string[], lower: string): string {
  return header.find((name) => name.replace(/^\ufeff/, '').trim().toLowerCase() === lower)?.trim() ?? lower;
}
