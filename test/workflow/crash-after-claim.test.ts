import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathRulesOf, reconcile } from '../../bin/reconcile';
import { stateNames } from '../../lib/workflow-states';
import { signWebhook } from '@domain/webhook-signature';
import { contactFromCrm, unsubscribeOneClick } from '../../local/people';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, hotLead, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * A step that dies between claiming its email and sending it (here: the send fails and so
 * does the write that would release the claim, as if the function had crashed) is retried
 * by the state machine, and the retry sends the email exactly once: a claim that was never
 * marked sent can be claimed again. And a step or a request that dies after its change and
 * before its timeline event: the retry (the state machine's, or the caller's after a 503)
 * writes the event once, at the time the lead's record keeps, so the lead still reconciles.
 */
const SCALE = 86_400 / 0.25;
let stack: LocalStack;
let ses: FaultProxy;
let dynamo: FaultProxy;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  stack = await startLocalStack({
    timeScale: SCALE,
    retryIntervalMs: 20,
    sesEndpoint: async (url) => (ses = await startFaultProxy(url)).url,
    dynamoEndpoint: async (url) => (dynamo = await startFaultProxy(url)).url,
  });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
  await ses?.close();
  await dynamo?.close();
});

describe('a crash between claiming a follow-up and sending it', () => {
  it('neither loses nor doubles the email', async () => {
    const email = uniqueEmail('crash');
    const { body } = await postLead(stack, warmLead(email));
    const leadId = body.leadId as string;
    // The send fails past the SDK's own attempts, and so does releasing the claim: the step
    // ends with its claim standing and no email, which is what a crash leaves behind.
    ses.fail({ matches: (b) => b.includes(email) && b.includes('(day 1)'), times: 2, status: 503, body: { __type: 'ServiceUnavailable', message: 'down' } });
    dynamo.fail({
      matches: (b) => b.includes(`LEAD#${leadId}`) && b.includes(':failed') && b.includes('follow-up-1'),
      times: 10,
      status: 500,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
    });

    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect(execution.status).toBe('SUCCEEDED');
    expect(ses.injected).toBe(2);
    expect(dynamo.injected).toBeGreaterThanOrEqual(1);
    expect(retriedStates(leadId)).toEqual([stateNames.sendFollowUp(stack.config.sequence.followUpDays[0]!)]);
    const dayOne = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.endsWith('(day 1)'));
    expect(dayOne).toHaveLength(1);
    expect((await store.leads.getLead(leadId))?.steps['follow-up-1']).toMatchObject({ status: 'sent' });
  });

  it('a step that dies after its email is marked sent and before its timeline event: the retry writes the event once and sends nothing', async () => {
    // The day-1 follow-up is sent and marked sent; writing its timeline event fails on all four
    // of the SDK's attempts, so the step fails and the state machine retries it.
    const { email, leadId, injected } = await leadLosing('follow-up-1-sent', warmLead);

    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect(execution.status).toBe('SUCCEEDED');
    expect(injected()).toBe(4);
    expect(retriedStates(leadId)).toEqual([stateNames.sendFollowUp(stack.config.sequence.followUpDays[0]!)]);
    const dayOne = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.endsWith('(day 1)'));
    expect(dayOne).toHaveLength(1);
    const timeline = await store.leads.listEvents(leadId);
    expect(timeline.filter((event) => event.type === 'follow-up-1-sent')).toHaveLength(1);
  });
});

/** Every write of the lead's `type` timeline event fails on all of the SDK's attempts (a handler dying before it). */
function failEventWrites(leadId: string, type: string): number {
  dynamo.fail({
    matches: (b) => b.includes(`LEAD#${leadId}`) && b.includes(`#${type}"`),
    times: 4,
    status: 500,
    body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
  });
  return dynamo.injected;
}

const retriedStates = (leadId: string) =>
  stack.runner
    .history(executionArnOf(stack, leadId))
    .filter((e) => e.type === 'StateRetried')
    .map((e) => (e as { state: { name: string } }).state.name);

/**
 * A new lead whose `event` cannot be written (past the SDK's retries), from the start or once
 * its confirmation is out; `injected` counts the faults since.
 */
async function leadLosing(event: string, shape: typeof warmLead, { afterConfirmation = false } = {}) {
  const since = new Date();
  const email = uniqueEmail(`lost-${event}`);
  const { body } = await postLead(stack, shape(email));
  const leadId = body.leadId as string;
  if (afterConfirmation) await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
  const before = failEventWrites(leadId, event);
  return { since, email, leadId, injected: () => dynamo.injected - before };
}

/** `npm run reconcile`'s verdict on the one lead submitted since `since`, once it is done: no mismatch. */
async function expectReconciled(since: Date) {
  await stack.runner.idle();
  const report = await reconcile({ store: store.leads, sesUrl: stack.sesUrl, rules: pathRulesOf(stack.config, 2000), settled: true, since });
  expect(report.leads).toBe(1);
  expect(report.mismatched).toEqual([]);
}

describe('a step that dies after its change and before its timeline event', () => {
  it.each([
    { event: 'scored', state: stateNames.scoreAndRoute, shape: warmLead },
    { event: 'escalated', state: stateNames.escalate, shape: hotLead },
    { event: 'closed', state: stateNames.closeLead, shape: warmLead },
  ])('$event: the retried step writes the event once, and the lead reconciles', async ({ event, state, shape }) => {
    const { since, leadId, injected } = await leadLosing(event, shape);

    expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
    expect(injected()).toBe(4);
    expect(retriedStates(leadId)).toEqual([state]);
    const lead = (await store.leads.getLead(leadId))!;
    const timeline = await store.leads.listEvents(leadId);
    const written = timeline.filter((e) => e.type === event);
    expect(written).toHaveLength(1);
    // At the time the record keeps, not the retry's.
    expect(written[0]!.at).toBe({ scored: lead.scoredAt, escalated: lead.escalatedAt, closed: lead.closedAt }[event]);
    if (event === 'scored') expect(timeline.filter((e) => e.type === 'assigned')).toHaveLength(1);
    await expectReconciled(since);
  });

  it('"unsubscribed": the one-click request answers 503 to try again, and the repeat writes the event once', async () => {
    const { since, leadId, injected } = await leadLosing('unsubscribed', warmLead, { afterConfirmation: true });

    // A mail provider retries a one-click unsubscribe that failed on our side.
    expect(await unsubscribeOneClick(stack, leadId)).toEqual({ status: 503, retryAfter: '2' });
    expect(injected()).toBe(4);
    expect((await unsubscribeOneClick(stack, leadId)).status).toBe(200);

    expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
    const lead = (await store.leads.getLead(leadId))!;
    const unsubscribed = (await store.leads.listEvents(leadId)).filter((e) => e.type === 'unsubscribed');
    expect(unsubscribed.map((e) => e.at)).toEqual([lead.unsubscribedAt]);
    await expectReconciled(since);
  });

  it('"contacted": the CRM gets a 503, its retry records the first contact once, and a later answer is its own event', async () => {
    const { since, leadId, injected } = await leadLosing('contacted', hotLead, { afterConfirmation: true });

    expect((await contactFromCrm(stack, leadId)).status).toBe(503);
    expect(injected()).toBe(4);
    // The CRM retries the same answer; later the rep accepts the lead from the CRM.
    expect((await contactFromCrm(stack, leadId)).status).toBe(200);
    expect((await contactFromCrm(stack, leadId, { outcome: 'accepted' })).status).toBe(200);

    expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
    const lead = (await store.leads.getLead(leadId))!;
    const responses = (await store.leads.listEvents(leadId)).filter((e) => e.type === 'contacted' || e.type === 'accepted');
    expect(responses.map((e) => [e.type, e.actor])).toEqual([
      ['contacted', 'crm:rep-ben'],
      ['accepted', 'crm:rep-ben'],
    ]);
    expect(responses[0]!.at).toBe(lead.contactedAt);
    await expectReconciled(since);
  });

  it('"contacted": the very same signed request, sent again as it is after its 503, is recorded (the failed attempt released its claim)', async () => {
    const { since, leadId, injected } = await leadLosing('contacted', hotLead, { afterConfirmation: true });
    const raw = JSON.stringify({ leadId, outcome: 'contacted', repId: 'rep-ben' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signWebhook(raw, timestamp, stack.webhookSecret) };
    const send = () => fetch(`${stack.apiUrl}/leads/${leadId}/contact`, { method: 'POST', headers, body: raw }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

    expect((await send()).status).toBe(503);
    expect(injected()).toBe(4);
    const retried = await send();
    expect(retried).toMatchObject({ status: 200, body: { leadId, outcome: 'contacted' } });
    // Once recorded, the same request again is a replay: answered, nothing more recorded.
    expect(await send()).toEqual(retried);

    expect((await stack.runner.waitFor(executionArnOf(stack, leadId))).status).toBe('SUCCEEDED');
    const lead = (await store.leads.getLead(leadId))!;
    const contacted = (await store.leads.listEvents(leadId)).filter((e) => e.type === 'contacted');
    expect(contacted.map((e) => [e.actor, e.at])).toEqual([['crm:rep-ben', lead.contactedAt]]);
    await expectReconciled(since);
  });
});
