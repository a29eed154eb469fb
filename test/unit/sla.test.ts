import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { reportRecordOf } from '@domain/report-record';
import { defaultSla, describeSla, firstContactOf, formatDuration, median, percentile, slaReport, sourceOf } from '@domain/sla';

/**
 * The SLA math on a hand-built set of leads. Every expected figure below was worked out by
 * hand from the table in the comment, not by running the code.
 */
const submitted = '2026-11-02T09:00:00.000Z';
const plus = (seconds: number, from = submitted) => new Date(Date.parse(from) + seconds * 1000).toISOString();
const now = new Date('2026-11-03T00:00:00.000Z');

const lead = (leadId: string, fields: Partial<Lead>): Lead =>
  ({ leadId, email: `${leadId}@acme.io`, name: leadId, submittedAt: submitted, status: 'new', schedule: { hotAlertAt: submitted, followUps: {} }, steps: {}, ...fields }) as Lead;

//  lead  grade  owner    source                  first contact  SLA       outcome / other
//  A     hot    rep-ana  google / demo-request   +5m   (300)    met       accepted
//  B     hot    rep-ana  google / demo-request   +20m  (1200)   missed    rejected no-budget
//  C     warm   rep-ben  linkedin / pricing      +3h   (10800)  met       contacted
//  D     warm   rep-ben  linkedin / pricing      none, 15 h old missed    unsubscribed
//  E     cold   rep-ana  (direct) / newsletter   +25h  (90000)  missed    rejected spam
//  F     cold   rep-cho  (direct) / newsletter   none, 1 h old  pending
//  G     -      -        google / (no form)      +1m   (60)     ungraded
//  H     hot    rep-cho  google / demo-request   +15m  (900)    met (the limit itself)
const leads: Lead[] = [
  lead('A', { grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', formId: 'demo-request', contactedAt: plus(300), outcome: 'accepted' }),
  lead('B', { grade: 'hot', ownerId: 'rep-ana', utm_source: 'google', formId: 'demo-request', contactedAt: plus(1200), outcome: 'rejected', rejectReason: 'no-budget' }),
  lead('C', { grade: 'warm', ownerId: 'rep-ben', utm_source: 'linkedin', formId: 'pricing', contactedAt: plus(10_800), outcome: 'contacted' }),
  lead('D', { grade: 'warm', ownerId: 'rep-ben', utm_source: 'linkedin', formId: 'pricing', unsubscribedAt: plus(600) }),
  lead('E', { grade: 'cold', ownerId: 'rep-ana', formId: 'newsletter', contactedAt: plus(90_000), outcome: 'rejected', rejectReason: 'spam' }),
  lead('F', { grade: 'cold', ownerId: 'rep-cho', formId: 'newsletter', submittedAt: plus(-3600, now.toISOString()) }),
  lead('G', { utm_source: 'google', contactedAt: plus(60), outcome: 'contacted' }),
  lead('H', { grade: 'hot', ownerId: 'rep-cho', utm_source: 'google', formId: 'demo-request', contactedAt: plus(900), outcome: 'contacted' }),
];

describe('time to first contact against the SLA of the grade', () => {
  it('is met up to and including the limit, missed after it, pending while the limit has not passed', () => {
    expect(firstContactOf(leads[0]!, defaultSla, now)).toEqual({ seconds: 300, slaStatus: 'met' });
    expect(firstContactOf(leads[7]!, defaultSla, now)).toEqual({ seconds: 900, slaStatus: 'met' });
    expect(firstContactOf(leads[1]!, defaultSla, now)).toEqual({ seconds: 1200, slaStatus: 'missed' });
    expect(firstContactOf(leads[3]!, defaultSla, now)).toEqual({ slaStatus: 'missed' });
    expect(firstContactOf(leads[5]!, defaultSla, now)).toEqual({ slaStatus: 'pending' });
    expect(firstContactOf(leads[6]!, defaultSla, now)).toEqual({ seconds: 60, slaStatus: 'ungraded' });
    // Not contacted at exactly the limit is still pending; a second later it is missed.
    const hot = lead('X', { grade: 'hot', submittedAt: plus(-900, now.toISOString()) });
    expect(firstContactOf(hot, defaultSla, now).slaStatus).toBe('pending');
    expect(firstContactOf(hot, defaultSla, new Date(now.getTime() + 1000)).slaStatus).toBe('missed');
    // The SLA is configuration: the same contact meets a looser one.
    expect(firstContactOf(leads[1]!, { ...defaultSla, hot: 30 }, now).slaStatus).toBe('met');
  });

  it('median averages the two middle values; p90 is nearest-rank (a real lead’s time)', () => {
    expect(median([])).toBeUndefined();
    expect(median([7])).toBe(7);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([60, 300, 900, 1200, 10_800, 90_000])).toBe(1050);
    expect(percentile([], 90)).toBeUndefined();
    expect(percentile([5], 90)).toBe(5);
    // rank = ceil(0.9 * n): n = 6 -> 6th; n = 10 -> 9th; n = 11 -> 10th
    expect(percentile([60, 300, 900, 1200, 10_800, 90_000], 90)).toBe(90_000);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
  });
});

describe('the SLA report', () => {
  const report = slaReport(leads.map(reportRecordOf), { from: '2026-11-01', to: '2026-11-30' }, defaultSla, now);

  it('totals: 8 leads, 6 contacted, median 17m 30s, p90 25 h, 3 of 6 decided leads within SLA', () => {
    expect(report.total).toEqual({
      key: 'all',
      leads: 8,
      contacted: 6,
      medianSeconds: 1050,
      p90Seconds: 90_000,
      slaMet: 3,
      slaMissed: 3,
      withinSlaPercent: 50,
      accepted: 1,
      rejected: 2,
      rejectedByReason: { 'no-budget': 1, spam: 1 },
      unsubscribed: 1,
    });
    expect(report).toMatchObject({ from: '2026-11-01', to: '2026-11-30', asOf: now.toISOString(), sla: defaultSla });
  });

  it('per rep (the owner)', () => {
    expect(report.byRep).toEqual([
      { key: '(unassigned)', leads: 1, contacted: 1, medianSeconds: 60, p90Seconds: 60, slaMet: 0, slaMissed: 0, accepted: 0, rejected: 0, rejectedByReason: {}, unsubscribed: 0 },
      { key: 'rep-ana', leads: 3, contacted: 3, medianSeconds: 1200, p90Seconds: 90_000, slaMet: 1, slaMissed: 2, withinSlaPercent: 33.3, accepted: 1, rejected: 2, rejectedByReason: { 'no-budget': 1, spam: 1 }, unsubscribed: 0 },
      { key: 'rep-ben', leads: 2, contacted: 1, medianSeconds: 10_800, p90Seconds: 10_800, slaMet: 1, slaMissed: 1, withinSlaPercent: 50, accepted: 0, rejected: 0, rejectedByReason: {}, unsubscribed: 1 },
      { key: 'rep-cho', leads: 2, contacted: 1, medianSeconds: 900, p90Seconds: 900, slaMet: 1, slaMissed: 0, withinSlaPercent: 100, accepted: 0, rejected: 0, rejectedByReason: {}, unsubscribed: 0 },
    ]);
  });

  it('per source (utm_source / formId)', () => {
    expect(sourceOf(leads[4]!)).toBe('(direct) / newsletter');
    expect(sourceOf(leads[6]!)).toBe('google / (no form)');
    expect(report.bySource.map((row) => [row.key, row.leads, row.contacted, row.medianSeconds, row.p90Seconds, row.withinSlaPercent, row.rejected, row.unsubscribed])).toEqual([
      ['(direct) / newsletter', 2, 1, 90_000, 90_000, 0, 1, 0],
      ['google / (no form)', 1, 1, 60, 60, undefined, 0, 0],
      ['google / demo-request', 3, 3, 900, 1200, 66.7, 1, 0],
      ['linkedin / pricing', 2, 1, 10_800, 10_800, 50, 0, 1],
    ]);
  });

  it('an empty range is all zeros, without made-up times or percentages', () => {
    expect(slaReport([], { from: '2026-11-01', to: '2026-11-01' }, defaultSla, now).total).toEqual({
      key: 'all', leads: 0, contacted: 0, slaMet: 0, slaMissed: 0, accepted: 0, rejected: 0, rejectedByReason: {}, unsubscribed: 0,
    });
  });
});

describe('durations as people read them', () => {
  it.each([
    [undefined, '-'],
    [0, '0s'],
    [45, '45s'],
    [432, '7m 12s'],
    [1050, '17m 30s'],
    [14_700, '4h 05m'],
    [90_000, '1d 1h'],
    [183_600, '2d 3h'],
  ])('%s s is %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it('the SLA in words', () => expect(describeSla(defaultSla)).toBe('hot 15m, warm 4h, cold 24h'));
});
