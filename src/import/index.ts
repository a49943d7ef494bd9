export { IMPORT_KINDS, type ImportKind, type ImportFormat } from './kinds.js';
export { importDirectory, planDirectory } from './folder.js';
export { type ImportEntry, importFile, importFiles, type ImportOptions } from './importer.js';
export { formatSummary, type ImportSummary } from './summary.js';
