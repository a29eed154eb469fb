import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { executionArnOf, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * When Step Functions will not start a lead's workflow (throttled past the SDK's own retries),
 * intake queues the start and still answers 202; the start-workflow function starts it from
 * the queue. Only when the queue fails too does the form get a 503, and then a repeat of the
 * submission starts the stored lead. Faults are injected at the HTTP level in front of the
 * SFN and SQS endpoints, so the real SDK clients (and their retries) handle them.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
let sfnProxy: FaultProxy;
let sqsProxy: FaultProxy;

beforeAll(async () => {
  stack = await startLocalStack({
    // Sequences run through in seconds: these tests look at starts.
    timeScale: 14 * 86_400,
    sfnEndpoint: async (url) => (sfnProxy = await startFaultProxy(url)).url,
    sqsEndpoint: async (url) => (sqsProxy = await startFaultProxy(url)).url,
  });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
  await sfnProxy?.close();
  await sqsProxy?.close();
});

/** StartExecution refused as AWS refuses it past the quota; the SDK makes 3 attempts. */
const throttledStarts = (): Fault => ({
  matches: (body) => body.includes('"stateMachineArn"') && body.includes('"input"'),
  times: 3,
  status: 400,
  body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
});

/** SendMessage failing as SQS does when it is unavailable (retried by the SDK: 3 attempts). */
const queueDown = (): Fault => ({
  matches: (body) => body.includes('"MessageBody"'),
  times: 3,
  status: 500,
  body: { __type: 'InternalError', message: 'We encountered an internal error. Please try again.' },
});

async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const executionOf = (leadId: string) => stack.runner.list().find((e) => e.name === leadId);

describe('a start Step Functions throttles past the SDK retries', () => {
  it('is queued: the form gets its 202, and the start-workflow function starts the lead from the queue', async () => {
    const queue = stack.startQueue.stats();
    const fault = throttledStarts();
    sfnProxy.fail(fault);
    const { status, body } = await postLead(stack, warmLead(uniqueEmail('queued')));
    expect(status).toBe(202);
    expect(fault.times).toBe(0);
    expect(stack.startQueue.stats().sent).toBe(queue.sent + 1);

    const execution = await eventually(() => executionOf(body.leadId), 'the queued start');
    expect(execution.executionArn).toBe(executionArnOf(stack, body.leadId));
    const lead = (await store.leads.getLead(body.leadId))!;
    expect(JSON.parse(execution.input)).toEqual({ leadId: body.leadId, submittedAt: lead.submittedAt, schedule: lead.schedule });
    // The timeline says when the sequence really started, and that it went through the queue.
    const started = await eventually(async () => (await store.leads.listEvents(body.leadId)).find((e) => e.type === 'sequence-started'), 'the sequence-started event');
    expect(started).toMatchObject({ actor: 'system', detail: { via: 'start-queue', attempt: 1 } });
    await eventually(() => (stack.startQueue.stats().deleted === queue.deleted + 1 ? true : undefined), 'the message to be deleted');
    expect(stack.startQueue.stats()).toMatchObject({ visible: 0, inFlight: 0 });
    expect(stack.startDeadLetterQueue.stats().sent).toBe(0);
  });
});

describe('a start that can be neither made nor queued', () => {
  it('is a 503 with the lead stored, and a repeat of the submission starts it', async () => {
    const lead = warmLead(uniqueEmail('unqueued'));
    await stack.runner.idle();
    const executions = stack.runner.list().length;
    const items = await store.itemCount({ digest: false });
    const [start, send] = [throttledStarts(), queueDown()];
    sfnProxy.fail(start);
    sqsProxy.fail(send);

    const first = await postLead(stack, lead);
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ error: 'ServiceUnavailable', message: 'Please try again in a moment' });
    expect([start.times, send.times]).toEqual([0, 0]);
    // Stored (guard, lead, submitted event; and its report record in the dashboard's digest), not started, not queued.
    expect(await store.itemCount({ digest: false })).toBe(items + 3);
    expect(stack.runner.list().length).toBe(executions);

    const repeat = await postLead(stack, lead);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ duplicate: true });
    const stored = (await store.leads.getLead(repeat.body.leadId))!;
    expect(stored.email).toBe(lead.email);
    // The repeat started the lead stored by the first request, with the first request's schedule.
    const execution = executionOf(repeat.body.leadId)!;
    expect(JSON.parse(execution.input)).toEqual({ leadId: stored.leadId, submittedAt: stored.submittedAt, schedule: stored.schedule });
    expect(stack.runner.list().length).toBe(executions + 1);
  });
});
