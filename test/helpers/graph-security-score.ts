/**
 * Lines of Microsoft Graph's partner security score as `import security --format
 * graph-security-score` reads them. The requirement items are built from the JSON that Microsoft
 * Graph's reference documents for each resource type (beta, namespace
 * microsoft.graph.partner.security: securityRequirement, adminsMfaEnforcedSecurityRequirement,
 * responseTimeSecurityRequirement, customersMfaEnforcedSecurityRequirement,
 * customersSpendingBudgetSecurityRequirement), with numbers as Graph sends them.
 */
type Item = Record<string, unknown>;

const TYPE = '#microsoft.graph.partner.security.';

export function mfaRequirement(overrides: Item = {}): Item {
  return {
    '@odata.type': `${TYPE}adminsMfaEnforcedSecurityRequirement`,
    id: 'mfaEnforcedForAdmins',
    requirementType: 'mfaEnforcedForAdmins',
    complianceStatus: 'compliant',
    actionUrl: 'https://aka.ms/M365MFAWizard',
    helpUrl: 'https://aka.ms/partner-center-security-dashboard-require-mfa',
    score: 20,
    maxScore: 20,
    state: 'active',
    updatedDateTime: '2026-09-30T03:46:17.9253909Z',
    totalAdminsCount: 2,
    adminsRequiredNotUsingMfaCount: 0,
    mfaEnabledAdminsCount: 2,
    totalUsersCount: 10,
    usersRequiredNotUsingMfaCount: 0,
    mfaEnabledUsersCount: 10,
    securityDefaultsStatus: 'enabled',
    mfaConditionalAccessPolicyStatus: 'disabled',
    legacyPerUserMfaStatus: 'disabled',
    ...overrides,
  };
}

export function contactRequirement(overrides: Item = {}): Item {
  return {
    '@odata.type': `${TYPE}securityRequirement`,
    id: 'adc3e54c-8dde-f1cb-b92e-ffb989948282',
    requirementType: 'securityContactProvided',
    complianceStatus: 'compliant',
    actionUrl: 'https://aka.ms/partner-center-security-contact',
    helpUrl: 'https://aka.ms/partner-center-security-dashboard-security-contact',
    score: 20,
    maxScore: 20,
    state: 'active',
    updatedDateTime: '2026-09-26T04:04:01.4261872Z',
    ...overrides,
  };
}

export function responseTimeRequirement(overrides: Item = {}): Item {
  return {
    '@odata.type': `${TYPE}responseTimeSecurityRequirement`,
    id: 'securityAlertsPromptlyResolved',
    requirementType: 'securityAlertsPromptlyResolved',
    complianceStatus: 'compliant',
    actionUrl: 'https://aka.ms/partner-center-security-alerts',
    helpUrl: 'https://aka.ms/partner-center-security-dashboard-response-time',
    score: 10,
    maxScore: 10,
    state: 'active',
    updatedDateTime: '2026-09-20T12:00:09.1398813Z',
    averageResponseTimeInHours: '1.2',
    ...overrides,
  };
}

export function customersMfaRequirement(overrides: Item = {}): Item {
  return {
    '@odata.type': `${TYPE}customersMfaEnforcedSecurityRequirement`,
    id: 'mfaEnforcedForAdminsOfCustomers',
    requirementType: 'mfaEnforcedForAdminsOfCustomers',
    complianceStatus: 'noncomplaint',
    actionUrl: 'https://aka.ms/partner-center-security-customer-mfa',
    helpUrl: 'https://aka.ms/partner-center-security-dashboard-customer-mfa',
    score: 5,
    maxScore: 20,
    state: 'active',
    updatedDateTime: '2026-09-30T03:46:17.9253909Z',
    totalTenantCount: 12,
    compliantTenantCount: 3,
    ...overrides,
  };
}

export function spendingBudgetRequirement(overrides: Item = {}): Item {
  return {
    '@odata.type': `${TYPE}customersSpendingBudgetSecurityRequirement`,
    id: 'spendingBudgetSetForCustomerAzureSubscriptions',
    requirementType: 'spendingBudgetSetForCustomerAzureSubscriptions',
    complianceStatus: 'noncomplaint',
    actionUrl: 'https://aka.ms/partner-center-security-spending-budget',
    helpUrl: 'https://aka.ms/partner-center-security-dashboard-spending-budget',
    score: 0,
    maxScore: 10,
    state: 'preview',
    updatedDateTime: '2026-09-30T03:46:17.9253909Z',
    totalCustomersCount: 12,
    customersWithSpendBudgetCount: 4,
    ...overrides,
  };
}

/** Every requirement a partner tenant's score lists, all met. */
export function allRequirements(): Item[] {
  return [mfaRequirement(), contactRequirement(), responseTimeRequirement(), customersMfaRequirement(), spendingBudgetRequirement()];
}

/** One line of the file: one partner tenant's score. */
export function scoreLine(tenantId: string, requirements: Item[] = allRequirements(), retrievedDateTime = '2026-10-01T06:00:00Z'): string {
  return JSON.stringify({ tenantId, retrievedDateTime, requirements });
}

/** The line with a JSON number written in place of the string `"@@name@@"`, as Graph writes a Single. */
export function withRawNumber(line: string, name: string, raw: string): string {
  return line.replace(`"@@${name}@@"`, raw);
}
