import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '@domain/markup';
import { loadConfig } from '../lib/config';
import { compileEmails, messagesOf, renderAsSent, sampleForms, sampleLeads } from '../lib/emails';
import { median, percentile, ratio, repoRoot, round } from './util';

/**
 * `npm run bench:emails`: the time to render one email (subject, HTML and text) from the
 * compiled templates, as a function renders it after its first email (templates revived once
 * per instance), per message for the hot demo-request sample lead. Target: at most 2 ms.
 * Floor: the same HTML filled in by one regular-expression pass that escapes each value,
 * the least any renderer does. Writes bench/EMAILS.md.
 */
const RUNS = 2_000;
const config = loadConfig('dev');
const catalog = compileEmails(config);
const lead = sampleLeads(sampleForms(catalog)).find((sample) => sample.label === 'hot, demo-request')!.lead;
const values: Record<string, string> = { 'lead.firstName': 'Dana', 'lead.name': lead.name, 'lead.company': lead.company ?? '', 'lead.message': lead.message ?? '' };

function timed(fn: () => void): number[] {
  for (let i = 0; i < 200; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

const rows = messagesOf(config).map((message) => {
  const html = catalog.templates[message]!.html;
  const render = timed(() => renderAsSent(catalog, message, lead, config));
  const floor = timed(() => html.replace(/{{[^{}]*}}/g, (statement) => escapeHtml(values[statement.slice(2, -2).trim()] ?? '')));
  const p50 = median(render);
  const p95 = percentile(render, 95);
  return { message, kb: round(renderAsSent(catalog, message, lead, config).html.length / 1024), p50, p95, floor: median(floor) };
});

const ms = (value: number) => round(value, 3);
const lines = [
  '# Rendering one email',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Machine: ${cpus().length} CPUs, ${round(totalmem() / 2 ** 30)} GB RAM, shared and noisy`,
  `- Node: ${process.version}`,
  '- Command: `npm run bench:emails` (`bench/emails.ts`)',
  '',
  `Each message of the dev stage rendered ${RUNS} times (after 200 to warm up) for the hot demo-request sample lead, as`,
  'a function renders it once its templates are revived: subject, HTML (escaped) and text. Floor: the',
  'same HTML filled in by one regular-expression pass that escapes each value. Target: at most 2 ms',
  'per email (p95).',
  '',
  '| message | HTML KB | p50 ms | p95 ms | floor p50 ms | ratio | target |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((row) => `| ${row.message} | ${row.kb} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.floor)} | ${ratio(row.p50, row.floor)}x | ${row.p95 <= 2 ? '**met**' : '**not met**'} |`),
  '',
];
writeFileSync(join(repoRoot, 'bench', 'EMAILS.md'), lines.join('\n'));
console.log(lines.join('\n'));
