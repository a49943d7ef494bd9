export { IMPORT_KINDS, type ImportKind, type ImportFormat } from './kinds.js';
export { importDirectory, type ImportEntry, importFile, importFiles, type ImportOptions, planDirectory } from './importer.js';
export { formatSummary, type ImportSummary } from './summary.js';
