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

  it('pulls nothing but its base image: no `# syntax=` frontend, which BuildKit would fetch from a registry', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
    const bases = stages.map((stage) => stage.split(/\s/)[0]);
    expect(new Set(bases)).toEqual(new Set(['node:20-bookworm-slim']));
  });

  it('compiles the native addon only where it ships: the build stage runs tsc with install scripts off', () => {
    const build = stages.find((stage) => / AS build\b/.test(stage.split('\n')[0]!))!;
    expect(build).not.toMatch(/g\+\+|python3|node-gyp|rebuild/);
    expect(instructions(build, 'RUN')).toEqual(expect.arrayContaining(['npm ci --ignore-scripts', 'npm run build']));
  });

  it('ships better-sqlite3 as its addon and JavaScript only: no SQLite sources or compile leftovers', () => {
    const deps = stages.find((stage) => / AS deps\b/.test(stage.split('\n')[0]!))!;
    const strip = deps.slice(deps.indexOf('npm rebuild better-sqlite3'));
    expect(strip).toMatch(/rm -rf build deps src binding\.gyp/);
    expect(strip).toMatch(/mv better_sqlite3\.node build\/Release\//);
    // what the runtime takes from that stage is node_modules alone
    expect(instructions(runtime, 'COPY').filter((args) => args.startsWith('--from=deps'))).toEqual(['--from=deps /app/node_modules ./node_modules']);
    // and the addon loads from where the strip leaves it (the `bindings` package looks in build/Release)
    expect(existsSync(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(readFileSync(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'lib', 'database.js'), 'utf8')).toContain("require('bindings')('better_sqlite3.node')");
  });
});

/**
 * The health check sees the processes of its own container (its PID namespace): here a fresh one
 * stands in for a container, which needs root.
 */
const NAMESPACE_SKIP = process.env.CI === 'true' || canMakePidNamespace() ? null : 'needs root (unshare --pid) to stand in for a container';
if (NAMESPACE_SKIP) console.warn(`the health check in a container of its own: skipped, ${NAMESPACE_SKIP}`);

function canMakePidNamespace(): boolean {
  return spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
}

describe.skipIf(NAMESPACE_SKIP !== null)(`the health check, in a container of its own${NAMESPACE_SKIP ? ` (skipped: ${NAMESPACE_SKIP})` : ''}`, () => {
  /**
   * Runs `script` as PID 1's child in a new PID namespace with its own /proc, as `docker run` does,
   * and returns what it echoed. `$CLI` and `$CHECK` are set for it.
   */
  const inContainer = (script: string, env: Record<string, string>) => {
    const result = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        CLI: path.join(REPO_ROOT, 'dist', 'jobs', 'cli.js'),
        CHECK: path.join(REPO_ROOT, 'jobs', 'healthcheck.mjs'),
        POLICY_FILE: path.join(REPO_ROOT, 'data', 'policy.json'),
        ...env,
      },
      timeout: 25_000,
    });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };

  it('a scheduler container: healthy on a fresh heartbeat, unhealthy on a stale or missing one', () => {
    const temp = tempDir();
    try {
      const heartbeat = path.join(temp.dir, 'scheduler.heartbeat');
      const stale = JSON.stringify({ at: new Date(Date.now() - 10 * 60_000).toISOString(), state: 'idle', pid: 7 });
      const out = inContainer(
        `node "$CLI" schedule 2>/dev/null &
         for i in $(seq 1 100); do [ -s "$HEARTBEAT_FILE" ] && break; sleep 0.1; done
         node "$CHECK" >/dev/null 2>&1; echo "fresh $?"
         printf '%s' '${stale}' > "$HEARTBEAT_FILE"; node "$CHECK" >/dev/null 2>&1; echo "stale $?"
         rm "$HEARTBEAT_FILE"; node "$CHECK" >/dev/null 2>&1; echo "missing $?"
         kill $!; wait`,
        { HEARTBEAT_FILE: heartbeat, DATABASE_URL: path.join(temp.dir, 'reeval.sqlite'), OUTBOX_DIR: path.join(temp.dir, 'outbox'), CRON_SCHEDULE: '0 6 1 1 *' },
      );
      expect(out.trim().split('\n')).toEqual(['fresh 0', 'stale 1', 'missing 1']);
    } finally {
      temp.cleanup();
    }
  });

  it('a one-off container (import, run, report) keeps no heartbeat and is healthy, even beside a stale one', () => {
    const temp = tempDir();
    try {
      const heartbeat = path.join(temp.dir, 'scheduler.heartbeat');
      writeFileSync(heartbeat, JSON.stringify({ at: new Date(Date.now() - 10 * 60_000).toISOString(), state: 'idle', pid: 7 }));
      const out = inContainer(
        `sleep 5 & node "$CHECK"; echo "one-off $?"; rm "$HEARTBEAT_FILE"; node "$CHECK"; echo "no heartbeat $?"; kill $!`,
        { HEARTBEAT_FILE: heartbeat },
      );
      expect(out).toContain('healthy: this container does not run the scheduler');
      expect(out).toContain('one-off 0');
      expect(out).toContain('no heartbeat 0');
    } finally {
      temp.cleanup();
    }
  });
});
