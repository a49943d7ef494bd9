import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const NOW = () => new Date('2026-10-15T06:00:00Z');
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

/**
 * The browser test needs a Chromium, which `npm ci` does not bring: without one it is skipped,
 * saying how to enable it; under CI=true (where .ci/run installs it) a missing browser fails it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';
const BROWSER_SKIP =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? null
    : `skipped: no Chromium at ${CHROMIUM}; to run it, set CHROMIUM_PATH=/path/to/chromium or install Debian's chromium package (apt-get install chromium)`;
if (BROWSER_SKIP) console.warn(`report --format html in a browser: ${BROWSER_SKIP}`);

describe.each(ENGINES)('report --format html, on %s', (engine) => {
  let html = '';
  let temp: TestDatabase | undefined;

  beforeAll(async () => {
    temp = await createTestDatabase(engine);
    const env = { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox') };
    expect((await runCli(['import', SAMPLE_DIR], env, NOW)).code).toBe(0);
    expect((await runCli(['run', '--as-of', '2026-10-15'], env, NOW)).code).toBe(0);
    const report = await runCli(['report', '--cycle', '2026-10', '--format', 'html'], env, NOW);
    expect(report.code).toBe(0);
    html = report.stdout;
  });
  afterAll(async () => temp?.cleanup());

  it('is self-contained: no script and no external resource', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
  });

  it.skipIf(BROWSER_SKIP !== null)(`renders in headless Chromium with the chart, the counts, the review list and delivery status${BROWSER_SKIP ? ` (${BROWSER_SKIP})` : ''}`, async () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (CI=true needs one: set CHROMIUM_PATH or apt-get install chromium)`).toBe(true);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.setContent(html, { waitUntil: 'load' });
      expect(await page.locator('section[data-cycle="2026-10"]').count()).toBe(1);
      const chart = page.locator('svg.ttm-chart');
      expect(await chart.count()).toBe(1);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      // One bar per renewal cycle of October with a revenue figure, and the threshold line.
      expect(await page.locator('svg.ttm-chart g.bar').count()).toBe(5);
      expect(await page.locator('svg.ttm-chart line.threshold').count()).toBe(1);
      expect(await page.locator('[data-outcome="transition_required"] b').textContent()).toBe('3');
      expect(await page.locator('table.needs-review tbody tr').count()).toBe(2);
      expect(await page.locator('table.notices').textContent()).toContain('sent');
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(path.join(ARTIFACTS, `report-2026-10-${engine}.png`), shot);
      expect(shot.length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
