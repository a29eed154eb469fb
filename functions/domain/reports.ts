import * as z from '@domain/zod';
import { csvTable, type CsvValue } from '@domain/csv';
import { PeriodTooLarge, ValidationError } from '@domain/errors';
import { funnelFigures, type FunnelRow, type PipelineRow } from '@domain/funnel';
import type { LeadGrade } from '@domain/lead';
import type { ReportRecord } from '@domain/report-record';
import { REJECT_REASONS } from '@domain/rep-response';
import { type FirstContacts, firstContactsOf, type ReportRow, type Sla, slaReport } from '@domain/sla';
import type { DashboardFilters, DashboardView } from '@domain/team-app';
import { parseWith } from '@domain/validation';

/**
 * The manager's figures: the SLA table of functions/domain/sla.ts over the leads that pass the
 * dashboard's filters, plus acceptance, bounces, the weekly trend, who is ignoring leads right
 * now, and the funnel, pipeline and conversion figures of functions/domain/funnel.ts. `npm run report` and GET /app/api/dashboard both read the same report records
 * (functions/domain/report-record.ts, kept by the lead store as leads change) and call
 * `dashboard()`, so the CLI and the app can never disagree on a number.
 */

const DAY_MS = 86_400_000;
/** The longest period one request may ask for: a year, leap day included. */
export const MAX_DAYS = 366;
/** The default period: today and the 29 days before it. */
export const DEFAULT_DAYS = 30;

export interface Period {
  /** First day, YYYY-MM-DD (UTC), inclusive. */
  from: string;
  /** Last day, YYYY-MM-DD (UTC), inclusive. */
  to: string;
}

const GRADES: readonly LeadGrade[] = ['hot', 'warm', 'cold'];

// ---- Periods ------------------------------------------------------------------------------

const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const dayAt = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (day: string, days: number) => dayAt(dayMs(day) + days * DAY_MS);

/** The UTC day of a time: `2026-11-03`. */
export const dayOf = (time: Date): string => time.toISOString().slice(0, 10);

/** The dashboard's period when none is asked for: the last 30 days, today (UTC) included. */
export function defaultPeriod(now: Date): Period {
  const to = dayOf(now);
  return { from: addDays(to, -(DEFAULT_DAYS - 1)), to };
}

/** A period from what was asked: `to` defaults to today, `from` to 29 days before `to`. */
export function periodOf(asked: Partial<Period>, now: Date): Period {
  const to = asked.to ?? dayOf(now);
  // An unreadable `to` stays as it is, so the error names `to`, not a `from` derived from it.
  return { from: asked.from ?? (isDay(to) ? addDays(to, -(DEFAULT_DAYS - 1)) : to), to };
}

/** How the two ends of a period are called where it was asked: `from`/`to` in the API, `--from`/`--to` in the CLI. */
export interface PeriodNames {
  from: string;
  to: string;
}

const API_NAMES: PeriodNames = { from: 'from', to: 'to' };

/** What is wrong with a period, as an issue on the API's field and as one sentence with the caller's names. */
function periodProblem(range: Period, names: PeriodNames): { path: 'from' | 'to'; message: string; sentence: string } | undefined {
  for (const end of ['from', 'to'] as const) {
    if (!isDay(range[end])) {
      const message = `must be a date like 2026-11-01, got "${range[end]}"`;
      return { path: end, message, sentence: `${names[end]} ${message}` };
    }
  }
  const days = (dayMs(range.to) - dayMs(range.from)) / DAY_MS + 1;
  if (days < 1) return { path: 'from', message: `must not be after ${names.to} (${range.to})`, sentence: `${names.from} ${range.from} is after ${names.to} ${range.to}` };
  if (days > MAX_DAYS) {
    return { path: 'to', message: `makes a period of ${days} days; ask for at most ${MAX_DAYS} at a time`, sentence: `The range has ${days} days; ask for at most ${MAX_DAYS} at a time` };
  }
  return undefined;
}

/**
 * The days of a period, oldest first; a bad, reversed or too long period is a ValidationError
 * whose issue is on the API's field (`from`/`to`) and whose message uses `names`, so the CLI
 * says `--from` and the API says `from` from the same rule.
 */
export function daysBetween(range: Period, names: PeriodNames = API_NAMES): string[] {
  const problem = periodProblem(range, names);
  if (problem) throw new ValidationError(problem.sentence, [{ path: problem.path, message: problem.message }]);
  const start = dayMs(range.from);
  return Array.from({ length: (dayMs(range.to) - start) / DAY_MS + 1 }, (_, i) => dayAt(start + i * DAY_MS));
}

// ---- The dashboard's query ----------------------------------------------------------------

const blankAsMissing = (v: unknown) => (v === '' ? undefined : v);
const filterValue = z.pipe(z.transform(blankAsMissing), z.optional(z.string({ error: 'must be text' }).check(z.trim(), z.maxLength(200, { error: 'must be at most 200 characters' }))));
const day = z.pipe(z.transform(blankAsMissing), z.optional(z.string({ error: 'must be a date like 2026-11-01' }).check(z.refine(isDay, { error: 'must be a date like 2026-11-01' }))));

/**
 * The query parameters of GET /app/api/dashboard and /app/api/dashboard.csv. Unknown
 * parameters are ignored (a link may carry tracking parameters); empty ones count as absent.
 */
export const DashboardQuerySchema = z
  .object({
    from: day,
    to: day,
    source: filterValue,
    campaign: filterValue,
    form: filterValue,
    rep: filterValue,
    grade: z.pipe(z.transform(blankAsMissing), z.optional(z.enum(GRADES as [LeadGrade, ...LeadGrade[]], { error: `must be one of ${GRADES.join(', ')}` }))),
  })
  .check(
    z.superRefine((query, ctx) => {
      if (query.from === undefined || query.to === undefined || !isDay(query.from) || !isDay(query.to)) return;
      const problem = periodProblem({ from: query.from, to: query.to }, API_NAMES);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message, input: query });
    }),
  );

export interface DashboardQuery {
  range: Period;
  filters: DashboardFilters;
}

const definedOnly = <T extends object>(object: T): T => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;

/** Reads the dashboard's query parameters (a ValidationError naming the field), with the default period. */
export function parseDashboardQuery(query: unknown, now: Date): DashboardQuery {
  const { from, to, ...filters } = parseWith(DashboardQuerySchema, query);
  const range = periodOf(definedOnly({ from, to }), now);
  // Only one end given: the other end's default may still reverse the period (from after today).
  const problem = periodProblem(range, API_NAMES);
  if (problem) throw new ValidationError(`Invalid ${problem.path}: ${problem.path} ${problem.message}`, [{ path: problem.path, message: problem.message }]);
  return { range, filters: definedOnly(filters) };
}

// ---- Reading ------------------------------------------------------------------------------

/** The port the reports read through: the report records of the leads submitted on some UTC days (the lead store's digest). */
export interface ReportRecordsByDay {
  reportRecordsOn(days: readonly string[]): Promise<ReportRecord[]>;
}

/** When reading must stop: past `at` (ms on the `now` clock), the reader gives up with PeriodTooLarge. */
export interface ReadDeadline {
  at: number;
  now: () => number;
}

/**
 * The report records of every lead submitted in the period, `daysAtOnce` days per read (a
 * quarter by default: a 90-day dashboard is one read of its days' digest items, never a scan).
 * With a `deadline`, a period too big to read in time is refused (PeriodTooLarge) before the
 * function itself times out.
 */
export async function reportRecordsBetween(source: ReportRecordsByDay, range: Period, options: { daysAtOnce?: number; deadline?: ReadDeadline } = {}): Promise<ReportRecord[]> {
  const days = daysBetween(range);
  const daysAtOnce = options.daysAtOnce ?? 92;
  const { deadline } = options;
  const records: ReportRecord[] = [];
  for (let i = 0; i < days.length; i += daysAtOnce) {
    if (deadline && deadline.now() > deadline.at) throw new PeriodTooLarge(i, days.length);
    for (const record of await source.reportRecordsOn(days.slice(i, i + daysAtOnce))) records.push(record);
  }
  return records;
}

// ---- The figures --------------------------------------------------------------------------

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const percentOf = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

/** The Monday (UTC) of the ISO week a day is in: a Sunday belongs to the week that began six days before. */
export function isoWeekOf(day: string): string {
  const ms = dayMs(day);
  return dayAt(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
}

/** Each filter compares the value the menus show: a missing source is "(direct)", and so on (report-record.ts). */
function passes(record: ReportRecord, filters: DashboardFilters): boolean {
  return (
    (filters.source === undefined || record.source === filters.source) &&
    (filters.campaign === undefined || record.campaign === filters.campaign) &&
    (filters.form === undefined || record.form === filters.form) &&
    (filters.rep === undefined || record.rep === filters.rep) &&
    (filters.grade === undefined || record.grade === filters.grade)
  );
}

type RepNames = ReadonlyArray<{ id: string; name: string }>;

function optionsOf(records: readonly ReportRecord[], nameOf: (repId: string) => string): DashboardView['options'] {
  const sources = new Set<string>();
  const campaigns = new Set<string>();
  const forms = new Set<string>();
  const repIds = new Set<string>();
  const grades = new Set<LeadGrade>();
  for (const record of records) {
    sources.add(record.source);
    campaigns.add(record.campaign);
    forms.add(record.form);
    repIds.add(record.rep);
    if (record.grade) grades.add(record.grade);
  }
  const sorted = (values: Set<string>) => [...values].sort(byCodePoint);
  return {
    sources: sorted(sources),
    campaigns: sorted(campaigns),
    forms: sorted(forms),
    // A menu reads by name; the id breaks a tie so the order never depends on the input's.
    reps: [...repIds].map((id) => ({ id, name: nameOf(id) })).sort((a, b) => a.name.localeCompare(b.name, 'en') || byCodePoint(a.id, b.id)),
    // Hottest first, as the grades are ranked, not alphabetically.
    grades: GRADES.filter((grade) => grades.has(grade)),
  };
}

const WEEK_MS = 7 * DAY_MS;

function weeklyOf(records: readonly ReportRecord[], range: Period, contacts: FirstContacts): DashboardView['weekly'] {
  const firstMonday = dayMs(isoWeekOf(range.from));
  const weeks = Array.from({ length: Math.floor((dayMs(range.to) - firstMonday) / WEEK_MS) + 1 }, (_, i) => ({ week: dayAt(firstMonday + i * WEEK_MS), leads: 0, slaMet: 0, slaMissed: 0 }));
  records.forEach((record, i) => {
    // Counted from the first Monday in milliseconds: no date string per lead.
    const week = weeks[Math.floor((record.submittedMs - firstMonday) / WEEK_MS)];
    if (!week) return;
    week.leads += 1;
    const { slaStatus } = contacts[i]!;
    if (slaStatus === 'met') week.slaMet += 1;
    else if (slaStatus === 'missed') week.slaMissed += 1;
  });
  return weeks.map((week) => ({ ...week, ...(week.slaMet + week.slaMissed > 0 ? { withinSlaPercent: percentOf(week.slaMet, week.slaMet + week.slaMissed) } : {}) }));
}

function ignoredNowOf(records: readonly ReportRecord[], sla: Sla, now: Date, nameOf: (repId: string) => string): DashboardView['ignoredNow'] {
  const byRep = new Map<string, { leads: number; longestOverdueMs: number }>();
  for (const record of records) {
    if (!record.awaitsFirstContact || !record.grade) continue;
    const overdueMs = now.getTime() - (record.submittedMs + sla[record.grade] * 60_000);
    // Past the limit, as firstContactOf counts a miss: the limit itself is still in time.
    if (overdueMs <= 0) continue;
    const repId = record.rep;
    const rep = byRep.get(repId) ?? { leads: 0, longestOverdueMs: 0 };
    byRep.set(repId, { leads: rep.leads + 1, longestOverdueMs: Math.max(rep.longestOverdueMs, overdueMs) });
  }
  return [...byRep.entries()]
    .map(([repId, rep]) => ({ repId, repName: nameOf(repId), leads: rep.leads, longestOverdueSeconds: Math.round(rep.longestOverdueMs / 1000) }))
    .sort((a, b) => b.leads - a.leads || b.longestOverdueSeconds - a.longestOverdueSeconds || byCodePoint(a.repId, b.repId));
}

/**
 * The dashboard over the report records of the leads submitted in `range` (others are left
 * out) that pass `filters`; `options` come from the period before filtering, so a menu never
 * loses the other values once one is chosen. Reps not in `reps` (left the team) are named by
 * their id. A lead's record is `reportRecordOf(lead)`.
 */
export function dashboard(records: readonly ReportRecord[], range: Period, filters: DashboardFilters, sla: Sla, now: Date, reps: RepNames): DashboardView {
  daysBetween(range); // refuses a bad period before any work
  const names = new Map(reps.map((rep) => [rep.id, rep.name]));
  const nameOf = (repId: string) => names.get(repId) ?? repId;
  // From the period's first day to before the day after its last.
  const start = dayMs(range.from);
  const end = dayMs(addDays(range.to, 1));
  const inPeriod = records.filter((record) => record.submittedMs >= start && record.submittedMs < end);
  const chosen = inPeriod.filter((record) => passes(record, filters));
  const contacts = firstContactsOf(chosen, sla, now);
  const report = slaReport(chosen, range, sla, now, contacts);
  const { accepted, rejected } = report.total;
  return {
    from: report.from,
    to: report.to,
    asOf: report.asOf,
    sla,
    filters,
    options: optionsOf(inPeriod, nameOf),
    total: {
      ...report.total,
      ...(accepted + rejected > 0 ? { acceptancePercent: percentOf(accepted, accepted + rejected) } : {}),
      bounced: chosen.filter((record) => record.bounced).length,
      complained: chosen.filter((record) => record.complained).length,
    },
    weekly: weeklyOf(chosen, range, contacts),
    byRep: report.byRep,
    bySource: report.bySource,
    // rejectedByReason is already in the rep's page's order (REJECT_REASONS).
    rejectionReasons: Object.entries(report.total.rejectedByReason).map(([reason, count]) => ({ reason, count })),
    ignoredNow: ignoredNowOf(chosen, sla, now, nameOf),
    ...funnelFigures(chosen),
  };
}

// ---- CSV ----------------------------------------------------------------------------------

/** The filters as one cell, in the query's own form (`source=google&grade=hot`), so a file says what it covers. */
const filtersText = (filters: DashboardFilters) =>
  (['source', 'campaign', 'form', 'rep', 'grade'] as const)
    .flatMap((key) => (filters[key] === undefined ? [] : [`${key}=${encodeURIComponent(filters[key]!)}`]))
    .join('&');

/** The funnel's and the pipeline's columns, in both CSVs (the dashboard's and `npm run report -- --csv`'s). */
export const FUNNEL_CSV_COLUMNS = [
  'opportunities', 'won', 'contacted_percent', 'accepted_percent', 'opportunity_percent', 'won_percent', 'lead_to_won_percent', 'currency', 'pipeline_amount', 'won_amount',
] as const;

const DASHBOARD_CSV_HEADER = [
  'group', 'key', 'name', 'leads', 'contacted', 'median_seconds', 'p90_seconds', 'sla_met', 'sla_missed', 'within_sla_percent',
  'accepted', 'rejected', ...REJECT_REASONS.map((r) => `rejected_${r}`), 'acceptance_percent', 'unsubscribed', 'bounced', 'complained',
  'longest_overdue_seconds', ...FUNNEL_CSV_COLUMNS, 'from', 'to', 'filters',
];

/** A funnel row's cells by column name (leads, contacted and accepted share the SLA rows' columns). */
export const funnelCells = (r: FunnelRow): Record<string, CsvValue> => ({
  leads: r.leads, contacted: r.contacted, accepted: r.accepted, opportunities: r.opportunities, won: r.won,
  contacted_percent: r.contactedPercent, accepted_percent: r.acceptedPercent, opportunity_percent: r.opportunityPercent, won_percent: r.wonPercent, lead_to_won_percent: r.leadToWonPercent,
});

/** A pipeline row's cells by column name. */
export const pipelineCells = (r: PipelineRow): Record<string, CsvValue> => ({ currency: r.currency, opportunities: r.opportunities, pipeline_amount: r.pipelineAmount, won: r.won, won_amount: r.wonAmount });

/** The funnel's and the pipeline's rows as [group, key, cells], in the order both CSVs print them. */
type GroupRow = [group: string, key: string, cells: Record<string, CsvValue>];

export function funnelCsvRows(view: Pick<DashboardView, 'funnel' | 'pipeline' | 'byScoreBand' | 'byFirstContact'>): GroupRow[] {
  const funnelRows = (group: string, rows: readonly FunnelRow[]) => rows.map((r): GroupRow => [group, r.key, funnelCells(r)]);
  const pipelineRows = (group: string, rows: readonly PipelineRow[]) => rows.map((r): GroupRow => [group, r.key, pipelineCells(r)]);
  return [
    ...funnelRows('funnel', [view.funnel.total]),
    ...funnelRows('funnel_source', view.funnel.bySource),
    ...funnelRows('funnel_campaign', view.funnel.byCampaign),
    ...funnelRows('funnel_form', view.funnel.byForm),
    ...funnelRows('score_band', view.byScoreBand),
    ...funnelRows('first_contact', view.byFirstContact),
    ...pipelineRows('pipeline_source', view.pipeline.bySource),
    ...pipelineRows('pipeline_campaign', view.pipeline.byCampaign),
  ];
}

/**
 * GET /app/api/dashboard.csv: every figure of the view in one sheet, one `group` per part
 * (total, week, rep, source, rejection_reason, ignored_now, then funnel, funnel_source,
 * funnel_campaign, funnel_form, score_band, first_contact, pipeline_source and
 * pipeline_campaign: one row per key and currency), so a pivot table reads it as is.
 * A reason's count is in `rejected`, an ignoring rep's open leads in `leads`; cells that do not apply are empty.
 */
export function dashboardCsv(view: DashboardView): string {
  const period = [view.from, view.to, filtersText(view.filters)];
  const row = (group: string, key: string, name: CsvValue, fields: Partial<Record<(typeof DASHBOARD_CSV_HEADER)[number], CsvValue>>): CsvValue[] =>
    [group, key, name, ...DASHBOARD_CSV_HEADER.slice(3, -3).map((column) => fields[column]), ...period];
  const figures = (r: ReportRow) => ({
    leads: r.leads, contacted: r.contacted, median_seconds: r.medianSeconds, p90_seconds: r.p90Seconds, sla_met: r.slaMet, sla_missed: r.slaMissed,
    within_sla_percent: r.withinSlaPercent, accepted: r.accepted, rejected: r.rejected, unsubscribed: r.unsubscribed,
    ...Object.fromEntries(REJECT_REASONS.map((reason) => [`rejected_${reason}`, r.rejectedByReason[reason] ?? 0])),
  });
  const repName = new Map(view.options.reps.map((rep) => [rep.id, rep.name]));
  const { total } = view;
  return csvTable(DASHBOARD_CSV_HEADER, [
    row('total', 'all', undefined, { ...figures(total), acceptance_percent: total.acceptancePercent, bounced: total.bounced, complained: total.complained }),
    ...view.weekly.map((w) => row('week', w.week, undefined, { leads: w.leads, sla_met: w.slaMet, sla_missed: w.slaMissed, within_sla_percent: w.withinSlaPercent })),
    ...view.byRep.map((r) => row('rep', r.key, repName.get(r.key) ?? r.key, figures(r))),
    ...view.bySource.map((r) => row('source', r.key, undefined, figures(r))),
    ...view.rejectionReasons.map((r) => row('rejection_reason', r.reason, undefined, { rejected: r.count })),
    ...view.ignoredNow.map((r) => row('ignored_now', r.repId, r.repName, { leads: r.leads, longest_overdue_seconds: r.longestOverdueSeconds })),
    ...funnelCsvRows(view).map(([group, key, cells]) => row(group, key, undefined, cells)),
  ]);
}
