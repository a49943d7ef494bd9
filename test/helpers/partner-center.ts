/**
 * Partner Center exports as tests need them: the column set of the new commerce invoice
 * reconciliation file (Microsoft Learn, "new commerce invoice reconciliation file fields"), one
 * line per charge, every column filled as Partner Center fills it unless a test overrides it.
 */
export const RECONCILIATION_COLUMNS = [
  'PartnerId', 'CustomerId', 'CustomerName', 'CustomerDomainName', 'CustomerCountry', 'InvoiceNumber', 'MpnId', 'ResellerMpnId', 'OrderId', 'OrderDate',
  'ProductId', 'SkuId', 'AvailabilityId', 'SkuName', 'ProductName', 'ChargeType', 'UnitPrice', 'Quantity', 'Subtotal', 'TaxTotal', 'Total', 'Currency',
  'PriceAdjustmentDescription', 'PublisherName', 'PublisherId', 'SubscriptionDescription', 'SubscriptionId', 'ChargeStartDate', 'ChargeEndDate',
  'TermAndBillingCycle', 'EffectiveUnitPrice', 'UnitType', 'AlternateId', 'BillableQuantity', 'BillingFrequency', 'PricingCurrency', 'PCToBCExchangeRate',
  'PCToBCExchangeRateDate', 'MeterDescription', 'ReservationOrderId', 'CreditReasonCode', 'SubscriptionStartDate', 'SubscriptionEndDate', 'ReferenceId',
  'ProductQualifiers', 'PromotionId', 'ProductCategory',
] as const;

export type ReconciliationLine = Partial<Record<(typeof RECONCILIATION_COLUMNS)[number], string>>;

/** The partner every test file knows: PGA 4100001, location 5200001, tenant below. */
export const PGA = { partnerId: '4100001', location: '5200001', tenant: '7a1c2a9e-1d4b-4c1e-9a57-0c8b2f3d4e71' } as const;

export const PARTNERS_CSV = [
  'partner_id,partner_name,onboarded_on,notice_to,notice_cc,locale,status,tenant_ids,location_ids,regions',
  `${PGA.partnerId},Fourth Coffee Cloud KK,2020-10-05,csp@fourthcoffee.example.jp,,ja,direct_bill,${PGA.tenant},${PGA.location},JP`,
  '4100002,Proseware Direct,2021-03-01,csp@proseware.example.com,,en,direct_bill,8b2d3b0f-2e5c-4d2f-8b68-1d9c3a4e5f82,5200002,US',
].join('\n');

/** One line as Partner Center writes it, with `overrides` replacing any column. */
export function reconciliationLine(overrides: ReconciliationLine = {}): ReconciliationLine {
  return {
    PartnerId: PGA.tenant,
    CustomerId: 'c0ffee00-0000-4000-8000-000000000001',
    CustomerName: 'Contoso Retail KK',
    CustomerDomainName: 'contosoretail.onmicrosoft.com',
    CustomerCountry: 'JP',
    InvoiceNumber: 'G001234567',
    MpnId: PGA.location,
    ResellerMpnId: '',
    OrderId: 'ORD-1',
    OrderDate: '9/1/2025',
    ProductId: 'CFQ7TTC0LFLZ',
    SkuId: '0002',
    AvailabilityId: 'CFQ7TTC0LHS4',
    SkuName: 'Microsoft 365 E5',
    ProductName: 'Microsoft 365 E5',
    ChargeType: 'cycleCharge',
    UnitPrice: '100.00',
    Quantity: '1',
    Subtotal: '100.00',
    TaxTotal: '10.00',
    Total: '110.00',
    Currency: 'USD',
    PublisherName: 'Microsoft Corporation',
    SubscriptionDescription: 'Microsoft 365 E5',
    SubscriptionId: 'sub-1',
    ChargeStartDate: '9/1/2025',
    ChargeEndDate: '9/30/2025',
    TermAndBillingCycle: '1 Month',
    EffectiveUnitPrice: '100.00',
    BillableQuantity: '1',
    BillingFrequency: 'Monthly',
    PricingCurrency: 'USD',
    PCToBCExchangeRate: '1',
    PCToBCExchangeRateDate: '9/1/2025',
    SubscriptionStartDate: '1/1/2025',
    SubscriptionEndDate: '12/31/2026',
    ProductCategory: 'OnlineServicesNCE',
    ...overrides,
  };
}

/** A CSV field quoted only where it must be, as Partner Center writes it. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The text of an export: the header, then every line, CRLF as Partner Center ends lines. */
export function reconciliationCsv(lines: ReconciliationLine[], columns: readonly string[] = RECONCILIATION_COLUMNS, eol = '\r\n'): string {
  const rows = lines.map((line) => columns.map((column) => csvField((line as Record<string, string | undefined>)[column] ?? '')).join(','));
  return `${[columns.join(','), ...rows].join(eol)}${eol}`;
}

/** Microsoft Learn, "daily rated usage reconciliation file fields" (new commerce). */
export const DAILY_RATED_USAGE_COLUMNS = [
  'PartnerId', 'PartnerName', 'CustomerId', 'CustomerName', 'CustomerDomainName', 'CustomerCountry', 'MpnId', 'Tier2MpnId', 'InvoiceNumber', 'ProductId',
  'SkuId', 'AvailabilityId', 'SkuName', 'ProductName', 'PublisherName', 'PublisherId', 'SubscriptionDescription', 'SubscriptionId', 'ChargeStartDate',
  'ChargeEndDate', 'UsageDate', 'MeterType', 'MeterCategory', 'MeterId', 'MeterSubCategory', 'MeterName', 'MeterRegion', 'Unit', 'ResourceLocation',
  'ConsumedService', 'ResourceGroup', 'ResourceURI', 'ChargeType', 'UnitPrice', 'Quantity', 'UnitType', 'BillingPreTaxTotal', 'BillingCurrency',
  'PricingPreTaxTotal', 'PricingCurrency', 'ServiceInfo1', 'ServiceInfo2', 'Tags', 'AdditionalInfo', 'EffectiveUnitPrice', 'PCToBCExchangeRate',
  'PCToBCExchangeRateDate', 'EntitlementId', 'EntitlementDescription', 'PartnerEarnedCreditPercentage', 'CreditPercentage', 'CreditType', 'BenefitOrderId',
  'BenefitId', 'BenefitType',
] as const;

/** Microsoft Learn, "license-based reconciliation files" (legacy, before new commerce). */
export const LEGACY_LICENSE_BASED_COLUMNS = [
  'PartnerId', 'CustomerId', 'CustomerName', 'MpnId', 'ResellerMpnId', 'OrderId', 'SubscriptionId', 'SyndicationPartnerSubscriptionNumber', 'OfferId',
  'DurableOfferId', 'OfferName', 'SubscriptionStartDate', 'SubscriptionEndDate', 'ChargeStartDate', 'ChargeEndDate', 'ChargeType', 'UnitPrice', 'Quantity',
  'Amount', 'TotalOtherDiscount', 'Subtotal', 'Tax', 'TotalForCustomer', 'Currency', 'DomainName', 'SubscriptionName', 'SubscriptionDescription',
  'BillingCycleType',
] as const;

/** Microsoft Learn, "usage-based reconciliation files" (legacy, before new commerce). */
export const LEGACY_USAGE_BASED_COLUMNS = [
  'PartnerId', 'PartnerName', 'PartnerBillableAccountId', 'CustomerCompanyName', 'MpnId', 'ResellerMpnId', 'InvoiceNumber', 'ChargeStartDate', 'ChargeEndDate',
  'SubscriptionId', 'SubscriptionName', 'SubscriptionDescription', 'OrderId', 'ServiceName', 'ServiceType', 'ResourceGuid', 'ResourceName', 'Region', 'Sku',
  'DetailLineItemId', 'ConsumedQuantity', 'IncludedQuantity', 'OverageQuantity', 'ListPrice', 'PretaxCharges', 'TaxAmount', 'PostTaxTotal', 'Currency',
] as const;

/** A file of `columns` with one line of plausible values, quoted as PowerShell's Export-Csv quotes every field when `quoteAll`. */
export function exportWithColumns(columns: readonly string[], values: Record<string, string> = {}, quoteAll = false): string {
  const cell = (text: string) => (quoteAll ? `"${text.replace(/"/g, '""')}"` : csvField(text));
  const line = columns.map((column) => cell(values[column] ?? reconciliationLine()[column as keyof ReconciliationLine] ?? '1'));
  return `${columns.map(cell).join(',')}\r\n${line.join(',')}\r\n`;
}
