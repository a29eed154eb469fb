import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, digestOf, encodeRecord, LEADS_PER_PART, partOf, partsOfDay, recordsOfPart, reportPartKey } from '@adapters/report-digest';
import type { Lead } from '@domain/lead';
import { type ReportRecord, reportRecordOf } from '@domain/report-record';
import { dashboard } from '@domain/reports';
import { defaultSla } from '@domain/sla';

/**
 * A lead's report record (what the dashboard counts of it, nothing that names the person) and
 * the digest's packing of records into part items: what goes in comes out, a part never holds
 * more than LEADS_PER_PART leads, and the dashboard over decoded records is the dashboard over
 * the leads.
 */
const submittedAt = '2026-11-02T09:00:00.000Z';
/** A part item as the low-level client reads it back: its strings as `{ S }`. */
const asRead = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).map(([name, value]) => [name, typeof value === 'string' ? { S: value } : { N: String(value) }]));
const recordsIn = (item: Record<string, unknown>) => recordsOfPart(asRead(item));
const lead = (fields: Partial<Lead> = {}): Lead =>
  ({
    leadId: 'lead-1', email: 'erin@acme.io', name: 'Erin Example', company: 'Acme', phone: '+1 555 010 0100', message: 'Call me', submittedAt,
    status: 'new', schedule: { hotAlertAt: submittedAt, followUps: {} }, steps: {}, ...fields,
  }) as Lead;

describe("a lead's report record", () => {
  it('keeps what the dashboard counts, with the names the dashboard gives missing values', () => {
    expect(reportRecordOf(lead())).toEqual({
      leadId: 'lead-1', submittedMs: Date.parse(submittedAt), source: '(direct)', campaign: '(none)', form: '(no form)', rep: '(unassigned)',
      unsubscribed: false, bounced: false, complained: false, awaitsFirstContact: false, // not scored: no SLA yet
    });
    const contacted = lead({ grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', utm_campaign: 'brand', formId: 'demo-request', status: 'contacted', contactedAt: '2026-11-02T09:10:00.000Z', outcome: 'rejected', unsubscribedAt: '2026-11-03T00:00:00.000Z' });
    expect(reportRecordOf(contacted)).toEqual({
      leadId: 'lead-1', submittedMs: Date.parse(submittedAt), source: 'google', campaign: 'brand', form: 'demo-request', rep: 'rep-ana', grade: 'hot',
      contactedMs: Date.parse('2026-11-02T09:10:00.000Z'), outcome: 'rejected', rejectReason: 'other', // rejected without a reason
      unsubscribed: true, bounced: false, complained: false, awaitsFirstContact: false,
    });
  });

  it("keeps the score and the CRM's pipeline: its stage, latest amount and currency", () => {
    const won = lead({ score: 72, pipeline: { stage: 'won', stageAt: submittedAt, opportunityAt: submittedAt, amount: 10_500, currency: 'EUR', amountAt: submittedAt, source: 'pipedrive', deliveries: ['a', 'b'] } });
    expect(reportRecordOf(won)).toMatchObject({ score: 72, pipelineStage: 'won', pipelineAmount: 10_500, pipelineCurrency: 'EUR' });
    const noAmount = reportRecordOf(lead({ score: 0, pipeline: { stage: 'opportunity', stageAt: submittedAt, opportunityAt: submittedAt, source: 'hubspot', deliveries: ['c'] } }));
    expect(noAmount).toMatchObject({ score: 0, pipelineStage: 'opportunity' });
    expect(noAmount).not.toHaveProperty('pipelineAmount');
  });

  it('reads a record written before the score and pipeline were kept as unscored, with no pipeline', () => {
    const before = encodeRecord(reportRecordOf(lead({ grade: 'warm', ownerId: 'rep-ana' }))).split('\t').slice(0, 10).join('\t');
    expect(decodeRecord('lead-1', before)).toEqual(reportRecordOf(lead({ grade: 'warm', ownerId: 'rep-ana' })));
  });

  it('names no person: no email, name, company, phone or message', () => {
    const line = encodeRecord(reportRecordOf(lead({ grade: 'warm', ownerId: 'rep-ana' })));
    for (const personal of ['erin', 'Erin', 'Acme', '555', 'Call me']) expect(line).not.toContain(personal);
  });

  it('awaits a first contact while the rep has it to call: new or closed, scored, not disqualified', () => {
    const scored = { grade: 'warm' as const, ownerId: 'rep-ana' };
    expect(reportRecordOf(lead(scored)).awaitsFirstContact).toBe(true);
    expect(reportRecordOf(lead({ ...scored, status: 'closed' })).awaitsFirstContact).toBe(true);
    expect(reportRecordOf(lead({ ...scored, status: 'bounced', bouncedAt: submittedAt })).awaitsFirstContact).toBe(false);
    expect(reportRecordOf(lead({ ...scored, status: 'disqualified', triage: { decision: 'disqualify', reason: 'competitor' } } as Partial<Lead>)).awaitsFirstContact).toBe(false);
    expect(reportRecordOf(lead({ ...scored, status: 'contacted', contactedAt: submittedAt })).awaitsFirstContact).toBe(false);
    // A bounce or complaint counts whether the status still says so or a later answer moved it on.
    expect(reportRecordOf(lead({ ...scored, status: 'contacted', complainedAt: submittedAt })).complained).toBe(true);
  });
});

const text = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\t\r\n]/.test(s));
const recordArb: fc.Arbitrary<ReportRecord> = fc
  .record({
    leadId: fc.uuid(),
    submittedMs: fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01') }),
    source: fc.oneof(text, fc.constant('(direct)')),
    campaign: fc.oneof(text, fc.constant('(none)')),
    form: fc.oneof(text, fc.constant('(no form)')),
    rep: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.constant('(unassigned)')),
    grade: fc.option(fc.constantFrom('hot' as const, 'warm' as const, 'cold' as const), { nil: undefined }),
    contactAfterMs: fc.option(fc.integer({ min: 0, max: 60 * 86_400_000 }), { nil: undefined }),
    outcome: fc.option(fc.constantFrom('contacted' as const, 'accepted' as const, 'rejected' as const), { nil: undefined }),
    reason: fc.constantFrom('no-budget', 'spam', 'other'),
    unsubscribed: fc.boolean(),
    bounced: fc.boolean(),
    complained: fc.boolean(),
    awaitsFirstContact: fc.boolean(),
    score: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    pipelineStage: fc.option(fc.constantFrom('opportunity' as const, 'won' as const, 'lost' as const), { nil: undefined }),
    pipelineAmount: fc.option(fc.double({ min: 0, max: 1e12, noNaN: true }).map((amount) => amount + 0), { nil: undefined }), // + 0: no -0
    pipelineCurrency: fc.option(fc.constantFrom('EUR', 'USD', 'JPY'), { nil: undefined }),
  })
  .map(({ contactAfterMs, grade, outcome, reason, score, pipelineStage, pipelineAmount, pipelineCurrency, ...rest }) => ({
    ...rest,
    ...(grade ? { grade } : {}),
    ...(score !== undefined ? { score } : {}),
    ...(pipelineStage ? { pipelineStage } : {}),
    ...(pipelineStage && pipelineAmount !== undefined ? { pipelineAmount } : {}),
    ...(pipelineStage && pipelineAmount !== undefined && pipelineCurrency ? { pipelineCurrency } : {}),
    ...(contactAfterMs !== undefined ? { contactedMs: rest.submittedMs + contactAfterMs } : {}),
    ...(outcome ? { outcome } : {}),
    ...(outcome === 'rejected' ? { rejectReason: reason } : {}),
  }));

describe('the digest', () => {
  it('decodes every record as it was encoded', () => {
    fc.assert(fc.property(recordArb, (record) => {
      expect(decodeRecord(record.leadId, encodeRecord(record))).toEqual(record);
    }));
  });

  it('a value stored before the single-line rule keeps its place: a tab becomes a space', () => {
    const record = reportRecordOf(lead({ utm_campaign: 'spring\tsale' }));
    expect(decodeRecord('lead-1', encodeRecord(record)).campaign).toBe('spring sale');
  });

  it('puts at most LEADS_PER_PART leads in a part, numbered per day from 0, each lead in exactly one', () => {
    expect([partOf(1), partOf(LEADS_PER_PART), partOf(LEADS_PER_PART + 1)]).toEqual([0, 0, 1]);
    expect(partsOfDay(0)).toEqual([]);
    expect(partsOfDay(LEADS_PER_PART + 1)).toEqual([0, 1]);
    const day = (n: number, at: string) => Array.from({ length: n }, (_, i) => reportRecordOf(lead({ leadId: `${at}-${i}`, submittedAt: `${at}T${String(i % 24).padStart(2, '0')}:00:00.000Z` })));
    const records = [...day(2 * LEADS_PER_PART + 3, '2026-11-02'), ...day(7, '2026-11-03')];
    const { places, items } = digestOf(records, () => 1);
    const counters = items.filter((item) => item.sk === 'COUNT');
    const parts = items.filter((item) => item.sk === 'LEADS');
    expect(counters).toEqual([{ pk: 'REPORT#2026-11-02', sk: 'COUNT', leads: 2 * LEADS_PER_PART + 3, expiresAt: 1 }, { pk: 'REPORT#2026-11-03', sk: 'COUNT', leads: 7, expiresAt: 1 }]);
    expect(parts.map((part) => part.pk)).toEqual(['REPORT#2026-11-02#0', 'REPORT#2026-11-02#1', 'REPORT#2026-11-02#2', 'REPORT#2026-11-03#0']);
    expect(parts.map((part) => recordsIn(part).length)).toEqual([LEADS_PER_PART, LEADS_PER_PART, 3, 7]);
    expect(parts.flatMap(recordsIn)).toEqual(records);
    expect(places.get('2026-11-02-50')).toEqual({ reportPart: 1, reportVersion: 1 });
    expect(reportPartKey('2026-11-02', 1)).toEqual({ pk: parts[1]!.pk, sk: 'LEADS' });
  });

  it("the dashboard over the digest's records is the dashboard over the leads", () => {
    const leads = Array.from({ length: 120 }, (_, i) =>
      lead({
        leadId: `l${i}`, submittedAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 3_600_000).toISOString(), grade: (['hot', 'warm', 'cold'] as const)[i % 3],
        ownerId: `rep-${i % 4}`, utm_source: i % 5 ? 'google' : undefined, formId: i % 7 ? 'pricing' : undefined,
        ...(i % 2 ? { status: 'contacted', contactedAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 3_600_000 + i * 61_000).toISOString(), outcome: i % 4 === 1 ? 'rejected' : 'accepted', rejectReason: i % 8 === 1 ? 'spam' : undefined } : {}),
      } as Partial<Lead>),
    );
    const range = { from: '2026-11-01', to: '2026-11-06' };
    const now = new Date('2026-11-06T12:00:00Z');
    const direct = dashboard(leads.map(reportRecordOf), range, {}, defaultSla, now, []);
    const viaDigest = dashboard(digestOf(leads.map(reportRecordOf), () => 1).items.filter((item) => item.sk === 'LEADS').flatMap(recordsIn), range, {}, defaultSla, now, []);
    expect(viaDigest).toEqual(direct);
    expect(direct.total.leads).toBe(120);
  });
});
