import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-totals-without-month-index.js';
import * as m0003 from './0003-lock-task.js';
import * as m0004 from './0004-security-snapshot-sources.js';
import * as m0006 from './0006-early-warnings.js';
import * as m0007 from './0007-overrides.js';
import * as m0008 from './0008-totals-trigger-per-statement.js';
import * as m0009 from './0009-revenue-keys-bytewise.js';
import * as m0010 from './0010-revenue-line-ids-cached.js';

/** A static, ordered list: no folder is scanned at run time, so a bundle or container just works. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-totals-without-month-index': m0002,
  '0003-lock-task': m0003,
  '0004-security-snapshot-sources': m0004,
  '0006-early-warnings': m0006,
  '0007-overrides': m0007,
  '0008-totals-trigger-per-statement': m0008,
  '0009-revenue-keys-bytewise': m0009,
  '0010-revenue-line-ids-cached': m0010,
};
