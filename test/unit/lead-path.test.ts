import { describe, expect, it } from 'vitest';
import type { Lead, StepRecord } from '@domain/lead';
import { type LeadFacts, type PathRules, reconcileLead, type StoredEmail } from '@domain/lead-path';
import type { TimelineEvent } from '@domain/ports';
import { type SequenceStep, touchesOf } from '@domain/sequence';
import { loadConfig } from '../../lib/config';
import { compileEmails } from '../../lib/emails';

/**
 * The reconciliation's rule on hand-built leads: what each path requires, and that a
 * missing email, a duplicate, a gap, a step after the stop or a missing timeline event is
 * reported. Times are seconds after 09:00 on the submission day.
 */
const rules: PathRules = {
  touches: touchesOf({ hotAlertAfterMinutes: 5, followUpDays: [1, 3, 7, 14] }, 15),
  hotSlaMinutes: 15,
  reps: [
    { id: 'rep-ana', name: 'Ana Alves', email: 'ana@example.com' },
    { id: 'rep-ben', name: 'Ben Brown', email: 'ben@example.com' },
  ],
  teamLead: { name: 'Tess Lead', email: 'tess@example.com' },
  raceMs: 1000,
  emails: compileEmails(loadConfig('dev')),
};

const T0 = Date.parse('2026-11-02T09:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const DAY = 86_400;

type Sent = Partial<Record<SequenceStep, number>>;

/** A lead whose record shows `sent` (step -> seconds), with the timeline and inbox a correct run leaves. */
function scenario(fields: Partial<Lead>, sent: Sent, extra: { events?: TimelineEvent[]; closedAt?: number } = {}): LeadFacts {
  const steps: Partial<Record<SequenceStep, StepRecord>> = {};
  const emails: StoredEmail[] = [];
  const events: TimelineEvent[] = [{ type: 'submitted', at: at(0), actor: 'lead' }];
  const lead = {
    leadId: 'lead-1',
    email: 'dana@acme.example',
    name: 'Dana Director',
    company: 'Acme',
    submittedAt: at(0),
    status: 'closed',
    schedule: { hotAlertAt: at(300), escalateAt: at(900), followUps: {} },
    steps,
    grade: 'warm',
    score: 55,
    triage: { decision: 'route' },
    ownerId: 'rep-ana',
    ownerName: 'Ana Alves',
    ownerEmail: 'ana@example.com',
    ...fields,
  } as Lead;
  if (lead.grade) {
    lead.scoredAt = at(1);
    events.push({ type: 'scored', at: at(1), actor: 'system' });
  }
  if (lead.triage?.decision === 'disqualify') events.push({ type: 'disqualified', at: at(1), actor: 'system' });
  else events.push({ type: 'assigned', at: at(1), actor: 'system' });
  const recipients: Record<string, string> = { confirmation: lead.email, 'hot-alert': 'ana@example.com', escalation: 'ben@example.com', 'team-lead-notice': 'tess@example.com' };
  const subjects: Record<string, string> = {
    confirmation: 'Thanks, Dana: we received your request',
    'hot-alert': 'Hot lead: Dana Director at Acme (score 85)',
    escalation: 'Escalated to you: Hot lead: Dana Director at Acme (score 85)',
    'team-lead-notice': 'Hot lead not contacted in 15 minutes: Dana Director at Acme',
  };
  for (const [step, seconds] of Object.entries(sent) as Array<[SequenceStep, number]>) {
    const messageId = `msg-${step}`;
    steps[step] = { status: 'sent', claimedAt: at(seconds), sentAt: at(seconds), messageId };
    const day = /^follow-up-(\d+)$/.exec(step)?.[1];
    emails.push({ messageId, to: [recipients[step] ?? lead.email], subject: subjects[step] ?? `Dana, following up on your request (day ${day})` });
    events.push({ type: `${step}-sent`, at: at(seconds), actor: 'system' });
  }
  if (lead.escalatedAt) events.push({ type: 'escalated', at: lead.escalatedAt, actor: 'system' });
  if (lead.contactedAt) events.push({ type: 'contacted', at: lead.contactedAt, actor: 'rep:rep-ana' });
  if (lead.unsubscribedAt) events.push({ type: 'unsubscribed', at: lead.unsubscribedAt, actor: 'lead' });
  const closedAt = extra.closedAt === undefined ? undefined : at(extra.closedAt);
  if (closedAt) {
    lead.closedAt = closedAt;
    events.push({ type: 'closed', at: closedAt, actor: 'system' });
  } else lead.status = lead.status === 'closed' ? 'new' : lead.status;
  return { lead, timeline: [...events, ...(extra.events ?? [])], emails, settled: true };
}

const followUps = (days: number[]): Sent => Object.fromEntries(days.map((day) => [`follow-up-${day}`, day * DAY]));
const hot = { grade: 'hot', score: 85, escalatedAt: at(900), escalatedFrom: 'rep-ana', ownerId: 'rep-ben', ownerName: 'Ben Brown', ownerEmail: 'ben@example.com' } as const;

describe('what a lead path requires', () => {
  it('a hot lead nobody contacted: confirmation, alert, escalation, team-lead notice and every follow-up', () => {
    const facts = scenario(hot, { confirmation: 1, 'hot-alert': 300, escalation: 900, 'team-lead-notice': 900, ...followUps([1, 3, 7, 14]) }, { closedAt: 14 * DAY + 1 });
    expect(reconcileLead(facts, rules)).toEqual({
      leadId: 'lead-1',
      path: 'hot: never contacted',
      required: ['confirmation', 'hot-alert', 'escalation', 'team-lead-notice', 'follow-up-1', 'follow-up-3', 'follow-up-7', 'follow-up-14'],
      problems: [],
      stuck: false,
    });
  });

  it('a warm lead contacted on day 2: the confirmation and the day-1 follow-up, nothing after', () => {
    const facts = scenario({ status: 'contacted', contactedAt: at(2 * DAY) }, { confirmation: 1, ...followUps([1]) }, { closedAt: 3 * DAY });
    const verdict = reconcileLead(facts, rules);
    expect(verdict).toMatchObject({ path: 'warm: contacted after the day-1 follow-up', required: ['confirmation', 'follow-up-1'], problems: [] });
  });

  it('a hot lead contacted before its alert: no alert, no escalation', () => {
    const facts = scenario({ ...hot, escalatedAt: undefined, escalatedFrom: undefined, ownerId: 'rep-ana', status: 'contacted', contactedAt: at(120) }, { confirmation: 1 }, { closedAt: DAY });
    expect(reconcileLead(facts, rules)).toMatchObject({ path: 'hot: contacted after the confirmation', required: ['confirmation'], problems: [] });
  });

  it('a disqualified lead: no email at all', () => {
    const facts = scenario({ status: 'disqualified', triage: { decision: 'disqualify', reason: 'role or test address (noreply@)' }, ownerId: undefined, grade: 'cold' }, {}, { closedAt: 1 });
    expect(reconcileLead(facts, rules)).toMatchObject({ path: 'disqualified', required: [], problems: [] });
  });

  it('a lead contacted after its sequence closed needed the whole sequence', () => {
    const facts = scenario({ status: 'contacted', contactedAt: at(20 * DAY) }, { confirmation: 1, ...followUps([1, 3]) }, { closedAt: 14 * DAY });
    expect(reconcileLead(facts, rules)).toMatchObject({
      path: 'warm: whole sequence, then contacted',
      problems: ['missing step: follow-up-7 (nothing stopped the sequence)', 'missing step: follow-up-14 (nothing stopped the sequence)'],
    });
  });
});

describe('what the reconciliation reports', () => {
  it('a missing email and a duplicate, both', () => {
    const facts = scenario({}, { confirmation: 1, ...followUps([1, 3, 7, 14]) }, { closedAt: 14 * DAY + 1 });
    // The day-3 follow-up never reached the inbox; the day-7 one reached it twice.
    const emails = facts.emails.filter((email) => email.messageId !== 'msg-follow-up-3');
    const day7 = facts.emails.find((email) => email.messageId === 'msg-follow-up-7')!;
    const verdict = reconcileLead({ ...facts, emails: [...emails, { ...day7, messageId: 'msg-again' }] }, rules);
    expect(verdict.problems).toEqual([
      'missing email: follow-up-3 (the record says sent as msg-follow-up-3, the inbox has no such message)',
      'duplicate email: a second follow-up-7 ("Dana, following up on your request (day 7)" to dana@acme.example)',
    ]);
  });

  it('a gap in the sequence, and a follow-up claimed after the lead unsubscribed', () => {
    const facts = scenario({ status: 'unsubscribed', unsubscribedAt: at(4 * DAY) }, { confirmation: 1, ...followUps([3, 7]) }, { closedAt: 14 * DAY });
    expect(reconcileLead(facts, rules).problems).toEqual([
      'missing step: follow-up-1 (the sequence went on to follow-up-7)',
      `follow-up-7 was claimed at ${at(7 * DAY)}, after the lead was unsubscribed at ${at(4 * DAY)}`,
    ]);
  });

  it('a step whose task finished while the lead was still new, skipped', () => {
    const facts = scenario({ status: 'contacted', contactedAt: at(2 * DAY) }, { confirmation: 1 }, { closedAt: 3 * DAY });
    const verdict = reconcileLead({ ...facts, stepsFinishedAt: { confirmation: T0 + 1000, 'follow-up-1': T0 + DAY * 1000 } }, rules);
    expect(verdict.problems).toEqual([`missing step: follow-up-1 (its task finished at ${at(DAY)}, before the lead was contacted at ${at(2 * DAY)})`]);
    // Finished after the stop: the claim found the lead contacted, as it should.
    expect(reconcileLead({ ...facts, stepsFinishedAt: { 'follow-up-3': T0 + 3 * DAY * 1000 } }, rules).problems).toEqual([]);
  });

  it('a click racing a claim: within the race allowance, or before the rep got the answer, either may win', () => {
    const facts = scenario({ status: 'contacted', contactedAt: at(DAY) }, { confirmation: 1, 'follow-up-1': DAY + 0.5 }, { closedAt: 3 * DAY });
    expect(reconcileLead(facts, rules).problems).toEqual([]);
    const slow = scenario({ status: 'contacted', contactedAt: at(DAY) }, { confirmation: 1, 'follow-up-1': DAY + 3 }, { closedAt: 3 * DAY });
    // The rep's write took 4 s to land: the claim read 3 s after its clock reading still won.
    expect(reconcileLead({ ...slow, stopAnsweredAt: T0 + (DAY + 4) * 1000 }, rules).problems).toEqual([]);
    expect(reconcileLead({ ...slow, stopAnsweredAt: T0 + (DAY + 2) * 1000 }, rules).problems).toEqual([
      `follow-up-1 was claimed at ${at(DAY + 3)}, after the lead was contacted at ${at(DAY)} (answered at ${at(DAY + 2)})`,
    ]);
  });

  it('a timeline that misses an event or has one twice', () => {
    const facts = scenario({}, { confirmation: 1, ...followUps([1, 3, 7, 14]) }, { closedAt: 14 * DAY + 1, events: [{ type: 'follow-up-1-sent', at: at(DAY + 1), actor: 'system' }] });
    const verdict = reconcileLead({ ...facts, timeline: facts.timeline.filter((event) => event.type !== 'scored') }, rules);
    expect(verdict.problems).toEqual(['timeline has 0 "scored" events, expected 1 (it was scored)', 'timeline has 2 "follow-up-1-sent" events, expected 1 (the record says sent)']);
  });

  it('an event at another time than the record keeps for it (written by a retry that did not know the first time)', () => {
    const facts = scenario(hot, { confirmation: 1, 'hot-alert': 300, escalation: 900, 'team-lead-notice': 900, ...followUps([1, 3, 7, 14]) }, { closedAt: 14 * DAY + 1 });
    const moved = facts.timeline.map((event) =>
      event.type === 'closed' || event.type === 'escalated' || event.type === 'follow-up-3-sent' ? { ...event, at: at(20 * DAY) } : event,
    );
    expect(reconcileLead(facts, rules).problems).toEqual([]);
    expect(reconcileLead({ ...facts, timeline: moved }, rules).problems).toEqual([
      `timeline's "escalated" is at ${at(20 * DAY)}, the record says ${at(900)}`,
      `timeline's "closed" is at ${at(20 * DAY)}, the record says ${at(14 * DAY + 1)}`,
      `timeline's "follow-up-3-sent" is at ${at(20 * DAY)}, the record says ${at(3 * DAY)}`,
    ]);
  });

  it('a lead whose sequence never closed is stuck once the stack is idle, and only then', () => {
    const open = scenario({}, { confirmation: 1, ...followUps([1]) });
    // Caught between the day-3 send and its record: not a mismatch while the sequence runs.
    const facts = { ...open, emails: [...open.emails, { messageId: 'msg-in-flight', to: ['dana@acme.example'], subject: 'Dana, following up on your request (day 3)' }] };
    expect(reconcileLead(facts, rules)).toMatchObject({ path: 'warm: never contacted (sequence not closed)', problems: [], stuck: true });
    expect(reconcileLead({ ...facts, settled: false }, rules).stuck).toBe(false);
  });

  it('a sequence that failed, and an email to the wrong rep', () => {
    const facts = scenario({ ...hot, status: 'failed', failure: { error: 'LeadNotFound', at: at(1000) } }, { confirmation: 1, 'hot-alert': 300 }, { closedAt: 1000, events: [{ type: 'failed', at: at(1000), actor: 'system' }] });
    const emails = facts.emails.map((email) => (email.messageId === 'msg-hot-alert' ? { ...email, to: ['ben@example.com'] } : email));
    expect(reconcileLead({ ...facts, emails }, rules).problems).toEqual([
      'sequence failed: LeadNotFound',
      'hot-alert went to ben@example.com, expected ana@example.com',
    ]);
  });
});
