/** What operations hear of a run's projections: who is at risk, and which projections need our data. */
export interface WarningsForOps {
  atRisk: Array<{ partnerId: string; partnerName: string; trigger: string; cycle: string; monthsBefore: number; atRisk: string[] }>;
  needsData: Array<{ partnerId: string; partnerName: string; trigger: string; cycle: string; monthsBefore: number; missing: string[] }>;
}

/** The operations summary's "at risk" block, as the template reads it; `oneLine` keeps CSV data from shaping the mail. */
export function warningsSummaryView(warnings: WarningsForOps | undefined, oneLine: (text: string) => string) {
  const entry = <T extends WarningsForOps['atRisk'][number] | WarningsForOps['needsData'][number]>(item: T) => ({
    partnerId: oneLine(item.partnerId),
    partnerName: oneLine(item.partnerName),
    trigger: item.trigger,
    cycle: item.cycle,
    monthsBefore: item.monthsBefore,
  });
  const atRisk = (warnings?.atRisk ?? []).map((item) => ({ ...entry(item), checks: item.atRisk.map(oneLine) }));
  const needsData = (warnings?.needsData ?? []).map((item) => ({ ...entry(item), missing: item.missing.map(oneLine) }));
  // With warnings off (or none looked for) the block is left out rather than reading "None".
  return { warningsOn: warnings !== undefined, atRisk, atRiskCount: atRisk.length, needsData, needsDataCount: needsData.length };
}
