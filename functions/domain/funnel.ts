import type { ReportRecord } from '@domain/report-record';

/**
 * Marketing-sourced pipeline, measured: how far each lead got (leads → contacted → accepted
 * (SQL) → opportunity → won) by source, campaign and form; the pipeline and won amounts by
 * source and campaign, one row per currency (EUR is never added to USD); and the same funnel by
 * score band (is the score predictive?) and by time to first contact (does speed pay?).
 * `dashboard()` in reports.ts calls it, so the app and `npm run report` show the same figures.
 */

export interface FunnelRow {
  key: string;
  leads: number;
  contacted: number;
  /** Accepted by the rep (an SQL). */
  accepted: number;
  /** Became an opportunity in the CRM, whatever became of it since (open, won or lost). */
  opportunities: number;
  won: number;
  /** Each stage over the one before it, percent with one decimal; absent when the stage before is empty. */
  contactedPercent?: number;
  acceptedPercent?: number;
  opportunityPercent?: number;
  wonPercent?: number;
  /** won / leads. */
  leadToWonPercent?: number;
}

export interface PipelineRow {
  /** The source or campaign. */
  key: string;
  /** ISO 4217, or NO_CURRENCY for amounts a CRM sent without one. */
  currency: string;
  /** Opportunities with an amount in this currency (any stage), and the sum of their amounts. */
  opportunities: number;
  pipelineAmount: number;
  /** Won deals in this currency, and the sum won. */
  won: number;
  wonAmount: number;
}

export interface FunnelFigures {
  funnel: { total: FunnelRow; bySource: FunnelRow[]; byCampaign: FunnelRow[]; byForm: FunnelRow[] };
  pipeline: { bySource: PipelineRow[]; byCampaign: PipelineRow[] };
  /** Ascending bands of the 0-100 score, every band listed; then "unscored" if any lead is. */
  byScoreBand: FunnelRow[];
  /** Time from submission to the first contact, every bucket listed; then "no contact recorded" if any lead has none (a CRM may have made it an opportunity all the same). */
  byFirstContact: FunnelRow[];
}

export const NO_CURRENCY = '(no currency)';
export const UNSCORED = 'unscored';
export const NO_CONTACT = 'no contact recorded';

/** Score bands by their lowest score, ascending: 20 points each, the top one 80-100. */
export const SCORE_BANDS: ReadonlyArray<{ key: string; from: number }> = [
  { key: '0-19', from: 0 },
  { key: '20-39', from: 20 },
  { key: '40-59', from: 40 },
  { key: '60-79', from: 60 },
  { key: '80-100', from: 80 },
];

/** Time-to-first-contact buckets: a lead is in the first whose limit its wait is under (5 min exactly is "5-60 min"). */
export const FIRST_CONTACT_BUCKETS: ReadonlyArray<{ key: string; underSeconds: number }> = [
  { key: 'under 5 min', underSeconds: 5 * 60 },
  { key: '5-60 min', underSeconds: 60 * 60 },
  { key: '1-24 h', underSeconds: 24 * 3600 },
  { key: 'over 24 h', underSeconds: Number.POSITIVE_INFINITY },
];

/**
 * How far a lead got, 1 (a lead) to 5 (won). A stage implies those before it: a deal the CRM
 * made an opportunity was accepted and contacted even if the rep never clicked, so the funnel
 * never widens from one stage to the next.
 */
export function stageReached(record: ReportRecord): number {
  if (record.pipelineStage === 'won') return 5;
  if (record.pipelineStage) return 4;
  if (record.outcome === 'accepted') return 3;
  if (record.contactedMs !== undefined || record.outcome) return 2;
  return 1;
}

const percentOf = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : undefined);
/** Money in the smallest unit most currencies have: sums of floats never show 0.30000000000000004. */
const cents = (amount: number) => Math.round(amount * 100) / 100;
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Counts = [number, number, number, number, number];

function funnelRow(key: string, counts: Counts): FunnelRow {
  const [leads, contacted, accepted, opportunities, won] = counts;
  const rates: Partial<FunnelRow> = {
    contactedPercent: percentOf(contacted, leads),
    acceptedPercent: percentOf(accepted, contacted),
    opportunityPercent: percentOf(opportunities, accepted),
    wonPercent: percentOf(won, opportunities),
    leadToWonPercent: percentOf(won, leads),
  };
  return { key, leads, contacted, accepted, opportunities, won, ...Object.fromEntries(Object.entries(rates).filter(([, v]) => v !== undefined)) };
}

/** Adds a lead that reached `stage` to the counts of every stage up to it. */
function count(counts: Counts, stage: number) {
  for (let s = 0; s < stage; s++) counts[s]! += 1;
}

function funnelBy(records: readonly ReportRecord[], stages: Uint8Array, keyOf: (record: ReportRecord) => string, keys?: readonly string[]): FunnelRow[] {
  const groups = new Map<string, Counts>((keys ?? []).map((key) => [key, [0, 0, 0, 0, 0]]));
  for (let i = 0; i < records.length; i++) {
    const key = keyOf(records[i]!);
    let counts = groups.get(key);
    if (!counts) groups.set(key, (counts = [0, 0, 0, 0, 0]));
    count(counts, stages[i]!);
  }
  const entries = [...groups.entries()];
  // Fixed keys (bands, buckets) keep their order, the others follow; free keys sort by code point.
  if (!keys) entries.sort(([a], [b]) => byCodePoint(a, b));
  return entries.map(([key, counts]) => funnelRow(key, counts));
}

function pipelineBy(records: readonly ReportRecord[], keyOf: (record: ReportRecord) => string): PipelineRow[] {
  const rows = new Map<string, PipelineRow>();
  for (const record of records) {
    if (!record.pipelineStage || record.pipelineAmount === undefined) continue;
    const key = keyOf(record);
    const currency = record.pipelineCurrency ?? NO_CURRENCY;
    const id = `${key}\u0000${currency}`;
    const row = rows.get(id) ?? rows.set(id, { key, currency, opportunities: 0, pipelineAmount: 0, won: 0, wonAmount: 0 }).get(id)!;
    row.opportunities += 1;
    row.pipelineAmount += record.pipelineAmount;
    if (record.pipelineStage === 'won') {
      row.won += 1;
      row.wonAmount += record.pipelineAmount;
    }
  }
  return [...rows.values()]
    .map((row) => ({ ...row, pipelineAmount: cents(row.pipelineAmount), wonAmount: cents(row.wonAmount) }))
    .sort((a, b) => byCodePoint(a.key, b.key) || byCodePoint(a.currency, b.currency));
}

export function scoreBandOf(score: number | undefined): string {
  if (score === undefined) return UNSCORED;
  // A loop, not a copy and a find: the dashboard asks this of 100,000 records per request.
  for (let b = SCORE_BANDS.length - 1; b > 0; b--) if (score >= SCORE_BANDS[b]!.from) return SCORE_BANDS[b]!.key;
  return SCORE_BANDS[0]!.key;
}

export const firstContactBucketOf = (record: Pick<ReportRecord, 'submittedMs' | 'contactedMs'>): string => {
  if (record.contactedMs === undefined) return NO_CONTACT;
  const seconds = (record.contactedMs - record.submittedMs) / 1000;
  return FIRST_CONTACT_BUCKETS.find((bucket) => seconds < bucket.underSeconds)!.key;
};

/** The funnel, pipeline and conversion figures over these records (already filtered to the period and the dashboard's filters). */
export function funnelFigures(records: readonly ReportRecord[]): FunnelFigures {
  const stages = Uint8Array.from(records, stageReached);
  const total: Counts = [0, 0, 0, 0, 0];
  for (const stage of stages) count(total, stage);
  return {
    funnel: {
      total: funnelRow('all', total),
      bySource: funnelBy(records, stages, (r) => r.source),
      byCampaign: funnelBy(records, stages, (r) => r.campaign),
      byForm: funnelBy(records, stages, (r) => r.form),
    },
    pipeline: {
      bySource: pipelineBy(records, (r) => r.source),
      byCampaign: pipelineBy(records, (r) => r.campaign),
    },
    byScoreBand: funnelBy(records, stages, (r) => scoreBandOf(r.score), SCORE_BANDS.map((band) => band.key)),
    byFirstContact: funnelBy(records, stages, firstContactBucketOf, FIRST_CONTACT_BUCKETS.map((bucket) => bucket.key)),
  };
}
