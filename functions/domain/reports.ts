import * as z from '@domain/zod';
import { csvTable, type CsvValue } from '@domain/csv';
import { PeriodTooLarge, ValidationError } from '@domain/errors';
import type { Lead, LeadGrade } from '@domain/lead';
import { awaitsFirstContact } from '@domain/queue';
import { REJECT_REASONS } from '@domain/rep-response';
import { type FirstContacts, firstContactsOf, type ReportRow, repOf, type Sla, slaReport } from '@domain/sla';
import type { DashboardFilters, DashboardView } from '@domain/team-app';
import { parseWith } from '@domain/validation';

/**
 * The manager's figures: the SLA table of functions/domain/sla.ts over the leads that pass the
 * dashboard's filters, plus acceptance, bounces, the weekly trend and who is ignoring leads
 * right now. `npm run report` and GET /app/api/dashboard both call `dashboard()`, so the CLI
 * and the app can never disagree on a number.
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

/** The port the reports read through: one UTC day's leads (the DynamoDB store's byDay index). */
export interface LeadsByDay {
  leadsSubmittedOn(day: string): Promise<Lead[]>;
}

/** When reading must stop: past `at` (ms on the `now` clock), the reader gives up with PeriodTooLarge. */
export interface ReadDeadline {
  at: number;
  now: () => number;
}

/**
 * Every lead submitted in the period: one index query per day, `daysAtOnce` days in flight, so
 * a 90-day dashboard costs 90 small queries and never a scan. With a `deadline`, a period too
 * big to read in time is refused (PeriodTooLarge) before the function itself times out.
 */
export async function leadsSubmittedBetween(source: LeadsByDay, range: Period, options: { daysAtOnce?: number; deadline?: ReadDeadline } = {}): Promise<Lead[]> {
  const days = daysBetween(range);
  const daysAtOnce = options.daysAtOnce ?? 8;
  const { deadline } = options;
  const leads: Lead[] = [];
  for (let i = 0; i < days.length; i += daysAtOnce) {
    if (deadline && deadline.now() > deadline.at) throw new PeriodTooLarge(i, days.length);
    const batch = await Promise.all(days.slice(i, i + daysAtOnce).map((day) => source.leadsSubmittedOn(day)));
    for (const dayLeads of batch) for (const lead of dayLeads) leads.push(lead);
  }
  return leads;
}

// ---- The figures --------------------------------------------------------------------------

/** What each filter compares, as the menus name a missing value. */
const utmSourceOf = (lead: Lead) => lead.utm_source ?? '(direct)';
const campaignOf = (lead: Lead) => lead.utm_campaign ?? '(none)';
const formOf = (lead: Lead) => lead.formId ?? '(no form)';

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const percentOf = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

/** The Monday (UTC) of the ISO week a day is in: a Sunday belongs to the week that began six days before. */
export function isoWeekOf(day: string): string {
  const ms = dayMs(day);
  return dayAt(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
}

function passes(lead: Lead, filters: DashboardFilters): boolean {
  return (
    (filters.source === undefined || utmSourceOf(lead) === filters.source) &&
    (filters.campaign === undefined || campaignOf(lead) === filters.campaign) &&
    (filters.form === undefined || formOf(lead) === filters.form) &&
    (filters.rep === undefined || repOf(lead) === filters.rep) &&
    (filters.grade === undefined || lead.grade === filters.grade)
  );
}

type RepNames = ReadonlyArray<{ id: string; name: string }>;

function optionsOf(leads: readonly Lead[], nameOf: (repId: string) => string): DashboardView['options'] {
  const sources = new Set<string>();
  const campaigns = new Set<string>();
  const forms = new Set<string>();
  const repIds = new Set<string>();
  const grades = new Set<LeadGrade>();
  for (const lead of leads) {
    sources.add(utmSourceOf(lead));
    campaigns.add(campaignOf(lead));
    forms.add(formOf(lead));
    repIds.add(repOf(lead));
    if (lead.grade) grades.add(lead.grade);
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

function weeklyOf(leads: readonly Lead[], range: Period, contacts: FirstContacts): DashboardView['weekly'] {
  const firstMonday = dayMs(isoWeekOf(range.from));
  const weeks = Array.from({ length: Math.floor((dayMs(range.to) - firstMonday) / WEEK_MS) + 1 }, (_, i) => ({ week: dayAt(firstMonday + i * WEEK_MS), leads: 0, slaMet: 0, slaMissed: 0 }));
  leads.forEach((lead, i) => {
    // Counted from the first Monday in milliseconds: no date string per lead.
    const week = weeks[Math.floor((Date.parse(lead.submittedAt) - firstMonday) / WEEK_MS)];
    if (!week) return;
    week.leads += 1;
    const { slaStatus } = contacts[i]!;
    if (slaStatus === 'met') week.slaMet += 1;
    else if (slaStatus === 'missed') week.slaMissed += 1;
  });
  return weeks.map((week) => ({ ...week, ...(week.slaMet + week.slaMissed > 0 ? { withinSlaPercent: percentOf(week.slaMet, week.slaMet + week.slaMissed) } : {}) }));
}

function ignoredNowOf(leads: readonly Lead[], sla: Sla, now: Date, nameOf: (repId: string) => string): DashboardView['ignoredNow'] {
  const byRep = new Map<string, { leads: number; longestOverdueMs: number }>();
  for (const lead of leads) {
    if (!awaitsFirstContact(lead)) continue;
    const overdueMs = now.getTime() - (Date.parse(lead.submittedAt) + sla[lead.grade!] * 60_000);
    // Past the limit, as firstContactOf counts a miss: the limit itself is still in time.
    if (overdueMs <= 0) continue;
    const repId = repOf(lead);
    const rep = byRep.get(repId) ?? { leads: 0, longestOverdueMs: 0 };
    byRep.set(repId, { leads: rep.leads + 1, longestOverdueMs: Math.max(rep.longestOverdueMs, overdueMs) });
  }
  return [...byRep.entries()]
    .map(([repId, rep]) => ({ repId, repName: nameOf(repId), leads: rep.leads, longestOverdueSeconds: Math.round(rep.longestOverdueMs / 1000) }))
    .sort((a, b) => b.leads - a.leads || b.longestOverdueSeconds - a.longestOverdueSeconds || byCodePoint(a.repId, b.repId));
}

/**
 * The dashboard over the leads submitted in `range` (leads outside it are left out) that pass
 * `filters`; `options` come from the period before filtering, so a menu never loses the other
 * values once one is chosen. Reps not in `reps` (left the team) are named by their id.
 */
export function dashboard(leads: readonly Lead[], range: Period, filters: DashboardFilters, sla: Sla, now: Date, reps: RepNames): DashboardView {
  daysBetween(range); // refuses a bad period before any work
  const names = new Map(reps.map((rep) => [rep.id, rep.name]));
  const nameOf = (repId: string) => names.get(repId) ?? repId;
  // ISO times compare as strings: from the period's first day to before the day after its last.
  const end = addDays(range.to, 1);
  const inPeriod = leads.filter((lead) => lead.submittedAt >= range.from && lead.submittedAt < end);
  const chosen = inPeriod.filter((lead) => passes(lead, filters));
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
      bounced: chosen.filter((lead) => lead.status === 'bounced' || lead.bouncedAt !== undefined).length,
      complained: chosen.filter((lead) => lead.status === 'complained' || lead.complainedAt !== undefined).length,
    },
    weekly: weeklyOf(chosen, range, contacts),
    byRep: report.byRep,
    bySource: report.bySource,
    // rejectedByReason is already in the rep's page's order (REJECT_REASONS).
    rejectionReasons: Object.entries(report.total.rejectedByReason).map(([reason, count]) => ({ reason, count })),
    ignoredNow: ignoredNowOf(chosen, sla, now, nameOf),
  };
}

// ---- CSV ----------------------------------------------------------------------------------

/** The filters as one cell, in the query's own form (`source=google&grade=hot`), so a file says what it covers. */
const filtersText = (filters: DashboardFilters) =>
  (['source', 'campaign', 'form', 'rep', 'grade'] as const)
    .flatMap((key) => (filters[key] === undefined ? [] : [`${key}=${encodeURIComponent(filters[key]!)}`]))
    .join('&');

const DASHBOARD_CSV_HEADER = [
  'group', 'key', 'name', 'leads', 'contacted', 'median_seconds', 'p90_seconds', 'sla_met', 'sla_missed', 'within_sla_percent',
  'accepted', 'rejected', ...REJECT_REASONS.map((r) => `rejected_${r}`), 'acceptance_percent', 'unsubscribed', 'bounced', 'complained',
  'longest_overdue_seconds', 'from', 'to', 'filters',
];

/**
 * GET /app/api/dashboard.csv: every figure of the view in one sheet, one `group` per part
 * (total, week, rep, source, rejection_reason, ignored_now), so a pivot table reads it as is.
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
  ]);
}
