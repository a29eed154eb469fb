import { parseArgs } from 'node:util';
import type { Lead } from '@domain/lead';
import { REJECT_REASONS } from '@domain/rep-response';
import { describeSla, formatDuration, type ReportRow, type Sla, type SlaReport, slaReport } from '@domain/sla';
import { runIfMain, stageConfig, storeFlags, UsageError, withLeadStore } from './ops-cli';

/**
 * `npm run report -- --from 2026-11-01 --to 2026-11-30 [--json | --csv]`: time to first
 * contact and the SLA, per rep and per source, for the leads submitted in those days (UTC).
 * The figures come from functions/domain/sla.ts; this file only reads and prints.
 */
const USAGE = `Usage: npm run report -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json | --csv] [--stage dev] [--table <name> | --endpoint <url>]
  Leads submitted from --from to --to, inclusive, UTC days (default: the last 30 days).
  Reads the local stack (npm start) by default; --table reads that table in AWS.`;

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

/** A reader of one day's leads: the DynamoDB store's byDay index. */
export interface LeadsByDay {
  leadsSubmittedOn(day: string): Promise<Lead[]>;
}

const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

/** The days from `from` to `to`, inclusive; refuses a bad or reversed range with the fix. */
export function daysBetween(from: string, to: string): string[] {
  for (const [flag, day] of [['--from', from], ['--to', to]] as const) {
    if (!isDay(day)) throw new UsageError(`${flag} must be a date like 2026-11-01, got "${day}"`);
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new UsageError(`--from ${from} is after --to ${to}`);
  const count = (end - start) / DAY_MS + 1;
  if (count > MAX_DAYS) throw new UsageError(`The range has ${count} days; ask for at most ${MAX_DAYS} at a time`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

/** Reads the leads of every day in the range (one index query per day, a few at a time) and computes the report. */
export async function readReport(source: LeadsByDay, range: { from: string; to: string }, sla: Sla, now: Date): Promise<SlaReport> {
  const days = daysBetween(range.from, range.to);
  const leads: Lead[] = [];
  for (let i = 0; i < days.length; i += 8) {
    const batch = await Promise.all(days.slice(i, i + 8).map((day) => source.leadsSubmittedOn(day)));
    leads.push(...batch.flat());
  }
  return slaReport(leads, range, sla, now);
}

const percent = (row: ReportRow) => (row.withinSlaPercent === undefined ? '-' : `${row.withinSlaPercent.toFixed(1)}% (${row.slaMet}/${row.slaMet + row.slaMissed})`);
const rejections = (row: ReportRow) =>
  row.rejected === 0 ? '0' : `${row.rejected} (${Object.entries(row.rejectedByReason).map(([reason, n]) => `${reason} ${n}`).join(', ')})`;

function table(title: string, heading: string, rows: readonly ReportRow[]): string[] {
  const header = [heading, 'Leads', 'Contacted', 'Median', 'P90', 'Within SLA', 'Accepted', 'Rejected', 'Unsubscribed'];
  const cells = rows.map((row) => [row.key, String(row.leads), String(row.contacted), formatDuration(row.medianSeconds), formatDuration(row.p90Seconds), percent(row), String(row.accepted), rejections(row), String(row.unsubscribed)]);
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  // Names and reasons read left-aligned; counts and times line up on the right.
  const leftAligned = new Set([0, 7]);
  const line = (r: string[]) => `  ${r.map((cell, i) => (leftAligned.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [title, line(header), ...cells.map(line)];
}

export function formatText(report: SlaReport): string {
  const asOf = report.asOf.slice(0, 16).replace('T', ' ');
  return [
    `Speed to lead: leads submitted ${report.from} to ${report.to} (UTC), as of ${asOf} UTC`,
    `SLA to first contact: ${describeSla(report.sla)}. Within SLA counts leads contacted in time, or not contacted once their SLA passed.`,
    '',
    ...table('By rep', 'Rep', [...report.byRep, report.total]),
    '',
    ...table('By source (utm_source / formId)', 'Source', [...report.bySource, report.total]),
  ].join('\n');
}

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet (utm_source is typed by anyone). */
const csvCell = (value: string | number | undefined): string => {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function formatCsv(report: SlaReport): string {
  const header = ['group', 'key', 'leads', 'contacted', 'median_seconds', 'p90_seconds', 'sla_met', 'sla_missed', 'within_sla_percent', 'accepted', 'rejected', ...REJECT_REASONS.map((r) => `rejected_${r}`), 'unsubscribed', 'from', 'to'];
  const line = (group: string, row: ReportRow) =>
    [group, row.key, row.leads, row.contacted, row.medianSeconds, row.p90Seconds, row.slaMet, row.slaMissed, row.withinSlaPercent, row.accepted, row.rejected, ...REJECT_REASONS.map((r) => row.rejectedByReason[r] ?? 0), row.unsubscribed, report.from, report.to]
      .map(csvCell)
      .join(',');
  return [header.join(','), ...report.byRep.map((row) => line('rep', row)), ...report.bySource.map((row) => line('source', row)), line('all', report.total)].join('\n');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { ...storeFlags, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false }, csv: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return console.log(USAGE);
  if (values.json && values.csv) throw new UsageError('Choose one of --json and --csv');
  const now = new Date();
  const to = values.to ?? now.toISOString().slice(0, 10);
  const from = values.from ?? (isDay(to) ? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10) : to);
  daysBetween(from, to);

  const config = stageConfig(values);
  await withLeadStore(values, async ({ store }) => {
    const report = await readReport(store, { from, to }, config.slaMinutes, now);
    console.log(values.json ? JSON.stringify(report, null, 2) : values.csv ? formatCsv(report) : formatText(report));
  });
}

await runIfMain(import.meta.url, main);
