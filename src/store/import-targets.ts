import type { TableSpec } from '../db/bulk-transaction.js';

/**
 * The tables imported rows are bulk-loaded into, each with its columns in the order the kinds'
 * parsers give the values, and the key by which a later row replaces an earlier one.
 */
export const TARGETS = {
  partners: {
    table: 'partners',
    columns: ['partner_id', 'partner_name', 'onboarded_on', 'notice_to', 'notice_cc', 'locale', 'status', 'tenant_ids', 'location_ids', 'regions', 'batch_id'],
    conflict: ['partner_id'],
  },
  revenueLines: {
    table: 'revenue_lines',
    columns: ['partner_id', 'charge_date', 'amount_micro', 'currency', 'transaction_id', 'tenant_id', 'invoice_number', 'product_category', 'batch_id'],
    conflict: ['transaction_id'],
    conflictWhere: 'transaction_id IS NOT NULL',
  },
  fxRates: { table: 'fx_rates', columns: ['currency', 'month', 'usd_per_unit', 'batch_id'], conflict: ['currency', 'month'] },
  assessments: {
    table: 'assessments',
    columns: ['partner_id', 'assessed_on', 'category', 'capability', 'score', 'batch_id'],
    conflict: ['partner_id', 'assessed_on', 'category', 'capability'],
  },
  /** Every snapshot, from either source: a later one of the same partner and day replaces it whole. */
  securitySnapshots: {
    table: 'security_snapshots',
    columns: [
      'partner_id', 'as_of', 'admin_users', 'admin_users_with_mfa', 'security_contact', 'alerts_total', 'alerts_responded_in_time',
      'source', 'contact_status', 'average_response_hours', 'details', 'batch_id',
    ],
    conflict: ['partner_id', 'as_of'],
  },
  supportPlans: { table: 'support_plans', columns: ['partner_id', 'plan', 'term_start', 'term_end', 'batch_id'], conflict: ['partner_id', 'term_start'] },
  /** One row per partner, month and currency: an import adds its lines' sums to what is there. */
  revenueTotals: {
    table: 'revenue_totals',
    columns: ['partner_id', 'month', 'currency', 'amount_micro', 'lines'],
    conflict: ['partner_id', 'month', 'currency'],
    onConflict: { amount_micro: 'revenue_totals.amount_micro + excluded.amount_micro', lines: 'revenue_totals.lines + excluded.lines' },
  },
} as const satisfies Record<string, TableSpec>;
