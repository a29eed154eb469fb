import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateNames } from '../../lib/lead-workflow';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { startFaultProxy } from '../support/fault-proxy';
import { emailsTo } from '../support/inbox';
import { executionArnOf, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * A step that dies between claiming its email and sending it (here: the send fails and so
 * does the write that would release the claim, as if the function had crashed) is retried
 * by the state machine, and the retry sends the email exactly once: a claim that was never
 * marked sent can be claimed again.
 */
const SCALE = 86_400 / 0.25;
let stack: LocalStack;
let ses: Awaited<ReturnType<typeof startFaultProxy>>;
let dynamo: Awaited<ReturnType<typeof startFaultProxy>>;

beforeAll(async () => {
  stack = await startLocalStack({
    timeScale: SCALE,
    retryIntervalMs: 20,
    sesEndpoint: async (url) => (ses = await startFaultProxy(url)).url,
    dynamoEndpoint: async (url) => (dynamo = await startFaultProxy(url)).url,
  });
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
    const retried = stack.runner.history(executionArnOf(stack, leadId)).filter((e) => e.type === 'StateRetried').map((e) => (e as { state: { name: string } }).state.name);
    expect(retried).toEqual([stateNames.sendFollowUp(stack.config.sequence.followUpDays[0]!)]);
    const dayOne = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.endsWith('(day 1)'));
    expect(dayOne).toHaveLength(1);
    expect((await storeOf(stack).leads.getLead(leadId))?.steps['follow-up-1']).toMatchObject({ status: 'sent' });
  });

  it('a step that dies after its email is marked sent and before its timeline event: the retry writes the event once and sends nothing', async () => {
    const email = uniqueEmail('crash-event');
    const { body } = await postLead(stack, warmLead(email));
    const leadId = body.leadId as string;
    // The day-1 follow-up is sent and marked sent; writing its timeline event fails on all four
    // of the SDK's attempts, so the step fails and the state machine retries it.
    const before = dynamo.injected;
    dynamo.fail({
      matches: (b) => b.includes(`LEAD#${leadId}`) && b.includes('follow-up-1-sent'),
      times: 4,
      status: 500,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
    });

    const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
    expect(execution.status).toBe('SUCCEEDED');
    expect(dynamo.injected - before).toBe(4);
    const retried = stack.runner.history(executionArnOf(stack, leadId)).filter((e) => e.type === 'StateRetried').map((e) => (e as { state: { name: string } }).state.name);
    expect(retried).toEqual([stateNames.sendFollowUp(stack.config.sequence.followUpDays[0]!)]);
    const dayOne = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.endsWith('(day 1)'));
    expect(dayOne).toHaveLength(1);
    const timeline = await storeOf(stack).leads.listEvents(leadId);
    expect(timeline.filter((event) => event.type === 'follow-up-1-sent')).toHaveLength(1);
  });
});
