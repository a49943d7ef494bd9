import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-store.js';

/**
 * No container engine here: these check what the Dockerfile relies on — the files it copies, the
 * user and init it runs with, and that its command and health check work when run directly.
 */
const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages[stages.length - 1]!;

function instructions(stage: string, keyword: string): string[] {
  return stage
    .split('\n')
    .filter((line) => line.startsWith(`${keyword} `))
    .map((line) => line.slice(keyword.length + 1).trim());
}

describe('Dockerfile', () => {
  it('builds in one stage and runs on a slim Node 20 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime).toMatch(/^node:20[\w.-]*-slim AS runtime/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('copies only files that exist in the repository (or that the build stage produces)', () => {
    const sources = stages.flatMap((stage) =>
      instructions(stage, 'COPY')
        .filter((args) => !args.startsWith('--from='))
        .flatMap((args) => args.split(/\s+/).slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
    const fromBuild = instructions(runtime, 'COPY').filter((args) => args.startsWith('--from=build'));
    for (const args of fromBuild) {
      const source = args.split(/\s+/)[1]!.replace(/^\/app\//, '');
      expect(existsSync(path.join(REPO_ROOT, source)), `${source} (run npm run build)`).toBe(true);
    }
  });

  it('runs as a non-root user behind an init, with data as a volume and the scheduler by default', () => {
    expect(instructions(runtime, 'USER')).toEqual(['node']);
    expect(instructions(runtime, 'ENTRYPOINT')[0]).toContain('tini');
    expect(instructions(runtime, 'VOLUME')[0]).toContain('/app/data');
    expect(instructions(runtime, 'CMD')).toEqual(['["schedule"]']);
    // the policy must not live under the volume, where a mounted host folder would hide it
    expect(runtime).toMatch(/POLICY_FILE=\/app\/config\/policy\.json/);
  });

  it('its entry point runs when started directly', () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'jobs', 'cli.js'), 'schedule', '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('CRON_SCHEDULE');
    expect(readFileSync(path.join(REPO_ROOT, 'dist', 'jobs', 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('its health check passes on a fresh heartbeat and fails on a stale or missing one', () => {
    const temp = tempDir();
    try {
      const heartbeat = path.join(temp.dir, 'scheduler.heartbeat');
      const check = () =>
        spawnSync(process.execPath, [path.join(REPO_ROOT, 'jobs', 'healthcheck.mjs')], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', HEARTBEAT_FILE: heartbeat },
        }).status;
      expect(check()).toBe(1);
      writeFileSync(heartbeat, JSON.stringify({ at: new Date().toISOString(), state: 'idle', pid: 1 }));
      expect(check()).toBe(0);
      writeFileSync(heartbeat, JSON.stringify({ at: new Date(Date.now() - 10 * 60_000).toISOString(), state: 'idle', pid: 1 }));
      expect(check()).toBe(1);
    } finally {
      temp.cleanup();
    }
  });
});
