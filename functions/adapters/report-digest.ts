import type { LeadGrade, RepOutcome } from '@domain/lead';
import type { PipelineStage } from '@domain/pipeline';
import type { ReportRecord } from '@domain/report-record';
import { NO_CAMPAIGN, NO_FORM, NO_SOURCE, UNASSIGNED } from '@domain/sla';

/**
 * The dashboard's digest in the lead table: each lead's report record, packed with those of
 * the leads submitted on the same UTC day, so 100,000 leads are read as ~2,000 small items
 * (BatchGetItem) instead of 100,000 whole leads.
 *
 *   REPORT#<day> / COUNT           `leads`: how many leads that day were given a place (ADD 1
 *                                  per new lead; the lead's ordinal that day is the answer)
 *   REPORT#<day>#<part> / LEADS    the records of the day's leads of ordinal part*50+1 to
 *                                  part*50+50, one string attribute per lead, named by its id:
 *                                  its record's version (6 digits), a tab, the record
 *
 * Why this shape, in what DynamoDB charges and enforces: an UpdateItem costs a WCU per KB of
 * the larger of the old and new item, and one partition takes about 1,000 WCU/s. A part holds
 * at most LEADS_PER_PART records (~4-5 KB), so a record's write costs at most ~5 WCU and a
 * burst of leads spreads over parts, each its own partition key; the day's counter is a tiny
 * item (1 WCU per new lead). A whole day in one item would cost ~100 WCU per write at 1,000
 * leads a day and throttle at a few dozen leads a second. The lead item keeps its part
 * (`reportPart`) and the version of its record (`reportVersion`, ADDed by the same update that
 * changes a figure), so a record written late by a slower update never overwrites a newer one:
 * the version leads the string with a fixed width, so `#lead < :version` compares versions.
 * One string per lead, not a list or a map: the SDK's and the emulator's cost is per value
 * read, and a dashboard reads 100,000 of them.
 */

/** Records per part item: small writes (~5 KB at most), and 100,000 leads in ~2,000 items. */
export const LEADS_PER_PART = 50;

export const dayCountKey = (day: string) => ({ pk: `REPORT#${day}`, sk: 'COUNT' });
export const reportPartKey = (day: string, part: number) => ({ pk: `REPORT#${day}#${part}`, sk: 'LEADS' });

/** The part of the lead with this ordinal (1 for the day's first). */
export const partOf = (ordinal: number): number => Math.floor((ordinal - 1) / LEADS_PER_PART);

/** The part items of a day whose counter says `count`. */
export const partsOfDay = (count: number): number[] => Array.from({ length: Math.ceil(count / LEADS_PER_PART) }, (_, part) => part);

/** A part item's attributes that are not records. */
export const PART_ATTRIBUTES: ReadonlySet<string> = new Set(['pk', 'sk', 'expiresAt']);

/** The UTC day a record belongs to. */
export const dayOfMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const GRADE_CODES: Record<LeadGrade, string> = { hot: 'h', warm: 'w', cold: 'c' };
const GRADES_BY_CODE: Record<string, LeadGrade> = { h: 'hot', w: 'warm', c: 'cold' };
const OUTCOME_CODES: Record<RepOutcome, string> = { accepted: 'a', rejected: 'r', contacted: 'c' };
const OUTCOMES_BY_CODE: Record<string, RepOutcome> = { a: 'accepted', r: 'rejected', c: 'contacted' };
const STAGE_CODES: Record<PipelineStage, string> = { opportunity: 'o', won: 'w', lost: 'l' };
const STAGES_BY_CODE: Record<string, PipelineStage> = { o: 'opportunity', w: 'won', l: 'lost' };

// Tabs separate the fields. UTM values and form ids are single lines without control
// characters (lead-submission.ts); one stored before that rule gets a space for a tab.
const SEPARATOR = '\t';
const text = (value: string, missing: string) => (value === missing ? '' : value.replace(/[\t\r\n]/g, ' '));
const orMissing = (value: string | undefined, missing: string) => (value === undefined || value === '' ? missing : value);

/**
 * A record as one short line (the id is the attribute's name): submitted ms (base 36), grade,
 * rep, source, campaign, form (empty when missing), ms to first contact, outcome, reason, flags,
 * then score, pipeline stage, amount and currency. A record written before those four were
 * kept simply ends at its flags, and reads as unscored with no pipeline (`npm run
 * backfill-report -- --rewrite` writes them).
 */
export function encodeRecord(record: ReportRecord): string {
  const flags = `${record.unsubscribed ? 'u' : ''}${record.bounced ? 'b' : ''}${record.complained ? 'k' : ''}${record.awaitsFirstContact ? 'o' : ''}`;
  return [
    record.submittedMs.toString(36),
    record.grade ? GRADE_CODES[record.grade] : '',
    text(record.rep, UNASSIGNED),
    text(record.source, NO_SOURCE),
    text(record.campaign, NO_CAMPAIGN),
    text(record.form, NO_FORM),
    record.contactedMs === undefined ? '' : (record.contactedMs - record.submittedMs).toString(36),
    record.outcome ? OUTCOME_CODES[record.outcome] : '',
    record.rejectReason ?? '',
    flags,
    record.score === undefined ? '' : String(record.score),
    record.pipelineStage ? STAGE_CODES[record.pipelineStage] : '',
    record.pipelineAmount === undefined ? '' : String(record.pipelineAmount),
    record.pipelineCurrency === undefined ? '' : text(record.pipelineCurrency, ''),
  ].join(SEPARATOR);
}

/** The record `encodeRecord` wrote for this lead. */
export function decodeRecord(leadId: string, line: string): ReportRecord {
  const [submitted = '', grade = '', rep, source, campaign, form, contacted = '', outcome = '', reason = '', flags = '', score = '', stage = '', amount = '', currency = ''] = line.split(SEPARATOR);
  const submittedMs = parseInt(submitted, 36);
  // Every field in the same order, absent ones undefined: 100,000 of these are made for one
  // dashboard, and records of one shape let its loops stay monomorphic (measured: dashboard()
  // 480-550 ms on records with fields added as present, 390 ms on one shape).
  const record: ReportRecord = {
    leadId,
    submittedMs,
    source: orMissing(source, NO_SOURCE),
    campaign: orMissing(campaign, NO_CAMPAIGN),
    form: orMissing(form, NO_FORM),
    rep: orMissing(rep, UNASSIGNED),
    unsubscribed: flags.includes('u'),
    bounced: flags.includes('b'),
    complained: flags.includes('k'),
    awaitsFirstContact: flags.includes('o'),
    grade: grade ? GRADES_BY_CODE[grade]! : undefined,
    contactedMs: contacted ? submittedMs + parseInt(contacted, 36) : undefined,
    outcome: outcome ? OUTCOMES_BY_CODE[outcome]! : undefined,
    rejectReason: reason || undefined,
    score: score ? Number(score) : undefined,
    pipelineStage: stage ? STAGES_BY_CODE[stage]! : undefined,
    pipelineAmount: amount ? Number(amount) : undefined,
    pipelineCurrency: currency || undefined,
  };
  return record;
}

const VERSION_DIGITS = 6;

/** A record's version as the stored string begins with it: what the write's condition compares. */
export const versionPrefix = (version: number): string => String(version).padStart(VERSION_DIGITS, '0');

/** A record as a part item stores it: its version first, then the record. */
export const storedRecord = (version: number, record: ReportRecord): string => `${versionPrefix(version)}${SEPARATOR}${encodeRecord(record)}`;

/**
 * The records of a part item as the SDK's low-level client returns it (attribute values, `{ S }`):
 * read without the document client's conversion of every value. Its other attributes are its
 * key and its TTL.
 */
export function recordsOfPart(item: Record<string, { S?: string }>, into: ReportRecord[] = []): ReportRecord[] {
  for (const name in item) {
    if (PART_ATTRIBUTES.has(name)) continue;
    const stored = item[name]!.S;
    if (stored !== undefined) into.push(decodeRecord(name, stored.slice(VERSION_DIGITS + 1)));
  }
  return into;
}

/**
 * The digest of leads written at once (a seed, or a restore into an empty table): each lead's
 * place (`reportPart`, `reportVersion` 1, to store on its item) and the day counters and part
 * items that hold their records, in the order given.
 */
export function digestOf(records: readonly ReportRecord[], expiresAtOf: (day: string) => number): {
  places: Map<string, { reportPart: number; reportVersion: number }>;
  items: Record<string, unknown>[];
} {
  const counts = new Map<string, number>();
  const parts = new Map<string, Record<string, unknown>>();
  const places = new Map<string, { reportPart: number; reportVersion: number }>();
  for (const record of records) {
    const day = dayOfMs(record.submittedMs);
    const ordinal = (counts.get(day) ?? 0) + 1;
    counts.set(day, ordinal);
    const part = partOf(ordinal);
    const key = reportPartKey(day, part);
    const item = parts.get(key.pk) ?? parts.set(key.pk, { ...key, expiresAt: expiresAtOf(day) }).get(key.pk)!;
    item[record.leadId] = storedRecord(1, record);
    places.set(record.leadId, { reportPart: part, reportVersion: 1 });
  }
  const counters = [...counts].map(([day, leads]) => ({ ...dayCountKey(day), leads, expiresAt: expiresAtOf(day) }));
  return { places, items: [...counters, ...parts.values()] };
}
