#!/usr/bin/env node
// The container's HEALTHCHECK. A container running the scheduler is healthy while the scheduler's
// heartbeat file is fresh; any other container (a one-off import or run) has no heartbeat to keep,
// and is healthy while it works. Plain JavaScript with no dependencies, so it runs even when the
// application cannot start.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const outbox = process.env.OUTBOX_DIR || 'data/outbox';
const file = process.env.HEARTBEAT_FILE || path.join(path.dirname(path.resolve(outbox)), 'scheduler.heartbeat');
const maxAgeSeconds = Number(process.env.HEARTBEAT_MAX_AGE_SECONDS || 180);

if (!schedulerRunsHere()) {
  console.log('healthy: this container does not run the scheduler, so it keeps no heartbeat');
  process.exit(0);
}

try {
  const beat = JSON.parse(readFileSync(file, 'utf8'));
  const age = (Date.now() - Date.parse(beat.at)) / 1000;
  if (!(age <= maxAgeSeconds)) {
    console.error(`unhealthy: last heartbeat ${Math.round(age)} s ago (${beat.at}), limit ${maxAgeSeconds} s`);
    process.exit(1);
  }
  console.log(`healthy: ${beat.state}, heartbeat ${Math.round(age)} s ago`);
} catch (error) {
  console.error(`unhealthy: no readable heartbeat at ${file}: ${error.message}`);
  process.exit(1);
}

/**
 * Whether a process in this container (its own process namespace) is `csp-reeval schedule`. Where
 * the processes cannot be listed, it is assumed to, so the heartbeat is still checked.
 */
function schedulerRunsHere() {
  let pids;
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false;
    }
    const command = argv.findIndex((arg) => /(^|\/)(csp-reeval|cli\.js)$/.test(arg));
    return command >= 0 && argv.slice(command + 1).includes('schedule');
  });
}
