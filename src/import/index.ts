export { IMPORT_KINDS, type ImportKind, type RevenueFormat } from './kinds.js';
export { formatSummary, importDirectory, importFile, type ImportOptions, type ImportSummary, planDirectory } from './importer.js';
