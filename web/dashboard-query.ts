import type { DashboardFilters, LeadGradeName } from './contract';

/** The dashboard's view as its link keeps it: a period and the filters, all in the hash query. */
export interface DashboardQuery extends DashboardFilters {
  from: string;
  to: string;
}

export const FILTER_KEYS = ['source', 'campaign', 'form', 'rep', 'grade'] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const GRADES: readonly LeadGradeName[] = ['hot', 'warm', 'cold'];

/** A day as YYYY-MM-DD in the viewer's calendar. */
export const localDay = (date: Date): string =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/** The day `days` before `day` (calendar arithmetic in UTC, so no daylight-saving edge moves it). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The last `days` days up to and including `today`: 7 days ending on the 14th start on the 8th. */
export const presetRange = (days: number, today: string): { from: string; to: string } => ({ from: addDays(today, -(days - 1)), to: today });

export const PRESETS = [7, 30, 90] as const;

/** Which preset a period is, if any. */
export function presetOf(query: Pick<DashboardQuery, 'from' | 'to'>, today: string): number | undefined {
  return PRESETS.find((days) => {
    const range = presetRange(days, today);
    return range.from === query.from && range.to === query.to;
  });
}

/** The view a hash query names; a missing or malformed period is the last 30 days. */
export function parseDashboardQuery(params: URLSearchParams, today: string): DashboardQuery {
  const fallback = presetRange(30, today);
  let from = params.get('from') ?? '';
  let to = params.get('to') ?? '';
  if (!DAY.test(from) || !DAY.test(to)) ({ from, to } = { from: DAY.test(from) ? from : fallback.from, to: DAY.test(to) ? to : fallback.to });
  if (from > to) [from, to] = [to, from];
  const query: DashboardQuery = { from, to };
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (!value) continue;
    if (key === 'grade') {
      if ((GRADES as readonly string[]).includes(value)) query.grade = value as LeadGradeName;
    } else query[key] = value;
  }
  return query;
}

/** The query string the API and the hash share: from, to, then the filters that are set. */
export function dashboardQueryString(query: DashboardQuery): string {
  const params = new URLSearchParams({ from: query.from, to: query.to });
  for (const key of FILTER_KEYS) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** The CSV's file name: `speed-to-lead-<from>-<to>.csv`. */
export const csvFileName = (query: Pick<DashboardQuery, 'from' | 'to'>): string => `speed-to-lead-${query.from}-${query.to}.csv`;
