import { describe, expect, it } from 'vitest';
import { PeriodTooLarge } from '@domain/errors';
import { csvCell, csvRow } from '@domain/csv';
import { ValidationError } from '@domain/errors';
import type { Lead } from '@domain/lead';
import { reportRecordOf } from '@domain/report-record';
import { dashboard, dashboardCsv, daysBetween, defaultPeriod, isoWeekOf, parseDashboardQuery, reportRecordsBetween, type ReportRecordsByDay } from '@domain/reports';
import { defaultSla } from '@domain/sla';

/**
 * The manager's dashboard on a hand-built set of leads. Every expected figure was worked out
 * by hand from the table below and the rules (SLA hot 15m, warm 4h, cold 24h; the limit itself
 * is in time), not by running the code.
 */
const now = new Date('2026-11-10T12:00:00.000Z'); // a Tuesday
const range = { from: '2026-10-28', to: '2026-11-17' }; // Wed to Tue: weeks of Mondays 10-26, 11-02, 11-09, 11-16
const reps = [
  { id: 'rep-ana', name: 'Zoe Ziegler' },
  { id: 'rep-ben', name: 'Ben Brooks' },
  { id: 'rep-dan', name: 'Dan Diaz' }, // no lead in the period
];
const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
const lead = (leadId: string, fields: Partial<Lead> & Pick<Lead, 'submittedAt'>): Lead =>
  ({ leadId, email: `${leadId}@acme.io`, name: leadId, status: fields.contactedAt ? 'contacted' : 'new', schedule: { hotAlertAt: fields.submittedAt, followUps: {} }, steps: {}, ...fields }) as Lead;

//  lead submitted (UTC)        grade owner    source    campaign form          first contact      SLA at now          other
//  A    Sat 10-31 10:00        hot   rep-ana  google    spring   demo-request  +10m (600)         met                 accepted
//  B    Sun 11-01 23:30        hot   rep-ana  google    spring   demo-request  +20m (1200)        missed              rejected spam
//  C    Sun 11-01 08:00        warm  rep-ben  linkedin  -        pricing       +2h  (7200)        met                 rejected no-budget
//  D    Mon 11-09 09:00        cold  rep-ben  -         -        -             none, due 11-10 09:00: missed, 3h over (10800)
//  E    Tue 11-10 11:00        hot   rep-cho  google    autumn   demo-request  none, due 11:15: missed, 45m over (2700)
//  F    Tue 11-10 11:50        hot   rep-ben  linkedin  autumn   pricing       none, due 12:05: pending
//  G    Tue 11-10 07:00        warm  rep-ben  linkedin  autumn   pricing       none, 5h: missed   bounced (not awaiting contact)
//  H    Mon 11-09 10:00        warm  rep-ana  google    spring   demo-request  +1h  (3600)        met                 rejected wrong-role, complained
//  I    Tue 11-10 06:00        cold  rep-ana  google    spring   demo-request  none, 6h: pending
//  J    Tue 11-10 10:00        hot   rep-ben  linkedin  autumn   pricing       none, due 10:15: missed, 1h45m over (6300)
//  K    Tue 11-10 11:45        hot   rep-ana  google    spring   demo-request  none, due 12:00 = now: pending (the limit is in time)
//  Z    Tue 10-27 12:00        hot   rep-ana  bing      spring   demo-request  none               (before the period: left out)
const leads: Lead[] = [
  lead('A', { submittedAt: '2026-10-31T10:00:00.000Z', contactedAt: plus('2026-10-31T10:00:00.000Z', 600), grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', utm_campaign: 'spring', formId: 'demo-request', outcome: 'accepted' }),
  lead('B', { submittedAt: '2026-11-01T23:30:00.000Z', contactedAt: plus('2026-11-01T23:30:00.000Z', 1200), grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', utm_campaign: 'spring', formId: 'demo-request', outcome: 'rejected', rejectReason: 'spam' }),
  lead('C', { submittedAt: '2026-11-01T08:00:00.000Z', contactedAt: plus('2026-11-01T08:00:00.000Z', 7200), grade: 'warm', ownerId: 'rep-ben', utm_source: 'linkedin', formId: 'pricing', outcome: 'rejected', rejectReason: 'no-budget' }),
  lead('D', { submittedAt: '2026-11-09T09:00:00.000Z', grade: 'cold', ownerId: 'rep-ben' }),
  lead('E', { submittedAt: '2026-11-10T11:00:00.000Z', grade: 'hot', ownerId: 'rep-cho', utm_source: 'google', utm_campaign: 'autumn', formId: 'demo-request' }),
  lead('F', { submittedAt: '2026-11-10T11:50:00.000Z', grade: 'hot', ownerId: 'rep-ben', utm_source: 'linkedin', utm_campaign: 'autumn', formId: 'pricing' }),
  lead('G', { submittedAt: '2026-11-10T07:00:00.000Z', grade: 'warm', ownerId: 'rep-ben', utm_source: 'linkedin', utm_campaign: 'autumn', formId: 'pricing', status: 'bounced', bouncedAt: '2026-11-10T07:00:05.000Z' }),
  lead('H', { submittedAt: '2026-11-09T10:00:00.000Z', contactedAt: plus('2026-11-09T10:00:00.000Z', 3600), grade: 'warm', ownerId: 'rep-ana', utm_source: 'google', utm_campaign: 'spring', formId: 'demo-request', outcome: 'rejected', rejectReason: 'wrong-role', complainedAt: '2026-11-09T12:00:00.000Z' }),
  lead('I', { submittedAt: '2026-11-10T06:00:00.000Z', grade: 'cold', ownerId: 'rep-ana', utm_source: 'google', utm_campaign: 'spring', formId: 'demo-request' }),
  lead('J', { submittedAt: '2026-11-10T10:00:00.000Z', grade: 'hot', ownerId: 'rep-ben', utm_source: 'linkedin', utm_campaign: 'autumn', formId: 'pricing' }),
  lead('K', { submittedAt: '2026-11-10T11:45:00.000Z', grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', utm_campaign: 'spring', formId: 'demo-request' }),
  lead('Z', { submittedAt: '2026-10-27T12:00:00.000Z', grade: 'hot', ownerId: 'rep-ana', utm_source: 'bing', utm_campaign: 'spring', formId: 'demo-request' }),
];


// The score and what the CRM made of each lead (the funnel, pipeline and conversion figures):
//  lead  score band    first contact bucket   reached        pipeline
//  A     85    80-100  5-60 min (600)         won            won 12,000 EUR
//  B     82    80-100  5-60 min (1200)        contacted      (rejected spam)
//  C     45    40-59   1-24 h (7200)          won            won 1,000.10 USD (after the rep's rejection: the CRM has the last word)
//  D     15    0-19    no contact recorded    opportunity    open 3,000 USD: accepted and contacted by implication
//  E     90    80-100  no contact recorded    lead
//  F     75    60-79   no contact recorded    lead
//  G     50    40-59   no contact recorded    lead
//  H     60    60-79   1-24 h (3600: 1 h exactly is not under 1 h)  opportunity  lost 5,000 USD
//  I     20    20-39   no contact recorded    lead
//  J     80    80-100  no contact recorded    opportunity    open 2,500.20 USD
//  K     -  unscored   no contact recorded    lead
//  Z     out of the period: won 99,999 USD, left out
const deal = (stage: 'opportunity' | 'won' | 'lost', amount: number, currency: string) =>
  ({ pipeline: { stage, stageAt: '2026-11-10T09:00:00.000Z', opportunityAt: '2026-11-10T08:00:00.000Z', amount, currency, amountAt: '2026-11-10T09:00:00.000Z', source: 'hubspot', deliveries: ['d1'] } }) as Partial<Lead>;
const outcomes: Record<string, Partial<Lead>> = {
  A: { score: 85, ...deal('won', 12_000, 'EUR') },
  B: { score: 82 },
  C: { score: 45, ...deal('won', 1000.1, 'USD') },
  D: { score: 15, ...deal('opportunity', 3000, 'USD') },
  E: { score: 90 },
  F: { score: 75 },
  G: { score: 50 },
  H: { score: 60, ...deal('lost', 5000, 'USD') },
  I: { score: 20 },
  J: { score: 80, ...deal('opportunity', 2500.2, 'USD') },
  K: {},
  Z: { score: 88, ...deal('won', 99_999, 'USD') },
};
for (const l of leads) Object.assign(l, outcomes[l.leadId]);

const view = (filters = {}) => dashboard(leads.map(reportRecordOf), range, filters, defaultSla, now, reps);

describe('the dashboard over the period, unfiltered', () => {
  it('totals the eleven leads of the period: 3 met of 8 decided, 1 accepted of 4 decided, one bounce, one complaint', () => {
    expect(view().total).toEqual({
      key: 'all', leads: 11, contacted: 4,
      // Contact times 600, 1200, 3600, 7200: median (1200 + 3600) / 2, p90 the 4th of 4.
      medianSeconds: 2400, p90Seconds: 7200,
      slaMet: 3, slaMissed: 5, withinSlaPercent: 37.5,
      accepted: 1, rejected: 3, rejectedByReason: { 'no-budget': 1, 'wrong-role': 1, spam: 1 }, unsubscribed: 0,
      acceptancePercent: 25, bounced: 1, complained: 1,
    });
  });

  it('gives every week the range touches, an empty one included, oldest first; a Sunday counts in the week of the Monday before', () => {
    expect(view().weekly).toEqual([
      // A (Sat 10-31) met, B (Sun 11-01) missed, C (Sun 11-01) met: the week began on Monday 10-26, across the month boundary.
      { week: '2026-10-26', leads: 3, slaMet: 2, slaMissed: 1, withinSlaPercent: 66.7 },
      { week: '2026-11-02', leads: 0, slaMet: 0, slaMissed: 0 },
      // D, E, G, J missed, H met, F, I, K pending.
      { week: '2026-11-09', leads: 8, slaMet: 1, slaMissed: 4, withinSlaPercent: 20 },
      { week: '2026-11-16', leads: 0, slaMet: 0, slaMissed: 0 },
    ]);
  });

  it('lists the rejection reasons that occurred in the order the rep\'s page offers them', () => {
    expect(view().rejectionReasons).toEqual([{ reason: 'no-budget', count: 1 }, { reason: 'wrong-role', count: 1 }, { reason: 'spam', count: 1 }]);
  });

  it('puts the rep with the most leads open past their SLA first, with the longest overdue time; the limit itself is not overdue', () => {
    expect(view().ignoredNow).toEqual([
      { repId: 'rep-ben', repName: 'Ben Brooks', leads: 2, longestOverdueSeconds: 10_800 }, // D 3h, J 1h45m; G bounced, F not due
      { repId: 'rep-cho', repName: 'rep-cho', leads: 1, longestOverdueSeconds: 2700 }, // not in reps: named by its id
    ]);
  });

  it('breaks a tie in open leads by the longest overdue', () => {
    const two = [
      lead('P', { submittedAt: '2026-11-10T11:00:00.000Z', grade: 'hot', ownerId: 'rep-ana' }), // 45m over
      lead('Q', { submittedAt: '2026-11-10T10:00:00.000Z', grade: 'hot', ownerId: 'rep-ben' }), // 1h45m over
    ];
    expect(dashboard(two.map(reportRecordOf), range, {}, defaultSla, now, reps).ignoredNow.map((r) => [r.repId, r.longestOverdueSeconds])).toEqual([['rep-ben', 6300], ['rep-ana', 2700]]);
  });

  it('offers the values present in the period (not Z\'s bing), sorted; reps by name, a rep not on the team by its id', () => {
    expect(view().options).toEqual({
      sources: ['(direct)', 'google', 'linkedin'],
      campaigns: ['(none)', 'autumn', 'spring'],
      forms: ['(no form)', 'demo-request', 'pricing'],
      reps: [{ id: 'rep-ben', name: 'Ben Brooks' }, { id: 'rep-cho', name: 'rep-cho' }, { id: 'rep-ana', name: 'Zoe Ziegler' }],
      grades: ['hot', 'warm', 'cold'],
    });
  });

  it('has the SLA report\'s rows per rep and per source', () => {
    const v = view();
    expect(v.byRep.map((row) => [row.key, row.leads])).toEqual([['rep-ana', 5], ['rep-ben', 5], ['rep-cho', 1]]);
    // rep-ana: A 600 met, B 1200 missed, H 3600 met; I and K pending.
    expect(v.byRep[0]).toMatchObject({ contacted: 3, medianSeconds: 1200, slaMet: 2, slaMissed: 1, withinSlaPercent: 66.7 });
    expect(v.bySource.map((row) => [row.key, row.leads])).toEqual([['(direct) / (no form)', 1], ['google / demo-request', 6], ['linkedin / pricing', 4]]);
    expect([v.from, v.to, v.asOf, v.sla, v.filters]).toEqual([range.from, range.to, now.toISOString(), defaultSla, {}]);
  });
});

describe('the funnel, pipeline and conversion, unfiltered', () => {
  it('counts each stage as the leads that reached it or a later one: 11 leads, 6 contacted, 5 accepted, 5 opportunities, 2 won', () => {
    expect(view().funnel.total).toEqual({
      key: 'all', leads: 11, contacted: 6, accepted: 5, opportunities: 5, won: 2,
      // 6/11, 5/6, 5/5, 2/5, 2/11
      contactedPercent: 54.5, acceptedPercent: 83.3, opportunityPercent: 100, wonPercent: 40, leadToWonPercent: 18.2,
    });
  });

  it('by source, campaign and form, in code-point order', () => {
    const v = view();
    const direct = { key: '(direct)', leads: 1, contacted: 1, accepted: 1, opportunities: 1, won: 0, contactedPercent: 100, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 0, leadToWonPercent: 0 };
    // A won, B contacted, H lost; E, I, K leads only.
    const google = { key: 'google', leads: 6, contacted: 3, accepted: 2, opportunities: 2, won: 1, contactedPercent: 50, acceptedPercent: 66.7, opportunityPercent: 100, wonPercent: 50, leadToWonPercent: 16.7 };
    // C won, J open; F, G leads only.
    const linkedin = { key: 'linkedin', leads: 4, contacted: 2, accepted: 2, opportunities: 2, won: 1, contactedPercent: 50, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 50, leadToWonPercent: 25 };
    expect(v.funnel.bySource).toEqual([direct, google, linkedin]);
    expect(v.funnel.byForm).toEqual([{ ...direct, key: '(no form)' }, { ...google, key: 'demo-request' }, { ...linkedin, key: 'pricing' }]);
    expect(v.funnel.byCampaign).toEqual([
      { key: '(none)', leads: 2, contacted: 2, accepted: 2, opportunities: 2, won: 1, contactedPercent: 100, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 50, leadToWonPercent: 50 },
      { key: 'autumn', leads: 4, contacted: 1, accepted: 1, opportunities: 1, won: 0, contactedPercent: 25, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 0, leadToWonPercent: 0 },
      { key: 'spring', leads: 5, contacted: 3, accepted: 2, opportunities: 2, won: 1, contactedPercent: 60, acceptedPercent: 66.7, opportunityPercent: 100, wonPercent: 50, leadToWonPercent: 20 },
    ]);
  });

  it('sums pipeline and won amounts per source and campaign, one row per currency, never EUR with USD; Z is out of the period', () => {
    const v = view();
    expect(v.pipeline.bySource).toEqual([
      { key: '(direct)', currency: 'USD', opportunities: 1, pipelineAmount: 3000, won: 0, wonAmount: 0 },
      { key: 'google', currency: 'EUR', opportunities: 1, pipelineAmount: 12_000, won: 1, wonAmount: 12_000 },
      // A lost deal was pipeline all the same.
      { key: 'google', currency: 'USD', opportunities: 1, pipelineAmount: 5000, won: 0, wonAmount: 0 },
      // 1000.10 + 2500.20, to the cent.
      { key: 'linkedin', currency: 'USD', opportunities: 2, pipelineAmount: 3500.3, won: 1, wonAmount: 1000.1 },
    ]);
    expect(v.pipeline.byCampaign).toEqual([
      { key: '(none)', currency: 'USD', opportunities: 2, pipelineAmount: 4000.1, won: 1, wonAmount: 1000.1 },
      { key: 'autumn', currency: 'USD', opportunities: 1, pipelineAmount: 2500.2, won: 0, wonAmount: 0 },
      { key: 'spring', currency: 'EUR', opportunities: 1, pipelineAmount: 12_000, won: 1, wonAmount: 12_000 },
      { key: 'spring', currency: 'USD', opportunities: 1, pipelineAmount: 5000, won: 0, wonAmount: 0 },
    ]);
  });

  it('by score band, every band listed (20 in 20-39, 80 in 80-100), then the unscored', () => {
    expect(view().byScoreBand).toEqual([
      { key: '0-19', leads: 1, contacted: 1, accepted: 1, opportunities: 1, won: 0, contactedPercent: 100, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 0, leadToWonPercent: 0 },
      { key: '20-39', leads: 1, contacted: 0, accepted: 0, opportunities: 0, won: 0, contactedPercent: 0, leadToWonPercent: 0 },
      { key: '40-59', leads: 2, contacted: 1, accepted: 1, opportunities: 1, won: 1, contactedPercent: 50, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 100, leadToWonPercent: 50 },
      { key: '60-79', leads: 2, contacted: 1, accepted: 1, opportunities: 1, won: 0, contactedPercent: 50, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 0, leadToWonPercent: 0 },
      { key: '80-100', leads: 4, contacted: 3, accepted: 2, opportunities: 2, won: 1, contactedPercent: 75, acceptedPercent: 66.7, opportunityPercent: 100, wonPercent: 50, leadToWonPercent: 25 },
      { key: 'unscored', leads: 1, contacted: 0, accepted: 0, opportunities: 0, won: 0, contactedPercent: 0, leadToWonPercent: 0 },
    ]);
  });

  it('by time to first contact, every bucket listed, an empty one without rates; a lead with no contact recorded last', () => {
    const empty = { leads: 0, contacted: 0, accepted: 0, opportunities: 0, won: 0 };
    expect(view().byFirstContact).toEqual([
      { key: 'under 5 min', ...empty },
      { key: '5-60 min', leads: 2, contacted: 2, accepted: 1, opportunities: 1, won: 1, contactedPercent: 100, acceptedPercent: 50, opportunityPercent: 100, wonPercent: 100, leadToWonPercent: 50 },
      { key: '1-24 h', leads: 2, contacted: 2, accepted: 2, opportunities: 2, won: 1, contactedPercent: 100, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 50, leadToWonPercent: 50 },
      { key: 'over 24 h', ...empty },
      // D and J: the CRM made them opportunities, so they count as contacted and accepted (2 of 7).
      { key: 'no contact recorded', leads: 7, contacted: 2, accepted: 2, opportunities: 2, won: 0, contactedPercent: 28.6, acceptedPercent: 100, opportunityPercent: 100, wonPercent: 0, leadToWonPercent: 0 },
    ]);
  });

  it('an accepted lead with no deal stops at accepted; a rejected one at contacted', () => {
    const two = [
      lead('P', { submittedAt: '2026-11-09T10:00:00.000Z', contactedAt: '2026-11-09T10:04:59.000Z', grade: 'hot', outcome: 'accepted', score: 79 }),
      lead('Q', { submittedAt: '2026-11-09T10:00:00.000Z', contactedAt: '2026-11-10T10:00:00.000Z', grade: 'cold', outcome: 'rejected', rejectReason: 'spam', score: 0 }),
    ];
    const v = dashboard(two.map(reportRecordOf), range, {}, defaultSla, now, reps);
    expect(v.funnel.total).toMatchObject({ leads: 2, contacted: 2, accepted: 1, opportunities: 0, won: 0, acceptedPercent: 50 });
    expect(v.funnel.total.wonPercent).toBeUndefined();
    expect(v.byFirstContact.map((r) => [r.key, r.leads, r.accepted])).toEqual([['under 5 min', 1, 1], ['5-60 min', 0, 0], ['1-24 h', 0, 0], ['over 24 h', 1, 0]]);
    expect(v.byScoreBand.map((r) => [r.key, r.leads])).toEqual([['0-19', 1], ['20-39', 0], ['40-59', 0], ['60-79', 1], ['80-100', 0]]);
    expect(v.pipeline).toEqual({ bySource: [], byCampaign: [] });
  });

  it('follows the filters: campaign spring is the spring row; linkedin has only its USD', () => {
    const spring = view({ campaign: 'spring' });
    expect(spring.funnel.total).toEqual({ ...view().funnel.byCampaign[2], key: 'all' });
    expect(spring.pipeline.bySource.map((r) => [r.key, r.currency, r.pipelineAmount])).toEqual([['google', 'EUR', 12_000], ['google', 'USD', 5000]]);
    expect(view({ source: 'linkedin' }).pipeline.byCampaign.map((r) => [r.key, r.currency])).toEqual([['(none)', 'USD'], ['autumn', 'USD']]);
  });
});

describe('the filters', () => {
  it.each([
    [{ source: 'linkedin' }, ['C', 'F', 'G', 'J']],
    [{ source: '(direct)' }, ['D']],
    [{ campaign: '(none)' }, ['C', 'D']],
    [{ campaign: 'autumn' }, ['E', 'F', 'G', 'J']],
    [{ form: '(no form)' }, ['D']],
    [{ rep: 'rep-cho' }, ['E']],
    [{ grade: 'warm' as const }, ['C', 'G', 'H']],
    [{ source: 'google', grade: 'hot' as const }, ['A', 'B', 'E', 'K']],
  ])('%o keeps %o, and the menus still offer every value of the period', (filters, kept) => {
    const v = view(filters);
    expect(v.total.leads).toBe(kept.length);
    expect(v.weekly.reduce((sum, week) => sum + week.leads, 0)).toBe(kept.length);
    expect(v.filters).toEqual(filters);
    expect(v.options).toEqual(view().options);
  });

  it('computes every figure over the chosen leads only (rep-ben: C met; D, G, J missed; F pending)', () => {
    const v = view({ rep: 'rep-ben' });
    expect(v.total).toMatchObject({ leads: 5, contacted: 1, slaMet: 1, slaMissed: 3, withinSlaPercent: 25, accepted: 0, rejected: 1, acceptancePercent: 0, bounced: 1, complained: 0 });
    expect(v.weekly.map((w) => [w.week, w.leads, w.withinSlaPercent])).toEqual([['2026-10-26', 1, 100], ['2026-11-02', 0, undefined], ['2026-11-09', 4, 0], ['2026-11-16', 0, undefined]]);
    expect(v.rejectionReasons).toEqual([{ reason: 'no-budget', count: 1 }]);
    expect(v.ignoredNow.map((r) => r.repId)).toEqual(['rep-ben']);
    expect(v.byRep.map((r) => r.key)).toEqual(['rep-ben']);
  });

  it('leaves acceptance out when no lead was accepted or rejected', () => {
    expect(view({ rep: 'rep-cho' }).total.acceptancePercent).toBeUndefined();
  });
});

describe('ISO weeks', () => {
  it('start on Monday (UTC): a Sunday is in the week that began six days before, across a year too', () => {
    expect(isoWeekOf('2026-11-01')).toBe('2026-10-26'); // Sunday
    expect(isoWeekOf('2026-11-02')).toBe('2026-11-02'); // Monday
    expect(isoWeekOf('2026-11-08')).toBe('2026-11-02'); // Sunday
    expect(isoWeekOf('2027-01-03')).toBe('2026-12-28'); // Sunday, in the week of 2026's last Monday
  });
});

describe('the dashboard as CSV', () => {
  const csv = dashboardCsv(view());
  const records = csv.split('\r\n');
  const header = records[0]!.split(',');
  /** A record as the header's columns would hold these values, the others empty. */
  const record = (values: Record<string, string | number>) => header.map((column) => String(values[column] ?? '')).join(',');
  const period = { from: range.from, to: range.to };

  it('has a header row, then total, weeks, reps, sources, reasons and who is ignoring leads now, one record per CRLF line', () => {
    expect(header.slice(0, 4)).toEqual(['group', 'key', 'name', 'leads']);
    expect(header.slice(-3)).toEqual(['from', 'to', 'filters']);
    expect(records.map((r) => r.split(',')[0])).toEqual([
      'group', 'total', 'week', 'week', 'week', 'week', 'rep', 'rep', 'rep', 'source', 'source', 'source', 'rejection_reason', 'rejection_reason', 'rejection_reason', 'ignored_now', 'ignored_now',
      'funnel', 'funnel_source', 'funnel_source', 'funnel_source', 'funnel_campaign', 'funnel_campaign', 'funnel_campaign', 'funnel_form', 'funnel_form', 'funnel_form',
      ...Array(6).fill('score_band'), ...Array(5).fill('first_contact'), ...Array(4).fill('pipeline_source'), ...Array(4).fill('pipeline_campaign'),
    ]);
    expect(records).toContain(record({
      group: 'funnel', key: 'all', leads: 11, contacted: 6, accepted: 5, opportunities: 5, won: 2,
      contacted_percent: 54.5, accepted_percent: 83.3, opportunity_percent: 100, won_percent: 40, lead_to_won_percent: 18.2, ...period,
    }));
    expect(records).toContain(record({ group: 'first_contact', key: 'under 5 min', leads: 0, contacted: 0, accepted: 0, opportunities: 0, won: 0, ...period }));
    expect(records).toContain(record({ group: 'pipeline_source', key: 'google', currency: 'EUR', opportunities: 1, pipeline_amount: 12_000, won: 1, won_amount: 12_000, ...period }));
    expect(records).toContain(record({ group: 'pipeline_campaign', key: '(none)', currency: 'USD', opportunities: 2, pipeline_amount: 4000.1, won: 1, won_amount: 1000.1, ...period }));
    expect(records).toContain(record({ group: 'week', key: '2026-10-26', leads: 3, sla_met: 2, sla_missed: 1, within_sla_percent: 66.7, ...period }));
    expect(records).toContain(record({ group: 'week', key: '2026-11-02', leads: 0, sla_met: 0, sla_missed: 0, ...period }));
    expect(records).toContain(record({ group: 'rejection_reason', key: 'spam', rejected: 1, ...period }));
    expect(records).toContain(record({ group: 'ignored_now', key: 'rep-ben', name: 'Ben Brooks', leads: 2, longest_overdue_seconds: 10_800, ...period }));
    expect(records[1]).toBe(record({
      group: 'total', key: 'all', leads: 11, contacted: 4, median_seconds: 2400, p90_seconds: 7200, sla_met: 3, sla_missed: 5, within_sla_percent: 37.5, accepted: 1, rejected: 3,
      'rejected_no-budget': 1, 'rejected_wrong-role': 1, 'rejected_bad-fit': 0, 'rejected_no-timeline': 0, rejected_duplicate: 0, rejected_spam: 1, rejected_other: 0,
      acceptance_percent: 25, unsubscribed: 0, bounced: 1, complained: 1, ...period,
    }));
  });

  it('quotes cells with commas or quotes and never lets a typed source start a formula', () => {
    const typed = [lead('X', { submittedAt: '2026-11-09T09:00:00.000Z', grade: 'hot', utm_source: '=HYPERLINK("http://x.io","win")', utm_campaign: 'a,b', ownerId: 'rep-ana' })];
    const lines = dashboardCsv(dashboard(typed.map(reportRecordOf), range, { campaign: 'a,b' }, defaultSla, now, reps)).split('\r\n');
    expect(lines.find((l) => l.startsWith('source,'))).toMatch(/^source,"'=HYPERLINK\(""http:\/\/x\.io"",""win""\) \/ \(no form\)",,1,/);
    expect(lines[1]!.endsWith(`,${range.from},${range.to},campaign=a%2Cb`)).toBe(true);
  });

  it('defuses every formula lead-in and quotes per RFC 4180; numbers stay numbers', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', 'plain'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", 'plain']);
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvRow([-5, 0, undefined, 'a,b'])).toBe('-5,0,,"a,b"');
  });
});

describe('the dashboard\'s query', () => {
  const refusal = (query: unknown) => {
    try {
      parseDashboardQuery(query, now);
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).issues;
    }
  };

  it('defaults to the last 30 days, today (UTC) included, and ignores unknown and empty parameters', () => {
    expect(defaultPeriod(now)).toEqual({ from: '2026-10-12', to: '2026-11-10' });
    expect(parseDashboardQuery({}, now)).toEqual({ range: { from: '2026-10-12', to: '2026-11-10' }, filters: {} });
    expect(parseDashboardQuery({ utm_source: 'mail', source: '', grade: 'hot', rep: ' rep-ana ' }, now)).toEqual({ range: { from: '2026-10-12', to: '2026-11-10' }, filters: { grade: 'hot', rep: 'rep-ana' } });
    // One end given: `to` is today, or `from` is 29 days before the given `to`.
    expect(parseDashboardQuery({ from: '2026-11-01' }, now).range).toEqual({ from: '2026-11-01', to: '2026-11-10' });
    expect(parseDashboardQuery({ to: '2026-03-01' }, now).range).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });

  it('takes a full year, a leap day included, and a one-day period', () => {
    expect(parseDashboardQuery({ from: '2024-01-01', to: '2024-12-31' }, now).range).toEqual({ from: '2024-01-01', to: '2024-12-31' });
    expect(parseDashboardQuery({ from: '2026-11-10', to: '2026-11-10' }, now).range).toEqual({ from: '2026-11-10', to: '2026-11-10' });
  });

  it('names the field and what is wrong with it', () => {
    expect(refusal({ from: '2026-02-30', to: '2026-03-04' })).toEqual([{ path: 'from', message: 'must be a date like 2026-11-01' }]);
    expect(refusal({ from: '2026-11-01', to: '11/04/2026' })).toEqual([{ path: 'to', message: 'must be a date like 2026-11-01' }]);
    expect(refusal({ from: '2026-11-05', to: '2026-11-04' })).toEqual([{ path: 'from', message: 'must not be after to (2026-11-04)' }]);
    expect(refusal({ from: '2026-12-01' })).toEqual([{ path: 'from', message: 'must not be after to (2026-11-10)' }]);
    expect(refusal({ from: '2024-01-01', to: '2025-01-01' })).toEqual([{ path: 'to', message: 'makes a period of 367 days; ask for at most 366 at a time' }]);
    expect(refusal({ grade: 'lukewarm' })).toEqual([{ path: 'grade', message: 'must be one of hot, warm, cold' }]);
    expect(refusal({ source: ['google', 'bing'] })).toEqual([{ path: 'source', message: 'must be text' }]);
    expect(refusal({ rep: 'x'.repeat(201) })).toEqual([{ path: 'rep', message: 'must be at most 200 characters' }]);
  });

  it('says the whole problem in its message', () => {
    expect(() => parseDashboardQuery({ from: '2026-11-05', to: '2026-11-04', grade: 'x' }, now)).toThrow('Invalid grade: grade must be one of hot, warm, cold');
    expect(() => parseDashboardQuery({ from: '2026-12-01' }, now)).toThrow('Invalid from: from must not be after to (2026-11-10)');
  });
});

describe('the days of a period', () => {
  it('lists every day, across a month and a leap day', () => {
    expect(daysBetween({ from: '2024-02-28', to: '2024-03-01' })).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('uses the caller\'s names in its message (the CLI\'s flags), the API\'s field in its issue', () => {
    const error = (() => {
      try {
        daysBetween({ from: '2026-11-06', to: '2026-11-04' }, { from: '--from', to: '--to' });
      } catch (e) {
        return e as ValidationError;
      }
    })()!;
    expect([error.message, error.issues]).toEqual(['--from 2026-11-06 is after --to 2026-11-04', [{ path: 'from', message: 'must not be after --to (2026-11-04)' }]]);
  });
});

describe('reading the period', () => {
  const recordOn = (day: string) => reportRecordOf(lead(day, { submittedAt: `${day}T12:00:00.000Z` }));

  it('asks for every day once, a few days per read, and keeps the days in order', async () => {
    const asked: string[][] = [];
    const source: ReportRecordsByDay = {
      async reportRecordsOn(days) {
        asked.push([...days]);
        return days.map(recordOn);
      },
    };
    const read = await reportRecordsBetween(source, { from: '2026-10-28', to: '2026-11-10' }, { daysAtOnce: 4 });
    expect(read.map((r) => r.leadId)).toEqual(daysBetween({ from: '2026-10-28', to: '2026-11-10' }));
    expect(asked.map((days) => days.length)).toEqual([4, 4, 4, 2]);
    // A quarter at a time by default: a 90-day dashboard is one read.
    asked.length = 0;
    await reportRecordsBetween(source, { from: '2026-09-02', to: '2026-11-30' });
    expect(asked.map((days) => days.length)).toEqual([90]);
  });

  it('gives up with PeriodTooLarge once its deadline passes, saying how far it got, instead of reading on', async () => {
    let clock = 0;
    const asked: string[] = [];
    // Each read of 4 days takes 100 ms on this clock; the deadline is 150 ms: two reads, then it stops.
    const source: ReportRecordsByDay = {
      async reportRecordsOn(days) {
        asked.push(...days);
        clock += 100;
        return [];
      },
    };
    const reading = reportRecordsBetween(source, { from: '2026-10-01', to: '2026-10-30' }, { daysAtOnce: 4, deadline: { at: 150, now: () => clock } });
    await expect(reading).rejects.toBeInstanceOf(PeriodTooLarge);
    await expect(reading).rejects.toMatchObject({ daysRead: 8, days: 30 });
    expect(asked).toHaveLength(8);
    // With time to spare it reads everything.
    clock = 0;
    await expect(reportRecordsBetween(source, { from: '2026-10-01', to: '2026-10-30' }, { deadline: { at: 1e9, now: () => clock } })).resolves.toEqual([]);
  });
});
