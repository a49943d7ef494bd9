import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Locale } from '../domain/types.js';

export { type OpsSummaryInput, renderOpsSummary } from './ops-summary.js';
export { renderPartnerNotice } from './partner-notice.js';

type Render = (view: object) => string;

interface TemplateSet {
  subject: Render;
  text: Render;
  html: Render;
}

export interface Templates {
  readonly partnerNotice: Readonly<Record<Locale, TemplateSet>>;
  readonly earlyWarning: Readonly<Record<Locale, TemplateSet>>;
  readonly opsSummary: TemplateSet;
  /** The partner's notice of an outcome a person corrected (`csp-reeval override`). */
  readonly correction: Readonly<Record<Locale, TemplateSet>>;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const PARTIALS = ['html-layout', 'html-checks', 'early-warning-en-text', 'early-warning-ja-text', 'early-warning-en-html', 'early-warning-ja-html'] as const;

/**
 * Compiles every template in `dir` once. HTML templates escape every `{{value}}`; text and subject
 * templates are compiled with `noEscape`, as plain text has nothing to escape.
 */
export function loadTemplates(dir: string): Templates {
  const hbs = Handlebars.create();
  for (const name of PARTIALS) hbs.registerPartial(name, compileTemplate(hbs, path.join(dir, 'partials', `${name}.hbs`), true));
  const set = (base: string): TemplateSet => ({
    subject: compileFile(hbs, path.join(dir, `${base}.subject.hbs`), false),
    text: compileFile(hbs, path.join(dir, `${base}.txt.hbs`), false),
    html: compileFile(hbs, path.join(dir, `${base}.html.hbs`), true),
  });
  return {
    partnerNotice: { ja: set('partner-notice.ja'), en: set('partner-notice.en') },
    earlyWarning: { ja: set('early-warning.ja'), en: set('early-warning.en') },
    opsSummary: set('ops-summary.en'),
    correction: { ja: set('correction-notice.ja'), en: set('correction-notice.en') },
  };
}

function compileFile(hbs: typeof Handlebars, file: string, escape: boolean): Render {
  const template = compileTemplate(hbs, file, escape);
  return (view) => {
    try {
      return template(view);
    } catch (error) {
      throw new Error(`notice template ${file} failed to render: ${(error as Error).message}`);
    }
  };
}

function compileTemplate(hbs: typeof Handlebars, file: string, escape: boolean): Handlebars.TemplateDelegate {
  if (!existsSync(file)) throw new Error(`notice template ${file} is missing`);
  const source = readFileSync(file, 'utf8');
  const options = { strict: true, knownHelpersOnly: true, noEscape: !escape };
  try {
    // compile() is lazy: precompiling now makes a broken template stop the job before any decision.
    hbs.precompile(source, options);
    return hbs.compile(source, options);
  } catch (error) {
    throw new Error(`notice template ${file} is not valid: ${(error as Error).message}`);
  }
}
