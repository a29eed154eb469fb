import * as z from '@domain/zod';
import type { Lead, LeadGrade } from '@domain/lead';
import { formatDuration, minutesText } from '@domain/durations';
import { REJECT_REASONS } from '@domain/reject-reasons';
import type { ReportRecord } from '@domain/report-record';

/**
 * Speed to lead, measured: how long each lead waited for its first contact, whether that met
 * the SLA of its grade, and the same figures rolled up per rep and per source. Sales and
 * marketing read one table instead of arguing about "lead quality".
 */

const minutes = z.number().check(z.int(), z.minimum(1), z.maximum(30 * 24 * 60));

/** Minutes a lead of each grade may wait for its first contact. */
export const SlaSchema = z.strictObject({ hot: minutes, warm: minutes, cold: minutes });

export type Sla = z.infer<typeof SlaSchema>;

export const defaultSla: Sla = { hot: 15, warm: 4 * 60, cold: 24 * 60 };

/**
 * - met: contacted within its grade's SLA (the limit itself counts as met)
 * - missed: contacted late, or still not contacted after the limit
 * - pending: not contacted yet, and the limit has not passed
 * - ungraded: no grade (not scored yet), so no SLA applies
 */
export type SlaStatus = 'met' | 'missed' | 'pending' | 'ungraded';

export interface FirstContact {
  /** Seconds from submission to the first contact; absent while nobody has contacted the lead. */
  seconds?: number;
  slaStatus: SlaStatus;
}

const ms = (iso: string) => Date.parse(iso);

/** The SLA rule on times (ms): a lead's first contact and its report record's come from here. */
export function firstContactAt(submittedMs: number, contactedMs: number | undefined, grade: LeadGrade | undefined, sla: Sla, nowMs: number): FirstContact {
  // Literals, not spreads: the dashboard makes 100,000 of these per request.
  if (contactedMs !== undefined) {
    const seconds = (contactedMs - submittedMs) / 1000;
    return { seconds, slaStatus: !grade ? 'ungraded' : seconds <= sla[grade] * 60 ? 'met' : 'missed' };
  }
  if (!grade) return { slaStatus: 'ungraded' };
  return { slaStatus: (nowMs - submittedMs) / 1000 > sla[grade] * 60 ? 'missed' : 'pending' };
}

export function firstContactOf(lead: Pick<Lead, 'submittedAt' | 'contactedAt' | 'grade'>, sla: Sla, now: Date): FirstContact {
  return firstContactAt(ms(lead.submittedAt), lead.contactedAt ? ms(lead.contactedAt) : undefined, lead.grade, sla, now.getTime());
}

/** How the reports name a missing source, campaign, form and owner. */
export const NO_SOURCE = '(direct)';
export const NO_CAMPAIGN = '(none)';
export const NO_FORM = '(no form)';
export const UNASSIGNED = '(unassigned)';

/** Where a lead came from, as marketing names it: `<utm_source> / <formId>`. */
export const sourceOf = (lead: Pick<Lead, 'utm_source' | 'formId'>): string => `${lead.utm_source ?? NO_SOURCE} / ${lead.formId ?? NO_FORM}`;

/** The rep accountable for a lead: its owner. */
export const repOf = (lead: Pick<Lead, 'ownerId'>): string => lead.ownerId ?? UNASSIGNED;

/** A report record's source row, named as sourceOf names the lead's. */
const sourceRowOf = (record: ReportRecord): string => `${record.source} / ${record.form}`;

type Sorted = ArrayLike<number>;

function medianOfSorted(sorted: Sorted): number | undefined {
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function percentileOfSorted(sorted: Sorted, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** The middle value; the mean of the two middle values when the count is even. */
export function median(values: readonly number[]): number | undefined {
  return medianOfSorted(Float64Array.from(values).sort());
}

/**
 * Nearest-rank percentile: the smallest value that at least p% of the values do not exceed,
 * so "p90 = 2h" reads as "9 in 10 leads were contacted within 2 hours" and is a real lead's time.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  return percentileOfSorted(Float64Array.from(values).sort(), p);
}

export interface ReportRow {
  /** The rep id or the source, or "all" for the total. */
  key: string;
  leads: number;
  contacted: number;
  /** Time to first contact over the contacted leads, in whole seconds. */
  medianSeconds?: number;
  p90Seconds?: number;
  slaMet: number;
  slaMissed: number;
  /** slaMet / (slaMet + slaMissed), in percent with one decimal; pending and ungraded leads do not count. */
  withinSlaPercent?: number;
  accepted: number;
  rejected: number;
  /** Rejections by reason, only reasons that occurred. */
  rejectedByReason: Record<string, number>;
  unsubscribed: number;
}

export interface SlaReport {
  from: string;
  to: string;
  /** When the report was computed: leads not contacted by then count as pending or missed. */
  asOf: string;
  sla: Sla;
  total: ReportRow;
  byRep: ReportRow[];
  bySource: ReportRow[];
}

const REASON_ORDER: readonly string[] = REJECT_REASONS;
/** Reasons in the order the rep's page lists them. */
const byReasonOrder = (a: string, b: string) => (REASON_ORDER.indexOf(a) + 1 || 99) - (REASON_ORDER.indexOf(b) + 1 || 99);

/**
 * Each record's first contact, in the records' order: computed once for every row a lead is in
 * (the total, its rep's, its source's), and for the dashboard's weeks.
 */
export type FirstContacts = readonly FirstContact[];

export const firstContactsOf = (records: readonly ReportRecord[], sla: Sla, now: Date): FirstContacts => {
  const nowMs = now.getTime();
  return records.map((record) => firstContactAt(record.submittedMs, record.contactedMs, record.grade, sla, nowMs));
};

// One pass per row over the indexes of its leads: a 90-day dashboard rolls up 100,000 leads on every request.
function rowOf(key: string, members: ArrayLike<number>, records: readonly ReportRecord[], contacts: FirstContacts): ReportRow {
  const seconds = new Float64Array(members.length);
  let contacted = 0;
  let slaMet = 0;
  let slaMissed = 0;
  let accepted = 0;
  let rejected = 0;
  let unsubscribed = 0;
  const rejectedByReason: Record<string, number> = {};
  for (let m = 0; m < members.length; m++) {
    const i = members[m]!;
    const record = records[i]!;
    const contact = contacts[i]!;
    if (contact.seconds !== undefined) seconds[contacted++] = contact.seconds;
    if (contact.slaStatus === 'met') slaMet += 1;
    else if (contact.slaStatus === 'missed') slaMissed += 1;
    if (record.outcome === 'accepted') accepted += 1;
    else if (record.outcome === 'rejected') {
      rejected += 1;
      const reason = record.rejectReason ?? 'other';
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
    }
    if (record.unsubscribed) unsubscribed += 1;
  }
  // Whole seconds: what an SLA is measured in, and what a spreadsheet should not show as 13.2704999.
  const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
  // Sorted once, natively (a typed array needs no comparator), for both figures.
  const sorted = seconds.subarray(0, contacted).sort();
  const medianSeconds = round(medianOfSorted(sorted));
  const p90Seconds = round(percentileOfSorted(sorted, 90));
  return {
    key,
    leads: members.length,
    contacted,
    ...(medianSeconds !== undefined ? { medianSeconds } : {}),
    ...(p90Seconds !== undefined ? { p90Seconds } : {}),
    slaMet,
    slaMissed,
    ...(slaMet + slaMissed > 0 ? { withinSlaPercent: Math.round((slaMet / (slaMet + slaMissed)) * 1000) / 10 } : {}),
    accepted,
    rejected,
    rejectedByReason: Object.fromEntries(Object.entries(rejectedByReason).sort(([a], [b]) => byReasonOrder(a, b))),
    unsubscribed,
  };
}

function rowsBy(records: readonly ReportRecord[], contacts: FirstContacts, keyOf: (record: ReportRecord) => string): ReportRow[] {
  const groups = new Map<string, number[]>();
  // Indexes pushed in place: copying the group on every lead made 100,000 leads take 24 s.
  for (let i = 0; i < records.length; i++) {
    const key = keyOf(records[i]!);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  // Code-point order, so the same data always prints in the same order on any machine.
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, group]) => rowOf(key, group, records, contacts));
}

/**
 * The SLA table over the leads' report records, for the days `from` to `to` (inclusive) that
 * the caller read them for. A caller that needs the first contacts too (the dashboard's weekly
 * figures) passes them in, so each is computed once.
 */
export function slaReport(records: readonly ReportRecord[], range: { from: string; to: string }, sla: Sla, now: Date, contacts: FirstContacts = firstContactsOf(records, sla, now)): SlaReport {
  const everyone = Uint32Array.from({ length: records.length }, (_, i) => i);
  return {
    from: range.from,
    to: range.to,
    asOf: now.toISOString(),
    sla,
    total: rowOf('all', everyone, records, contacts),
    byRep: rowsBy(records, contacts, (record) => record.rep),
    bySource: rowsBy(records, contacts, sourceRowOf),
  };
}

export { formatDuration, minutesText };

/** The SLA of each grade in words: "hot 15m, warm 4h, cold 24h". */
export const describeSla = (sla: Sla): string => (Object.keys(sla) as LeadGrade[]).map((grade) => `${grade} ${minutesText(sla[grade])}`).join(', ');
