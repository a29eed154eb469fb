import { describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { repQueue } from '@domain/queue';
import { defaultSla } from '@domain/sla';
import { formatQueue, timeLeft } from '../../bin/queue';

/** A rep's queue on hand-built leads: who waits, in which order, and how late. */
const now = new Date('2026-11-02T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
let n = 0;
const lead = (fields: Partial<Lead>): Lead =>
  ({
    leadId: `lead-${++n}`,
    email: `l${n}@acme.example`,
    name: `Lead ${n}`,
    status: 'new',
    schedule: { hotAlertAt: now.toISOString(), escalateAt: now.toISOString(), followUps: {} },
    steps: {},
    triage: { decision: 'route' },
    ownerId: 'rep-ana',
    submittedAt: minutesAgo(1),
    ...fields,
  }) as Lead;

describe("a rep's queue", () => {
  it('puts the lead whose SLA ends soonest first, overdue ones before all', () => {
    const hotFresh = lead({ grade: 'hot', submittedAt: minutesAgo(3), name: 'Hot fresh' }); // 12 min left
    const hotLate = lead({ grade: 'hot', submittedAt: minutesAgo(40), name: 'Hot late', escalatedAt: minutesAgo(25) }); // 25 min overdue
    const warm = lead({ grade: 'warm', submittedAt: minutesAgo(60), name: 'Warm' }); // 180 min left
    const cold = lead({ grade: 'cold', submittedAt: minutesAgo(1500), name: 'Cold', status: 'closed' }); // 60 min overdue, sequence over
    const queue = repQueue([warm, hotFresh, cold, hotLate], defaultSla, now);
    expect(queue.map((q) => [q.name, q.secondsLeft, q.escalated])).toEqual([
      ['Cold', -60 * 60, false],
      ['Hot late', -25 * 60, true],
      ['Hot fresh', 12 * 60, false],
      ['Warm', 180 * 60, false],
    ]);
    expect(queue[2]!.dueAt).toBe(new Date(Date.parse(hotFresh.submittedAt) + 15 * 60_000).toISOString());
  });

  it('leaves out leads answered, opted out, undeliverable, disqualified or not scored yet', () => {
    const waiting = lead({ grade: 'warm' });
    const others = [
      lead({ grade: 'hot', contactedAt: minutesAgo(0), status: 'contacted' }),
      lead({ grade: 'hot', status: 'unsubscribed', unsubscribedAt: minutesAgo(0) }),
      lead({ grade: 'hot', status: 'bounced' }),
      lead({ grade: 'cold', status: 'disqualified', triage: { decision: 'disqualify', reason: 'no-reply address' } }),
      lead({}),
    ];
    expect(repQueue([...others, waiting], defaultSla, now).map((q) => q.leadId)).toEqual([waiting.leadId]);
  });

  it('prints each lead with its time left or overdue, grade and score, overdue counted', () => {
    const queue = repQueue([lead({ grade: 'hot', score: 81, name: 'Dana Director', company: 'Acme', jobTitle: 'CTO', submittedAt: minutesAgo(20) }), lead({ grade: 'warm', score: 55, name: 'Wes' })], defaultSla, now);
    const text = formatQueue('rep-ana', queue);
    expect(text.split('\n')[0]).toBe('rep-ana: 2 leads waiting for a first answer, 1 overdue');
    expect(text).toMatch(/^ {2}overdue 5m 00s\s+hot 81\s+Dana Director, CTO, Acme\s+lead-\d+$/m);
    expect(text).toMatch(/^ {2}3h 59m left\s+warm 55\s+Wes\s+lead-\d+$/m);
    expect(formatQueue('rep-ben', [])).toBe('rep-ben: no lead waits for a first answer.');
    expect(timeLeft(-90)).toBe('overdue 1m 30s');
  });
});
