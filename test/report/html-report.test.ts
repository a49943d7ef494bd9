import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const NOW = () => new Date('2026-10-15T06:00:00Z');
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

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

  it('renders in headless Chromium with the chart, the counts, the review list and delivery status', async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
