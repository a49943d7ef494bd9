import { describe, expect, it } from 'vitest';
import { describeForeignHeader } from '../../src/import/foreign-files.js';

describe('describeForeignHeader', () => {
  it("names PowerShell's #TYPE line in a file of any kind, a BOM before it included", () => {
    for (const kind of ['partners', 'revenue', 'security'] as const) {
      expect(describeForeignHeader(['\ufeff#TYPE System.Management.Automation.PSCustomObject'], kind)).toMatch(/^the first line is PowerShell's '#TYPE …' line: .*-NoTypeInformation/);
    }
  });

  it('names a semicolon-separated file, quoting no more than 60 characters of its header', () => {
    const header = ['partner_id;partner_name;onboarded_on;notice_to;notice_cc;locale;status;tenant_ids'];
    const message = describeForeignHeader(header, 'partners')!;
    expect(message).toMatch(/^the columns are separated by semicolons \(partner_id;partner_name;.*…\), as a spreadsheet set to a European list separator saves CSV/);
    expect(message.slice(message.indexOf('(') + 1, message.indexOf('…'))).toHaveLength(60);
    expect(describeForeignHeader(['a;b;c'], 'support-plans')).toMatch(/\(a;b;c\)/);
  });

  it('leaves an ordinary header, a header with a stray semicolon, and any other kind alone', () => {
    expect(describeForeignHeader(['partner_id', 'partner_name', 'onboarded_on', 'notice_to'], 'partners')).toBeNull();
    expect(describeForeignHeader(['name;alias', 'id'], 'partners')).toBeNull();
    expect(describeForeignHeader(['UsageDate', 'MeterId'], 'partners')).toBeNull();
    expect(describeForeignHeader([], 'revenue')).toBeNull();
  });

  it('tells Partner Center exports that are not an invoice reconciliation file, naming the columns as written', () => {
    expect(describeForeignHeader(['PartnerId', 'UsageDate', 'MeterId', 'BillingPreTaxTotal'], 'revenue')).toMatch(
      /^this is a Partner Center daily rated usage file: .* \(it has UsageDate, MeterId, BillingPreTaxTotal\); import the new commerce invoice reconciliation file instead/,
    );
    expect(describeForeignHeader(['SyndicationPartnerSubscriptionNumber', 'Amount'], 'revenue')).toMatch(/^this is a legacy license-based reconciliation file/);
    expect(describeForeignHeader(['PartnerBillableAccountId', 'ConsumedQuantity'], 'revenue')).toMatch(/^this is a legacy usage-based reconciliation file/);
  });

  it('does not take a reconciliation file that also has a usage column for a usage file', () => {
    expect(describeForeignHeader(['InvoiceNumber', 'Subtotal', 'MeterId', 'UsageDate'], 'revenue')).toBeNull();
  });

  it('tells an unbilled export by its reconciliation columns without an invoice number or amount', () => {
    expect(describeForeignHeader(['PartnerId', 'Subtotal', 'ChargeStartDate'], 'revenue')).toMatch(/^this looks like an unbilled reconciliation export: .*not 'Unbilled'/);
    expect(describeForeignHeader(['InvoiceNumber', 'Subtotal', 'ChargeStartDate'], 'revenue')).toBeNull();
    expect(describeForeignHeader(['Subtotal', 'Amount'], 'revenue')).toBeNull();
  });

  it('asks nothing of a revenue file declared canonical beyond the two format mistakes', () => {
    expect(describeForeignHeader(['UsageDate', 'MeterId'], 'revenue', 'canonical')).toBeNull();
    expect(describeForeignHeader(['UsageDate', 'MeterId'], 'revenue', 'partner-center')).not.toBeNull();
  });
});
