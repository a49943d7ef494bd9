#!/usr/bin/env node
// The container's HEALTHCHECK: healthy while the scheduler's heartbeat file is fresh.
// Plain JavaScript with no dependencies, so it runs even when the application cannot start.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const outbox = process.env.OUTBOX_DIR || 'data/outbox';
const file = process.env.HEARTBEAT_FILE || path.join(path.dirname(path.resolve(outbox)), 'scheduler.heartbeat');
const maxAgeSeconds = Number(process.env.HEARTBEAT_MAX_AGE_SECONDS || 180);

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
