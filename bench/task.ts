import { createReadStream, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import nodemailer from 'nodemailer';
import { PROJECT_ROOT } from '../src/cli/main.js';
import { readConfig } from '../src/config/config.js';
import { openStore, type Store } from '../src/db/database.js';
import type { Decision, Partner } from '../src/domain/types.js';
import { importFile } from '../src/import/index.js';
import { silentLogger } from '../src/log/logger.js';
import { createMailer, newMessageId } from '../src/mail/mailer.js';
import { loadTemplates, renderPartnerNotice } from '../src/mail/render.js';
import { parseDecimal, writtenDecimal } from '../src/money/decimal.js';
import { loadPolicy } from '../src/policy/policy.js';
import { buildOutlook, formatOutlook } from '../src/report/outlook.js';
import { projectUpcoming } from '../src/run/projections.js';
import { runReevaluation, type RunProfile } from '../src/run/run.js';
import { buildExplanation, formatExplanation } from '../src/report/explain.js';
import { buildReport, formatReport } from '../src/report/report.js';
import { insertNotice } from '../src/store/notices.js';
import { inTurn } from './rounds.js';

/**
 * One measured task in a process of its own, so that its peak memory is its own. Prints one JSON
 * line: what it did, how many rows, how long, and the process's peak resident memory.
 */
const [task, ...args] = process.argv.slice(2);
/** Rounds of the SMTP comparison; the medians are reported. */
const SMTP_ROUNDS = 7;
/** Messages each side sends before anything is measured. */
const SMTP_WARM_UP = 3000;

function report(result: Record<string, unknown>): void {
  const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ task, ...result, maxRssMiB })}\n`);
}

if (task === 'parse') {
  // The baseline: csv-parse's own stream API with array rows, doing nothing with them.
  const [file] = args as [string];
  const started = performance.now();
  let rows = -1;
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ bom: true, relax_column_count: true }));
  for await (const _record of parser) rows++;
  report({ rows, millis: performance.now() - started });
} else if (task === 'import') {
  const [database, file, format, partners] = args as [string, string, string, string | undefined];
  const store = await openStore(storeOf(database));
  // Partner Center lines are matched to partners through their tenant and location ids.
  if (partners) await importFile(store, 'partners', partners, { now: () => new Date(), progress: null });
  const started = performance.now();
  const summary = await importFile(store, 'revenue', file, { now: () => new Date(), progress: null, format: format as 'canonical' | 'partner-center' });
  const millis = performance.now() - started;
  await store.close();
  report({ rows: summary.rowsRead, inserted: summary.inserted, skipped: summary.skipped, millis });
} else if (task === 'import-set') {
  // The generated data set, canonical revenue only (the folder also holds the same lines as a
  // Partner Center export), in a process of its own so that the run's memory is the run's.
  const [database, dataDir] = args as [string, string];
  const store = await openStore(storeOf(database));
  const started = performance.now();
  let rows = 0;
  for (const [kind, name] of [
    ['partners', 'partners.csv'],
    ['fx-rates', 'fx-rates.csv'],
    ['revenue', 'revenue.csv'],
    ['assessments', 'assessments.csv'],
    ['security', 'security.csv'],
    ['support-plans', 'support-plans.csv'],
  ] as const) {
    rows += (await importFile(store, kind, path.join(dataDir, name), { now: () => new Date(), progress: null })).rowsRead;
  }
  await store.close();
  report({ rows, millis: performance.now() - started });
} else if (task === 'run') {
  // A run over an imported data set, notices written as .eml files.
  const [database, asOf, outbox, policyFile] = args as [string, string, string, string | undefined];
  rmSync(outbox, { recursive: true, force: true });
  const deps = await runDeps(database, outbox, policyFile);
  const store = deps.store;
  const profile: RunProfile = { decideMs: 0, renderMs: 0, sendMs: 0 };
  const started = performance.now();
  const result = await runReevaluation(deps, { asOf, dryRun: false, origin: 'manual', now: () => new Date(`${asOf}T06:00:00Z`), log: silentLogger, profile });
  const millis = performance.now() - started;
  const revenueLines = Number((await store.db.selectFrom('revenue_lines').select(store.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  await store.close();
  report({
    rows: result.json.decisions.length,
    millis,
    revenueLines,
    duePartners: new Set(result.json.decisions.map((d) => d.partnerId)).size,
    firstPartner: result.json.decisions[0]?.partnerId,
    counts: result.counts,
    notices: readdirSync(outbox).length,
    warnings: result.json.warnings.length,
    ...profile,
  });
} else if (task === 'year') {
  // The runs of the months after the measured one, unmeasured: they make a year of decisions for the report.
  const [database, firstMonth, months, outbox] = args as [string, string, string, string];
  const deps = await runDeps(database, outbox);
  let rows = 0;
  const started = performance.now();
  for (let i = 0; i < Number(months); i++) {
    const month = new Date(`${firstMonth}-15T06:00:00Z`);
    month.setUTCMonth(month.getUTCMonth() + i);
    const asOf = month.toISOString().slice(0, 10);
    const result = await runReevaluation(deps, { asOf, dryRun: false, origin: 'manual', now: () => month, log: silentLogger });
    rows += result.json.decisions.length;
  }
  await deps.store.close();
  report({ rows, millis: performance.now() - started });
} else if (task === 'report') {
  // `report --format html` over every decision on file, as on `asOf`.
  const [database, asOf] = args as [string, string];
  const store = await openStore(storeOf(database), { access: 'read' });
  const policy = loadPolicy(path.join(PROJECT_ROOT, 'data', 'policy.json'));
  const started = performance.now();
  const built = await buildReport(store, policy, asOf);
  const html = formatReport(built, 'html');
  const millis = performance.now() - started;
  await store.close();
  report({ rows: built.rows.length, millis, bytes: html.length });
} else if (task === 'explain') {
  // `explain` for one partner, with every revenue line on file.
  const [database, partnerId, asOf] = args as [string, string, string];
  const store = await openStore(storeOf(database), { access: 'read' });
  const policy = loadPolicy(path.join(PROJECT_ROOT, 'data', 'policy.json'));
  const started = performance.now();
  const text = formatExplanation(await buildExplanation(store, policy, partnerId, asOf));
  const millis = performance.now() - started;
  await store.close();
  report({ rows: 1, millis, bytes: text.length });
} else if (task === 'outlook') {
  // What `csp-reeval outlook --months N` does, from opening the database to the text it prints.
  const [database, asOf, monthsText] = args as [string, string, string];
  const started = performance.now();
  const store = await openStore({ kind: 'sqlite', file: database });
  const months = Number(monthsText);
  const policy = loadPolicy(path.join(PROJECT_ROOT, 'data', 'policy.json'));
  const projected = await projectUpcoming(store, policy, asOf, Array.from({ length: months }, (_, i) => i + 1));
  const outlook = buildOutlook(projected, { asOf, months, policyVersion: policy.version });
  const text = formatOutlook(outlook);
  await store.close();
  report({ rows: outlook.cycles.length, millis: performance.now() - started, counts: outlook.counts, bytes: text.length });
} else if (task === 'smtp') {
  // The same messages through csp-reeval's delivery (from the notices table, recorded as sent one by
  // one) and through a bare nodemailer pool, to the same loopback server.
  const [smtpUrl, countText, database] = args as [string, string, string];
  const count = Number(countText);
  const store = await openStore({ kind: 'sqlite', file: database });
  const config = readConfig({ DATABASE_URL: database, SMTP_URL: smtpUrl });
  const deps = {
    store,
    policy: loadPolicy(path.join(PROJECT_ROOT, 'data', 'policy.json')),
    config,
    templates: loadTemplates(path.join(PROJECT_ROOT, 'templates')),
    mailer: createMailer({ smtpUrl, outboxDir: '' }),
  };
  const cpuMs = (usage: NodeJS.CpuUsage) => Math.round((usage.user + usage.system) / 1000);
  let seeded = 0;
  // A run for a partner that does not exist decides nothing and delivers whatever is waiting.
  const deliver = async (expected: number) => {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await runReevaluation(deps, { asOf: '2026-10-15', partnerId: '-', dryRun: false, origin: 'manual', now: () => new Date(), log: silentLogger });
    const millis = performance.now() - started;
    if (result.json.notices.length !== expected || result.failedSends !== 0) throw new Error(`sent ${result.json.notices.length} of ${expected}`);
    return { millis, cpuMs: cpuMs(process.cpuUsage(cpuBefore)) };
  };
  const bare = async (messages: Array<Record<string, string>>, tag: string) => {
    const cpuBefore = process.cpuUsage();
    const millis = await sendBare(smtpUrl, messages, tag);
    return { millis, cpuMs: cpuMs(process.cpuUsage(cpuBefore)) };
  };
  // Both sides warmed up first, so that neither is measured while the JIT is still compiling the
  // code they share; then rounds in alternating order, so that neither always goes first.
  const warm = await seedNotices(store, SMTP_WARM_UP, seeded);
  seeded += SMTP_WARM_UP;
  await deliver(warm.length);
  await bare(warm, 'warm');
  const rounds: Array<{ ours: { millis: number; cpuMs: number }; bare: { millis: number; cpuMs: number } }> = [];
  for (let round = 0; round < SMTP_ROUNDS; round++) {
    const messages = await seedNotices(store, count, seeded);
    seeded += count;
    const [ours, other] = await inTurn(round, () => deliver(count), () => bare(messages, `bare${round}`));
    rounds.push({ ours, bare: other });
  }
  await deps.mailer.close();
  await store.close();
  report({
    rows: count,
    millis: rounds.reduce((sum, r) => sum + r.ours.millis, 0),
    bareMillis: rounds.reduce((sum, r) => sum + r.bare.millis, 0),
    rounds,
  });
} else {
  process.stderr.write(`unknown task '${task}'\n`);
  process.exit(2);
}

function storeOf(database: string) {
  return database.startsWith('postgres') ? { kind: 'postgres' as const, url: database } : { kind: 'sqlite' as const, file: database };
}

/** What a run needs, notices written as .eml files to `outbox`. */
async function runDeps(database: string, outbox: string, policyFile?: string) {
  const config = readConfig({ DATABASE_URL: database, OUTBOX_DIR: outbox });
  return {
    store: await openStore(config.database),
    policy: loadPolicy(policyFile ?? path.join(PROJECT_ROOT, 'data', 'policy.json')),
    config,
    templates: loadTemplates(path.join(PROJECT_ROOT, 'templates')),
    mailer: createMailer({ smtpUrl: null, outboxDir: outbox }),
  };
}

/** The same messages through a bare nodemailer pool, all queued at once; resolves to the milliseconds taken. */
async function sendBare(smtpUrl: string, messages: Array<Record<string, string>>, tag: string): Promise<number> {
  const bare = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, maxMessages: Infinity });
  const started = performance.now();
  // The same message as csp-reeval sends: the same header and addressing, not only the same text.
  const send = (m: Record<string, string>, i: number) =>
    bare.sendMail({
      from: { name: 'CSP Programme', address: 'csp-programme@example.com' },
      to: [{ name: '', address: m.to! }],
      envelope: { from: 'csp-programme@example.com', to: [m.to!] },
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: { 'Auto-Submitted': 'auto-generated' },
      messageId: `<${tag}-${i}@bench.example>`,
    });
  await Promise.all(messages.map(send));
  const millis = performance.now() - started;
  bare.close();
  return millis;
}

/** `count` pending partner notices, rendered from a realistic transition decision, in the outbox table. */
async function seedNotices(store: Store, count: number, first: number) {
  const templates = loadTemplates(path.join(PROJECT_ROOT, 'templates'));
  const messages: Array<{ from: string; to: string; subject: string; text: string; html: string }> = [];
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i++) {
      const partner: Partner = {
        partnerId: String(6_000_000 + first + i),
        name: i % 2 ? `株式会社テストパートナー${i}` : `Test Partner ${i} Ltd`,
        onboardedOn: '2019-04-10',
        noticeTo: [`csp${i}@partner${i}.example.com`],
        noticeCc: [],
        locale: i % 2 ? 'ja' : 'en',
        status: 'direct_bill',
      };
      const decision: Decision = {
        partnerId: partner.partnerId,
        trigger: 'renewal',
        cycle: '2026-10',
        outcome: 'transition_required',
        final: true,
        decidedOn: '2026-10-15',
        policyVersion: '2025-10',
        reapplyEligibleOn: '2027-10-15',
        termEnd: '2026-10-31',
        checks: [
          {
            id: 'ttm_revenue',
            result: 'fail',
            unit: 'usd',
            minimumUsd: parseDecimal('1000000.00'),
            totalUsd: parseDecimal('999999.99'),
            window: { from: '2025-10-01', to: '2026-09-30' },
            evidence: { window: { from: '2025-10-01', to: '2026-09-30' } },
          },
          { id: 'assessment_score', result: 'pass', unit: 'score', passMark: writtenDecimal('70'), score: parseDecimal('80.05'), assessedOn: null, categoryMeans: [], evidence: {} },
        ],
      };
      const rendered = renderPartnerNotice({ partner, decisions: [decision], asOf: '2026-10-15' }, templates)!;
      const from = 'CSP Programme <csp-programme@example.com>';
      messages.push({ from, to: partner.noticeTo[0]!, subject: rendered.subject, text: rendered.text, html: rendered.html });
      await insertNotice(
        trx,
        {
          runId: 0,
          partnerId: partner.partnerId,
          audience: 'partner',
          kinds: rendered.kinds,
          messageId: newMessageId({ runId: 0, partnerId: partner.partnerId, domain: 'example.com' }),
          locale: partner.locale,
          from,
          to: partner.noticeTo,
          cc: [],
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          createdAt: new Date().toISOString(),
        },
        [],
      );
    }
  });
  return messages;
}
