import { parseArgs } from 'node:util';
import { csvTable } from '@domain/csv';
import { ValidationError } from '@domain/errors';
import { REJECT_REASONS } from '@domain/rep-response';
import type { FunnelRow, PipelineRow } from '@domain/funnel';
import {
  dashboard, FUNNEL_CSV_COLUMNS, funnelCsvRows, type DashboardQuery, DashboardQuerySchema, daysBetween as periodDays, type Period, periodOf, reportRecordsBetween, type ReportRecordsByDay,
} from '@domain/reports';
import { describeSla, formatDuration, type ReportRow, type Sla, type SlaReport, slaReport } from '@domain/sla';
import type { DashboardView } from '@domain/team-app';
import { parseWith } from '@domain/validation';
import { runIfMain, stageConfig, storeFlags, UsageError, withLeadStore } from './ops-cli';

export type { ReportRecordsByDay } from '@domain/reports';

/**
 * `npm run report -- --from 2026-11-01 --to 2026-11-30 [--json | --csv | --funnel-csv]`: time
 * to first contact and the SLA, per rep and per source, then the funnel (leads to won) by
 * source, campaign and form, pipeline and won amounts per currency, and conversion by score
 * band and by time to first contact, for the leads submitted in those days (UTC).
 * The figures come from functions/domain/reports.ts, the same call the team app's dashboard
 * makes (so the two always agree); this file only reads and prints.
 */
const USAGE = `Usage: npm run report -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--source S] [--campaign C] [--form F] [--rep ID] [--grade hot|warm|cold]
                         [--json | --csv | --funnel-csv] [--stage dev] [--table <name> | --endpoint <url>]
  Leads submitted from --from to --to, inclusive, UTC days (default: the last 30 days).
  --source is utm_source ("(direct)" for none), --campaign utm_campaign ("(none)"), --form formId ("(no form)").
  --json prints the dashboard's view (GET /app/api/dashboard); --csv the SLA table's rows;
  --funnel-csv the funnel, pipeline (per currency) and conversion rows.
  Reads the local stack (npm start) by default; --table reads that table in AWS.`;

const CLI_NAMES = { from: '--from', to: '--to' };

/** The domain's days of a period, its error as a usage error that names the flags (exit code 2, no stack). */
export function daysBetween(from: string, to: string): string[] {
  try {
    return periodDays({ from, to }, CLI_NAMES);
  } catch (error) {
    throw error instanceof ValidationError ? new UsageError(error.message) : error;
  }
}

/** The SLA table alone (what `--csv` prints): the same read and the same rows the dashboard shows. */
export async function readReport(source: ReportRecordsByDay, range: Period, sla: Sla, now: Date): Promise<SlaReport> {
  daysBetween(range.from, range.to);
  return slaReport(await reportRecordsBetween(source, range), range, sla, now);
}

/** The dashboard's view, read as the app's API reads it. */
export async function readDashboard(source: ReportRecordsByDay, query: DashboardQuery, sla: Sla, now: Date, reps: ReadonlyArray<{ id: string; name: string }>): Promise<DashboardView> {
  daysBetween(query.range.from, query.range.to);
  return dashboard(await reportRecordsBetween(source, query.range), query.range, query.filters, sla, now, reps);
}

const percent = (row: ReportRow) => (row.withinSlaPercent === undefined ? '-' : `${row.withinSlaPercent.toFixed(1)}% (${row.slaMet}/${row.slaMet + row.slaMissed})`);
const rejections = (row: ReportRow) =>
  row.rejected === 0 ? '0' : `${row.rejected} (${Object.entries(row.rejectedByReason).map(([reason, n]) => `${reason} ${n}`).join(', ')})`;

/** Rows as aligned columns: names and reasons left-aligned, counts and times on the right. */
function columns(header: readonly string[], cells: ReadonlyArray<readonly string[]>, leftAligned: ReadonlySet<number>): string[] {
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `  ${r.map((cell, i) => (leftAligned.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return all.map(line);
}

function table(title: string, heading: string, rows: readonly ReportRow[]): string[] {
  const header = [heading, 'Leads', 'Contacted', 'Median', 'P90', 'Within SLA', 'Accepted', 'Rejected', 'Unsubscribed'];
  const cells = rows.map((row) => [row.key, String(row.leads), String(row.contacted), formatDuration(row.medianSeconds), formatDuration(row.p90Seconds), percent(row), String(row.accepted), rejections(row), String(row.unsubscribed)]);
  return [title, ...columns(header, cells, new Set([0, 7]))];
}

const filtersLine = (view: DashboardView) => {
  const chosen = Object.entries(view.filters).map(([filter, value]) => `${filter} ${value}`);
  return chosen.length ? [`Filters: ${chosen.join(', ')}`] : [];
};

function outcomesLine(view: DashboardView): string {
  const { accepted, rejected, acceptancePercent, bounced, complained } = view.total;
  const acceptance = acceptancePercent === undefined ? 'no lead accepted or rejected yet' : `${acceptancePercent.toFixed(1)}% (${accepted} accepted of ${accepted + rejected} decided)`;
  return `Acceptance: ${acceptance}. Bounced ${bounced}, complained ${complained}.`;
}

function weeklyTable(view: DashboardView): string[] {
  const cells = view.weekly.map((w) => [w.week, String(w.leads), w.withinSlaPercent === undefined ? '-' : `${w.withinSlaPercent.toFixed(1)}% (${w.slaMet}/${w.slaMet + w.slaMissed})`]);
  return ['Within SLA by week (ISO weeks, by their Monday)', ...columns(['Week of', 'Leads', 'Within SLA'], cells, new Set([0]))];
}

function ignoredTable(view: DashboardView): string[] {
  if (view.ignoredNow.length === 0) return ['Ignored now: no lead of these is open past its SLA.'];
  const cells = view.ignoredNow.map((r) => [r.repName === r.repId ? r.repId : `${r.repName} (${r.repId})`, String(r.leads), formatDuration(r.longestOverdueSeconds)]);
  return ['Ignored now (not contacted, past their SLA)', ...columns(['Rep', 'Leads', 'Longest overdue'], cells, new Set([0]))];
}

const rate = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(1)}%`);

function funnelTable(title: string, heading: string, rows: readonly FunnelRow[]): string[] {
  const header = [heading, 'Leads', 'Contacted', 'Accepted', 'Opportunities', 'Won', 'Lead to won'];
  const cells = rows.map((r) => [
    r.key, String(r.leads), `${r.contacted} (${rate(r.contactedPercent)})`, `${r.accepted} (${rate(r.acceptedPercent)})`,
    `${r.opportunities} (${rate(r.opportunityPercent)})`, `${r.won} (${rate(r.wonPercent)})`, rate(r.leadToWonPercent),
  ]);
  return [title, ...columns(header, cells, new Set([0]))];
}

/** An amount as accountants read it: thousands separated, cents only when there are any. */
const money = (amount: number) => amount.toLocaleString('en-US', { minimumFractionDigits: Number.isInteger(amount) ? 0 : 2, maximumFractionDigits: 2 });

function pipelineTable(title: string, heading: string, rows: readonly PipelineRow[]): string[] {
  if (rows.length === 0) return [`${title}: no opportunity with an amount yet.`];
  const cells = rows.map((r) => [r.key, r.currency, String(r.opportunities), money(r.pipelineAmount), String(r.won), money(r.wonAmount)]);
  return [title, ...columns([heading, 'Currency', 'Opportunities', 'Pipeline', 'Won', 'Won amount'], cells, new Set([0, 1]))];
}

function funnelSections(view: DashboardView): string[] {
  return [
    'Funnel: each stage counts the leads that reached it or a later one; (%) is of the stage before.',
    ...funnelTable('Funnel by source (utm_source)', 'Source', [...view.funnel.bySource, view.funnel.total]),
    '',
    ...funnelTable('Funnel by campaign (utm_campaign)', 'Campaign', [...view.funnel.byCampaign, view.funnel.total]),
    '',
    ...funnelTable('Funnel by form (formId)', 'Form', [...view.funnel.byForm, view.funnel.total]),
    '',
    ...pipelineTable('Pipeline by source (amounts per currency, never added across currencies)', 'Source', view.pipeline.bySource),
    '',
    ...pipelineTable('Pipeline by campaign', 'Campaign', view.pipeline.byCampaign),
    '',
    ...funnelTable('Conversion by score band', 'Score', view.byScoreBand),
    '',
    ...funnelTable('Conversion by time to first contact', 'First contact', view.byFirstContact),
  ];
}

export function formatText(view: DashboardView): string {
  const asOf = view.asOf.slice(0, 16).replace('T', ' ');
  return [
    `Speed to lead: leads submitted ${view.from} to ${view.to} (UTC), as of ${asOf} UTC`,
    ...filtersLine(view),
    `SLA to first contact: ${describeSla(view.sla)}. Within SLA counts leads contacted in time, or not contacted once their SLA passed.`,
    '',
    ...table('By rep', 'Rep', [...view.byRep, view.total]),
    '',
    ...table('By source (utm_source / formId)', 'Source', [...view.bySource, view.total]),
    '',
    outcomesLine(view),
    '',
    ...weeklyTable(view),
    '',
    ...ignoredTable(view),
    '',
    ...funnelSections(view),
  ].join('\n');
}

/** The SLA table's rows; its columns are a contract (spreadsheets and tools read them by position). */
export function formatCsv(report: SlaReport): string {
  const header = ['group', 'key', 'leads', 'contacted', 'median_seconds', 'p90_seconds', 'sla_met', 'sla_missed', 'within_sla_percent', 'accepted', 'rejected', ...REJECT_REASONS.map((r) => `rejected_${r}`), 'unsubscribed', 'from', 'to'];
  const line = (group: string, row: ReportRow) =>
    [group, row.key, row.leads, row.contacted, row.medianSeconds, row.p90Seconds, row.slaMet, row.slaMissed, row.withinSlaPercent, row.accepted, row.rejected, ...REJECT_REASONS.map((r) => row.rejectedByReason[r] ?? 0), row.unsubscribed, report.from, report.to];
  return csvTable(header, [...report.byRep.map((row) => line('rep', row)), ...report.bySource.map((row) => line('source', row)), line('all', report.total)], '\n');
}

/** The funnel's, pipeline's and conversion's rows (`--funnel-csv`): the same groups and columns as in the dashboard's CSV. */
export function formatFunnelCsv(view: DashboardView): string {
  const header = ['group', 'key', 'leads', 'contacted', 'accepted', ...FUNNEL_CSV_COLUMNS, 'from', 'to'];
  return csvTable(header, funnelCsvRows(view).map(([group, key, cells]) => [group, key, ...header.slice(2, -2).map((column) => cells[column]), view.from, view.to]), '\n');
}

const filterFlags = { source: { type: 'string' }, campaign: { type: 'string' }, form: { type: 'string' }, rep: { type: 'string' }, grade: { type: 'string' } } as const;

/** The flags as the dashboard's query: the same schema, its issues named as flags. */
function queryOf(values: Partial<Record<'from' | 'to' | keyof typeof filterFlags, string>>, now: Date): DashboardQuery {
  const range = periodOf({ ...(values.from !== undefined ? { from: values.from } : {}), ...(values.to !== undefined ? { to: values.to } : {}) }, now);
  daysBetween(range.from, range.to);
  try {
    const { from: _from, to: _to, ...filters } = parseWith(DashboardQuerySchema, { source: values.source, campaign: values.campaign, form: values.form, rep: values.rep, grade: values.grade });
    return { range, filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new UsageError(error.issues.map((issue) => `--${issue.path} ${issue.message}`).join('\n'));
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        ...storeFlags, ...filterFlags, from: { type: 'string' }, to: { type: 'string' },
        json: { type: 'boolean', default: false }, csv: { type: 'boolean', default: false }, 'funnel-csv': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return console.log(USAGE);
  if ([values.json, values.csv, values['funnel-csv']].filter(Boolean).length > 1) throw new UsageError('Choose one of --json, --csv and --funnel-csv');
  const now = new Date();
  const query = queryOf(values, now);

  const config = stageConfig(values);
  await withLeadStore(values, async ({ store }) => {
    // One dashboard() call for every format: the JSON is the app's view, and it keeps the SLA report's keys.
    const view = await readDashboard(store, query, config.slaMinutes, now, config.reps);
    console.log(values.json ? JSON.stringify(view, null, 2) : values.csv ? formatCsv(view) : values['funnel-csv'] ? formatFunnelCsv(view) : formatText(view));
  });
}

await runIfMain(import.meta.url, main);
