import { amountMicro, exportedAmountMicro, withoutTextGuard } from './amounts.js';
import { exportedDate } from './exported-dates.js';
import * as field from './fields.js';
import { FieldProblem } from '../errors.js';
import type { TableSpec } from '../db/bulk-transaction.js';
import { TARGETS } from '../store/import-targets.js';

/**
 * What each input file holds (SPEC §2): its columns, how a row becomes the values of one table
 * row, and the key by which a later row replaces an earlier one. Pure: no I/O here.
 */

export const IMPORT_KINDS = ['partners', 'revenue', 'fx-rates', 'assessments', 'security', 'support-plans'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
/** How a file is laid out: our own columns, a Partner Center export (revenue), or Graph's security score (security). */
export type ImportFormat = 'canonical' | 'partner-center' | 'graph-security-score';

export interface CellProblem {
  column: string;
  value: string;
  message: string;
}

/** Reads the cells of one record by column name; missing optional columns read as ''. */
export interface RowCells {
  get(column: string): string;
  has(column: string): boolean;
}

export interface KindSpec {
  kind: ImportKind;
  format: ImportFormat;
  /** Every column the file may have (header names, matched case-insensitively). */
  columns: readonly string[];
  required: readonly string[];
  /** Groups of which at least one column must be present (Partner Center's id and date columns). */
  oneOf?: ReadonlyArray<readonly string[]>;
  target: TableSpec;
  /** The values for `target.columns` without `batch_id`, or problems. */
  parse(cells: RowCells, problems: CellProblem[]): unknown[] | null;
  /** A key that must not repeat within one file (small keyed files only), as text. */
  fileKey?: (values: unknown[]) => string;
}

/** Runs one field parser, turning its FieldProblem into a problem of the row. */
function cell<T>(cells: RowCells, column: string, parse: (value: string) => T, problems: CellProblem[]): T {
  const value = cells.get(column);
  try {
    return parse(value);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    problems.push({ column, value, message: error.message });
    return undefined as T;
  }
}

const partnerId = (value: string) => field.text(value, 64);
// Parsers are made once here, not per row: the revenue files have millions of rows.
const optionalId = (value: string) => field.optionalText(value, 64);
const optionalLabel = (value: string) => field.optionalText(value, 128);
const requiredId = (value: string) => field.text(value, 64);
const optionalTenant = (value: string) => (value.trim() === '' ? null : tenantId(value.trim()));
/** A parser of a Partner Center cell, which a spreadsheet may have prefixed with its text-guard apostrophe. */
const guarded =
  <T>(parse: (value: string) => T) =>
  (value: string): T =>
    parse(value.charCodeAt(0) === 39 ? withoutTextGuard(value) : value);
const exportedMpnId = guarded(optionalId);
const exportedTenant = guarded(optionalTenant);
const exportedInvoice = guarded((value: string) => {
  if (value.trim() === '') throw new FieldProblem('is empty: the line is not invoiced yet (an unbilled export?)');
  return requiredId(value);
});
const exportedCurrency = guarded(field.currency);
const exportedDay = guarded(exportedDate);

export const PARTNERS: KindSpec = {
  kind: 'partners',
  format: 'canonical',
  columns: ['partner_id', 'partner_name', 'onboarded_on', 'notice_to', 'notice_cc', 'locale', 'status', 'tenant_ids', 'location_ids', 'regions'],
  required: ['partner_id', 'partner_name', 'onboarded_on', 'notice_to'],
  target: TARGETS.partners,
  parse(cells, problems) {
    const before = problems.length;
    const values = [
      cell(cells, 'partner_id', partnerId, problems),
      cell(cells, 'partner_name', (v) => field.text(v, 300), problems),
      cell(cells, 'onboarded_on', field.isoDate, problems),
      cell(cells, 'notice_to', (v) => field.emailList(v, 1).join(';'), problems),
      cell(cells, 'notice_cc', (v) => field.emailList(v, 0).join(';'), problems),
      cell(cells, 'locale', (v) => (v.trim() === '' ? 'en' : field.oneOf(v, ['ja', 'en'] as const)), problems),
      cell(cells, 'status', (v) => (v.trim() === '' ? 'direct_bill' : field.oneOf(v, ['direct_bill', 'indirect_reseller'] as const)), problems),
      cell(cells, 'tenant_ids', (v) => field.list(v).map(tenantId).join(';'), problems),
      cell(cells, 'location_ids', (v) => field.list(v).join(';'), problems),
      cell(cells, 'regions', (v) => field.list(v).join(';'), problems),
    ];
    return problems.length > before ? null : values;
  },
  fileKey: (values) => String(values[0]),
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Partner Center tenant ids are GUIDs; kept lower-case so lookups do not depend on case. */
export function tenantId(value: string): string {
  if (!GUID.test(value)) throw new FieldProblem(`'${value}' is not a tenant GUID`);
  return value.toLowerCase();
}

export const REVENUE: KindSpec = {
  kind: 'revenue',
  format: 'canonical',
  columns: ['partner_id', 'charge_date', 'amount', 'currency', 'transaction_id', 'tenant_id', 'invoice_number', 'product_category'],
  required: ['partner_id', 'charge_date', 'amount', 'currency'],
  target: TARGETS.revenueLines,
  parse(cells, problems) {
    const before = problems.length;
    const values = [
      cell(cells, 'partner_id', partnerId, problems),
      cell(cells, 'charge_date', field.isoDate, problems),
      cell(cells, 'amount', amountMicro, problems),
      cell(cells, 'currency', field.currency, problems),
      cell(cells, 'transaction_id', optionalLabel, problems),
      cell(cells, 'tenant_id', optionalId, problems),
      cell(cells, 'invoice_number', optionalId, problems),
      cell(cells, 'product_category', optionalLabel, problems),
    ];
    return problems.length > before ? null : values;
  },
};

/**
 * A Partner Center invoice reconciliation export (new commerce). The PGA is looked up afterwards
 * from `MpnId` (a location id) or `PartnerId` (a tenant id); here the row keeps both as found.
 */
export const PARTNER_CENTER_REVENUE: KindSpec = {
  kind: 'revenue',
  format: 'partner-center',
  columns: ['PartnerId', 'MpnId', 'InvoiceNumber', 'Subtotal', 'Currency', 'ChargeStartDate', 'OrderDate', 'ProductCategory', 'ChargeType'],
  required: ['InvoiceNumber', 'Subtotal', 'Currency'],
  oneOf: [
    ['MpnId', 'PartnerId'],
    ['ChargeStartDate', 'OrderDate'],
  ],
  target: TARGETS.revenueLines,
  parse(cells, problems) {
    const before = problems.length;
    const dateColumn = cells.has('ChargeStartDate') && cells.get('ChargeStartDate').trim() !== '' ? 'ChargeStartDate' : 'OrderDate';
    const mpnId = cell(cells, 'MpnId', exportedMpnId, problems);
    const tenant = cell(cells, 'PartnerId', exportedTenant, problems);
    if (problems.length === before && mpnId === null && tenant === null) {
      problems.push({ column: cells.has('MpnId') ? 'MpnId' : 'PartnerId', value: '', message: 'is empty: neither MpnId nor PartnerId names the partner' });
    }
    const values = [
      // partner_id is filled in from MpnId or PartnerId once the partner is found
      mpnId,
      cell(cells, dateColumn, exportedDay, problems),
      cell(cells, 'Subtotal', exportedAmountMicro, problems),
      cell(cells, 'Currency', exportedCurrency, problems),
      null,
      tenant,
      cell(cells, 'InvoiceNumber', exportedInvoice, problems),
      cell(cells, 'ProductCategory', optionalLabel, problems),
    ];
    return problems.length > before ? null : values;
  },
};

export const FX_RATES: KindSpec = {
  kind: 'fx-rates',
  format: 'canonical',
  columns: ['currency', 'month', 'usd_per_unit'],
  required: ['currency', 'month', 'usd_per_unit'],
  target: TARGETS.fxRates,
  parse(cells, problems) {
    const before = problems.length;
    const values = [
      cell(cells, 'currency', field.currency, problems),
      cell(cells, 'month', field.isoMonth, problems),
      cell(cells, 'usd_per_unit', (v) => field.decimalText(v, { positive: true, maxPlaces: 12 }), problems),
    ];
    return problems.length > before ? null : values;
  },
  fileKey: (values) => `${values[0]} ${values[1]}`,
};

export const ASSESSMENTS: KindSpec = {
  kind: 'assessments',
  format: 'canonical',
  columns: ['partner_id', 'assessed_on', 'category', 'capability', 'score'],
  required: ['partner_id', 'assessed_on', 'category', 'capability', 'score'],
  target: TARGETS.assessments,
  parse(cells, problems) {
    const before = problems.length;
    const values = [
      cell(cells, 'partner_id', partnerId, problems),
      cell(cells, 'assessed_on', field.isoDate, problems),
      cell(cells, 'category', (v) => field.oneOf(v, ['sell', 'secure', 'support'] as const), problems),
      cell(cells, 'capability', (v) => field.text(v, 200), problems),
      cell(cells, 'score', (v) => field.decimalText(v, { min: '0', max: '100', maxPlaces: 6 }), problems),
    ];
    return problems.length > before ? null : values;
  },
  fileKey: (values) => values.slice(0, 4).join(' '),
};

export const SECURITY: KindSpec = {
  kind: 'security',
  format: 'canonical',
  columns: ['partner_id', 'as_of', 'admin_users', 'admin_users_with_mfa', 'security_contact', 'alerts_total', 'alerts_responded_in_time'],
  required: ['partner_id', 'as_of', 'admin_users', 'admin_users_with_mfa', 'alerts_total', 'alerts_responded_in_time'],
  target: TARGETS.securitySnapshots,
  parse(cells, problems) {
    const before = problems.length;
    const values = [
      cell(cells, 'partner_id', partnerId, problems),
      cell(cells, 'as_of', field.isoDate, problems),
      cell(cells, 'admin_users', field.count, problems),
      cell(cells, 'admin_users_with_mfa', field.count, problems),
      // A malformed address is the partner's state, not a broken file: it fails the contact check.
      cell(cells, 'security_contact', (v) => field.optionalText(v, 254), problems),
      cell(cells, 'alerts_total', field.count, problems),
      cell(cells, 'alerts_responded_in_time', field.count, problems),
      'csv',
      null,
      null,
      null,
    ];
    if (problems.length > before) return null;
    if ((values[3] as number) > (values[2] as number)) {
      problems.push({ column: 'admin_users_with_mfa', value: cells.get('admin_users_with_mfa'), message: `is more than admin_users (${String(values[2])})` });
    }
    if ((values[6] as number) > (values[5] as number)) {
      problems.push({ column: 'alerts_responded_in_time', value: cells.get('alerts_responded_in_time'), message: `is more than alerts_total (${String(values[5])})` });
    }
    return problems.length > before ? null : values;
  },
  fileKey: (values) => `${values[0]} ${values[1]}`,
};

export const SUPPORT_PLANS: KindSpec = {
  kind: 'support-plans',
  format: 'canonical',
  columns: ['partner_id', 'plan', 'term_start', 'term_end'],
  required: ['partner_id', 'plan', 'term_start', 'term_end'],
  target: TARGETS.supportPlans,
  parse(cells, problems) {
    const before = problems.length;
    const values = [
      cell(cells, 'partner_id', partnerId, problems),
      cell(cells, 'plan', (v) => field.oneOf(v, ['ASfP', 'PSfP'] as const), problems),
      cell(cells, 'term_start', field.isoDate, problems),
      cell(cells, 'term_end', field.isoDate, problems),
    ];
    if (problems.length > before) return null;
    if ((values[3] as string) < (values[2] as string)) {
      problems.push({ column: 'term_end', value: cells.get('term_end'), message: `is before term_start (${String(values[2])})` });
      return null;
    }
    return values;
  },
  fileKey: (values) => `${values[0]} ${values[2]}`,
};

/**
 * Microsoft Graph's partner security score, JSON Lines rather than columns: src/import/graph-reader.ts
 * reads each line whole, and a partner's tenants are combined into one snapshot before it is written.
 */
export const GRAPH_SECURITY_SCORE: KindSpec = {
  kind: 'security',
  format: 'graph-security-score',
  columns: [],
  required: [],
  target: TARGETS.securitySnapshots,
  parse: () => null,
};

export function specFor(kind: ImportKind, format: ImportFormat): KindSpec {
  if (format === 'partner-center') {
    if (kind !== 'revenue') throw new Error('the partner-center format is for revenue files only');
    return PARTNER_CENTER_REVENUE;
  }
  if (format === 'graph-security-score') {
    if (kind !== 'security') throw new Error('the graph-security-score format is for security files only');
    return GRAPH_SECURITY_SCORE;
  }
  return { partners: PARTNERS, revenue: REVENUE, 'fx-rates': FX_RATES, assessments: ASSESSMENTS, security: SECURITY, 'support-plans': SUPPORT_PLANS }[kind];
}
