import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { followUpKey } from '@domain/sequence';
import { sequencePath, stateNames } from '../../lib/workflow-states';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { startFaultProxy } from '../support/fault-proxy';
import { emailsTo, linkIn, waitForEmails, type ReceivedEmail } from '../support/inbox';
import { executionArnOf, hotLead, markContacted, postLead, statesEntered, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * The lead sequence end to end: intake over HTTP, the state machine CDK synthesizes run by
 * the local runner, real handlers, DynamoDB and SES emulators. One simulated day passes in
 * 250 ms of real time.
 */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SCALE = 86_400 / 0.25;

let stack: LocalStack;
let faults: Awaited<ReturnType<typeof startFaultProxy>>;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  stack = await startLocalStack({
    timeScale: SCALE,
    retryIntervalMs: 20,
    sesEndpoint: async (sesUrl) => {
      faults = await startFaultProxy(sesUrl);
      return faults.url;
    },
  });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
  await faults?.close();
});

beforeEach(() => stack.runner.setTimeScale(SCALE));

const followUpSubject = (day: number) => `Dana, following up on your request (day ${day})`;
const days = () => stack.config.sequence.followUpDays;

async function finished(leadId: string) {
  const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
  expect(execution.error ?? 'no error').toBe('no error');
  expect(execution.status).toBe('SUCCEEDED');
  return execution;
}

/** The alert emails the lead's owner got for this lead. */
async function alertsFor(leadId: string): Promise<ReceivedEmail[]> {
  const lead = await store.leads.getLead(leadId);
  const owner = stack.config.reps.find((rep) => rep.id === lead?.ownerId);
  if (!owner) return [];
  return (await emailsTo(stack.sesUrl, owner.email)).filter((email) => email.body.text?.includes(`/leads/${leadId}/contact`));
}

/** When (simulated, relative to submission) the execution entered a state. */
function enteredAfter(leadId: string, stateName: string, submittedAt: string): number {
  const arn = executionArnOf(stack, leadId);
  const entered = stack.runner.history(arn).find((e) => e.type === 'StateEntered' && (e as { state: { name: string } }).state.name === stateName);
  if (!entered) throw new Error(`${stateName} never ran`);
  return stack.runner.simulatedNow(arn, entered.timestamp) - Date.parse(submittedAt);
}

describe('a hot lead nobody contacts', () => {
  it('gets a confirmation, its rep an alert at minute 5, then follow-ups on day 1, 3, 7 and 14, and is closed', async () => {
    const email = uniqueEmail('dana');
    const { status, body } = await postLead(stack, hotLead(email));
    expect(status).toBe(202);
    expect(body).toEqual({ leadId: expect.any(String), status: 'accepted' });
    await finished(body.leadId);

    expect(statesEntered(stack, body.leadId)).toEqual(sequencePath(stack.config.sequence, { hot: true }));
    const toLead = await emailsTo(stack.sesUrl, email);
    expect(toLead.map((e) => e.subject)).toEqual(['Thanks, Dana: we received your request', ...days().map(followUpSubject)]);

    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead).toMatchObject({ status: 'closed', grade: 'hot', ownerId: expect.stringMatching(/^rep-/) });
    expect(lead.reasons).toContain('asked for a demo');
    // Nobody answered the minute-5 alert within the 15-minute SLA: the lead moved to the next
    // rep of the pool, who got it, and the team lead was told.
    const reps = stack.config.reps;
    const firstOwner = reps.find((rep) => rep.id === lead.escalatedFrom)!;
    const newOwner = reps.find((rep) => rep.id === lead.ownerId)!;
    expect(newOwner.id).not.toBe(firstOwner.id);
    const about = (emails: ReceivedEmail[]) => emails.filter((e) => e.body.text?.includes(body.leadId) || e.body.text?.includes(email));
    const alerts = about(await emailsTo(stack.sesUrl, firstOwner.email));
    expect(alerts.map((e) => e.subject)).toEqual([`Hot lead: Dana Director at Acme (score ${lead.score})`]);
    expect(alerts[0]!.body.text).toMatch(/Why you: round-robin\n\nWhat now: Call now/);
    expect(linkIn(alerts[0]!, 'Mark as contacted')).toContain(`${stack.apiUrl}/leads/${body.leadId}/contact?token=`);
    const escalated = about(await emailsTo(stack.sesUrl, newOwner.email));
    expect(escalated.map((e) => e.subject)).toEqual([`Escalated to you: Hot lead: Dana Director at Acme (score ${lead.score})`]);
    expect(escalated[0]!.body.text).toContain(`${firstOwner.name} did not respond to this hot lead within 15 minutes`);
    const teamLead = about(await emailsTo(stack.sesUrl, stack.config.routing!.teamLead!.email));
    expect(teamLead.map((e) => e.subject)).toEqual(['Hot lead not contacted in 15 minutes: Dana Director at Acme']);
    const escalatedAt = enteredAfter(body.leadId, stateNames.escalate, lead.submittedAt);
    expect(escalatedAt).toBeGreaterThanOrEqual(15 * MINUTE_MS);
    expect(escalatedAt).toBeLessThan(30 * MINUTE_MS);

    // Each timed step ran at its due time on the lead's simulated clock (only waits are
    // compressed; a wait overshoots by at most one real millisecond of scaled time), in order.
    const alertAt = enteredAfter(body.leadId, stateNames.alertRep, lead.submittedAt);
    expect(alertAt).toBeGreaterThanOrEqual(5 * MINUTE_MS);
    expect(alertAt).toBeLessThan(15 * MINUTE_MS);
    const followUpAt = days().map((day) => enteredAfter(body.leadId, stateNames.sendFollowUp(day), lead.submittedAt));
    days().forEach((day, i) => {
      // Due at its day, or later when business hours move it into the lead's working day.
      const due = Date.parse(lead.schedule.followUps[followUpKey(day)]!) - Date.parse(lead.submittedAt);
      expect(due).toBeGreaterThanOrEqual(day * DAY_MS);
      expect(followUpAt[i]).toBeGreaterThanOrEqual(due);
      expect(followUpAt[i]).toBeLessThan(due + 60 * MINUTE_MS);
    });
    expect([alertAt, ...followUpAt]).toEqual([alertAt, ...followUpAt].sort((a, b) => a - b));
    expect(alertAt).toBeLessThan(followUpAt[0]!);
    expect(Object.values(lead.steps).map((s) => s?.status)).toEqual(Array(4 + days().length).fill('sent'));
    expect((await store.leads.listEvents(body.leadId)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['submitted', 'confirmation-sent', 'scored', 'assigned', 'hot-alert-sent', 'escalated', 'escalation-sent', 'team-lead-notice-sent', 'follow-up-14-sent', 'closed']),
    );
  });
});

describe('a hot lead contacted at minute 3', () => {
  it('gets no alert and no follow-up, and keeps its contact time', async () => {
    stack.runner.setTimeScale(100); // 5 simulated minutes take 3 real seconds: time to click
    const email = uniqueEmail('dana');
    const { body } = await postLead(stack, hotLead(email));
    const arn = executionArnOf(stack, body.leadId);
    const submittedAt = Date.parse((await store.leads.getLead(body.leadId))!.submittedAt);
    while (stack.runner.simulatedNow(arn) - submittedAt < 3 * MINUTE_MS) await new Promise((r) => setTimeout(r, 20));

    const contact = await markContacted(stack, body.leadId);
    expect(stack.runner.simulatedNow(arn) - submittedAt).toBeLessThan(5 * MINUTE_MS);
    expect(contact).toEqual({ status: 200, body: { leadId: body.leadId, contactedAt: expect.any(String), outcome: 'contacted' } });
    stack.runner.setTimeScale(SCALE);
    await finished(body.leadId);

    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toEqual(['Thanks, Dana: we received your request']);
    expect(await alertsFor(body.leadId)).toEqual([]);
    expect(statesEntered(stack, body.leadId)).toEqual(sequencePath(stack.config.sequence, { hot: true, stopAtDay: days()[0] }));
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead).toMatchObject({ status: 'contacted', outcome: 'contacted', contactedAt: contact.body.contactedAt });
    expect(lead.steps['hot-alert']).toBeUndefined();
    expect(lead.escalatedAt).toBeUndefined();

    const again = await markContacted(stack, body.leadId, { outcome: 'accepted' });
    expect(again.body).toEqual({ leadId: body.leadId, contactedAt: contact.body.contactedAt, outcome: 'accepted' });
  });
});

describe('a warm lead contacted after day 3', () => {
  it('gets the day-1 and day-3 follow-ups only, and no rep alert', async () => {
    const email = uniqueEmail('wes');
    const { body } = await postLead(stack, warmLead(email));
    await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => e.subject.endsWith('(day 3)')));
    expect((await markContacted(stack, body.leadId)).status).toBe(200);
    await finished(body.leadId);

    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toEqual([
      'Thanks, Wes: we received your request',
      'Wes, following up on your request (day 1)',
      'Wes, following up on your request (day 3)',
    ]);
    expect(await alertsFor(body.leadId)).toEqual([]);
    expect(statesEntered(stack, body.leadId)).toEqual(sequencePath(stack.config.sequence, { hot: false, stopAtDay: 7 }));
    expect(await store.leads.getLead(body.leadId)).toMatchObject({ grade: 'warm', status: 'contacted' });
  });
});

describe('the same submission twice', () => {
  it('is one lead with one workflow and one confirmation', async () => {
    const email = uniqueEmail('twice');
    const lead = { email, name: 'Tom Twice', formId: 'newsletter' };
    const first = await postLead(stack, lead);
    const second = await postLead(stack, { ...lead, name: 'Tom T.' });
    expect(first).toEqual({ status: 202, body: { leadId: expect.any(String), status: 'accepted' } });
    expect(second).toEqual({ status: 200, body: { leadId: first.body.leadId, status: 'accepted', duplicate: true } });

    // With an Idempotency-Key the key decides, even if the fields differ.
    const keyed = await postLead(stack, { email: uniqueEmail('keyed'), name: 'Kim' }, { 'Idempotency-Key': `form-${email}` });
    const keyedAgain = await postLead(stack, { email: uniqueEmail('other'), name: 'Kim' }, { 'Idempotency-Key': `form-${email}` });
    expect(keyedAgain.body).toEqual({ leadId: keyed.body.leadId, status: 'accepted', duplicate: true });

    await finished(first.body.leadId);
    expect(stack.runner.list().filter((e) => e.name === first.body.leadId)).toHaveLength(1);
    expect(stack.runner.list().filter((e) => e.name === keyed.body.leadId)).toHaveLength(1);
    const confirmations = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.startsWith('Thanks'));
    expect(confirmations).toHaveLength(1);
    expect((await store.leads.getLead(first.body.leadId))?.name).toBe('Tom Twice');
    expect((await store.leads.listEvents(first.body.leadId)).filter((e) => e.type === 'duplicate-submission')).toHaveLength(1);
  });
});

describe('SES failing on follow-ups', () => {
  it('retries the step and sends exactly one email for it', async () => {
    const email = uniqueEmail('dana');
    const before = faults.injected;
    // Each fault outlasts the SDK's own attempts, so the state machine's Retry has to recover.
    faults.fail({ matches: (b) => b.includes(email) && b.includes('(day 1)'), times: 2, status: 429, body: { __type: 'TooManyRequestsException', message: 'Maximum sending rate exceeded' } });
    faults.fail({ matches: (b) => b.includes(email) && b.includes('(day 3)'), times: 2, status: 503, body: { __type: 'ServiceUnavailable', message: 'Service unavailable' } });
    const { body } = await postLead(stack, { ...hotLead(email), formId: 'newsletter', jobTitle: 'Analyst' });
    await finished(body.leadId);

    expect(faults.injected - before).toBe(4);
    const retried = stack.runner
      .history(executionArnOf(stack, body.leadId))
      .filter((e) => e.type === 'StateRetried')
      .map((e) => (e as { state: { name: string } }).state.name);
    expect(retried).toEqual([stateNames.sendFollowUp(1), stateNames.sendFollowUp(3)]);
    const subjects = (await emailsTo(stack.sesUrl, email)).map((e) => e.subject);
    for (const day of days()) expect(subjects.filter((s) => s === followUpSubject(day))).toHaveLength(1);
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead.steps['follow-up-3']).toMatchObject({ status: 'sent' });
    expect(lead.status).toBe('closed');
  });

  it('stops the lead\'s emails when SES rejects the address for good, without failing the workflow', async () => {
    const email = uniqueEmail('bounce');
    faults.fail({ matches: (b) => b.includes(email) && b.includes('(day 1)'), times: 1, status: 400, body: { __type: 'MessageRejected', message: 'Email address is not verified.' } });
    const { body } = await postLead(stack, warmLead(email));
    await finished(body.leadId);
    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toEqual(['Thanks, Wes: we received your request']);
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(lead.status).toBe('failed');
    expect(lead.failure?.error).toBe('EmailRejected');
    expect(statesEntered(stack, body.leadId)).toEqual(sequencePath(stack.config.sequence, { hot: false, stopAtDay: days()[0] }));
  });
});

describe('a rep clicking while a follow-up is being sent', () => {
  it('never lets a follow-up be claimed after the click', async () => {
    const leads = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const email = uniqueEmail(`race${i}`);
        const { body } = await postLead(stack, warmLead(email));
        // Day 1 is due 250 ms after submission: click somewhere around it.
        await new Promise((r) => setTimeout(r, 180 + i * 20));
        await markContacted(stack, body.leadId);
        return { leadId: body.leadId as string, email, clickAnswered: new Date().toISOString() };
      }),
    );
    for (const { leadId, email, clickAnswered } of leads) {
      await finished(leadId);
      const lead = (await store.leads.getLead(leadId))!;
      const sentFollowUps = Object.entries(lead.steps).filter(([step, record]) => step.startsWith('follow-up-') && record?.status === 'sent');
      // A claim can only succeed before the click's write, which is before its answer.
      for (const [, record] of sentFollowUps) expect(record!.claimedAt < clickAnswered).toBe(true);
      const followUpEmails = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.includes('following up'));
      expect(followUpEmails).toHaveLength(sentFollowUps.length);
      expect(sentFollowUps.length).toBeLessThanOrEqual(1);
      expect(lead.status).toBe('contacted');
    }
  });
});
