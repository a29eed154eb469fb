import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { senderEventsDelivery } from '../../lib/sender-events';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * Sender reputation on the emulators: SES's bounce and complaint events (as EventBridge
 * delivers them from the configuration set) stop a lead's emails mid-sequence.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
let deliver: (event: unknown) => Promise<unknown>;
/** Between the functions and DynamoDB: a store that fails on one lead's report, on demand. */
let dynamo: FaultProxy;

beforeAll(async () => {
  // A day in half a real second: follow-ups keep a day apart, so the lead is between two of
  // them when SES reports back.
  // Lambda's asynchronous retries (1 and 2 minutes apart) pass on the same clock: in under a millisecond.
  stack = await startLocalStack({ timeScale: 172_800, dynamoEndpoint: async (url) => (dynamo = await startFaultProxy(url)).url });
  store = storeOf(stack);
  const { handler } = await import('../../functions/sender-events/handler');
  deliver = (event) => handler(event, { functionName: 'sender-events', awsRequestId: 'test' } as never);
});

afterAll(async () => {
  await stack?.close();
  await dynamo?.close();
});

/** The event SES puts on the default bus for a send of our configuration set. */
const sesEvent = (leadId: string, detail: Record<string, unknown>) => ({
  version: '0',
  source: 'aws.ses',
  'detail-type': detail.eventType === 'Bounce' ? 'Email Bounced' : 'Email Complaint Received',
  detail: {
    ...detail,
    mail: { messageId: 'm-1', destination: ['x@example.com'], tags: { 'ses:configuration-set': [stack.config.sender.configurationSet ?? 'speed-to-lead-dev'], leadId: [leadId], step: ['follow-up-1'] } },
  },
});

async function leadAfterFirstFollowUp() {
  const email = uniqueEmail('wes');
  const { body } = await postLead(stack, warmLead(email));
  await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => e.subject.includes('following up')), 15_000);
  return { leadId: body.leadId as string, email };
}

describe('SES reporting back', () => {
  it('a hard bounce mid-sequence stops the follow-ups, on the timeline', async () => {
    const { leadId, email } = await leadAfterFirstFollowUp();
    await deliver(sesEvent(leadId, { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } }));
    expect((await store.leads.getLead(leadId))?.status).toBe('bounced');
    await stack.runner.waitFor(executionArnOf(stack, leadId));
    const followUps = (await emailsTo(stack.sesUrl, email)).filter((e) => e.subject.includes('following up'));
    expect(followUps).toHaveLength(1);
    expect((await store.leads.listEvents(leadId)).find((e) => e.type === 'bounced')).toMatchObject({ actor: 'ses', detail: { reason: 'Permanent/General' } });
  });

  it('the same bounce delivered again (EventBridge delivers at least once) keeps the first report: one event, the same stop time', async () => {
    const { leadId, email } = await leadAfterFirstFollowUp();
    const bounce = sesEvent(leadId, { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } });
    await deliver(bounce);
    const first = (await store.leads.getLead(leadId))!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await deliver(bounce);
    const again = (await store.leads.getLead(leadId))!;
    expect(again).toMatchObject({ status: 'bounced', emailProblemAt: first.emailProblemAt, bouncedAt: first.emailProblemAt });
    const bounced = (await store.leads.listEvents(leadId)).filter((e) => e.type === 'bounced');
    expect(bounced.map((e) => e.at)).toEqual([first.emailProblemAt]);
    await stack.runner.waitFor(executionArnOf(stack, leadId));
  });

  it('a complaint does the same; a soft bounce changes nothing', { timeout: 60_000 }, async () => {
    const complained = await leadAfterFirstFollowUp();
    await deliver(sesEvent(complained.leadId, { eventType: 'Complaint', complaint: { complaintFeedbackType: 'abuse', complainedRecipients: [{ emailAddress: complained.email }] } }));
    expect((await store.leads.getLead(complained.leadId))?.status).toBe('complained');

    const soft = await leadAfterFirstFollowUp();
    await deliver(sesEvent(soft.leadId, { eventType: 'Bounce', bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull' } }));
    expect((await store.leads.getLead(soft.leadId))?.status).toBe('new');
    await stack.runner.waitFor(executionArnOf(stack, complained.leadId));
    await stack.runner.waitFor(executionArnOf(stack, soft.leadId));
    expect((await emailsTo(stack.sesUrl, complained.email)).filter((e) => e.subject.includes('following up'))).toHaveLength(1);
    expect((await emailsTo(stack.sesUrl, soft.email)).filter((e) => e.subject.includes('following up'))).toHaveLength(stack.config.sequence.followUpDays.length);
  });

  it('an event about no lead of ours is ignored', async () => {
    await expect(deliver(sesEvent('00000000-0000-4000-8000-000000000000', { eventType: 'Bounce', bounce: { bounceType: 'Permanent' } }))).resolves.toEqual({ recorded: undefined });
  });
});

describe('a report the function fails on', () => {
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

  async function until(done: () => boolean, what: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('is retried as Lambda retries an asynchronous invocation, kept in the dead-letter queue, and redriven once the cause is fixed', { timeout: 90_000 }, async () => {
    const { leadId, email } = await leadAfterFirstFollowUp();
    const deadLetters = stack.senderEventsDeadLetterQueue;
    const before = deadLetters.stats();
    // DynamoDB refuses this lead's bounce past the SDK's retries, on every attempt Lambda makes.
    const outage = { matches: (body: string) => body.includes(leadId) && body.includes('emailProblemAt'), times: Number.MAX_SAFE_INTEGER, status: 503, body: { __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: 'Service Unavailable' } };
    dynamo.fail(outage);

    // As EventBridge delivers it: an asynchronous invocation, answered 202 before the function runs.
    const bounce = sesEvent(leadId, { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] } });
    const lambda = new LambdaClient({ ...local, endpoint: stack.lambdaUrl });
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'sender-events', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(bounce)) }));
    expect(invoked.StatusCode).toBe(202);
    await until(() => deadLetters.stats().visible === before.visible + 1, 'the dead-letter queue');
    expect((await store.leads.getLead(leadId))?.status).toBe('new');

    // Lambda's on-failure record: every attempt the template allows was made, and the event is in it whole.
    const sqs = new SQSClient({ ...local, endpoint: stack.sqsUrl });
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetters.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    const record = Messages.map((m) => JSON.parse(m.Body!)).find((r) => r.requestPayload?.detail?.mail?.tags?.leadId?.[0] === leadId);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 + senderEventsDelivery.function.retryAttempts, functionArn: expect.stringMatching(/:function:sender-events:\$LATEST$/) },
      requestPayload: bounce,
      responseContext: { functionError: 'Unhandled' },
    });
    sqs.destroy();
    lambda.destroy();

    // The outage ends; the redrive hands the event to the function and empties the queue.
    outage.times = 0;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/redrive-sender-events.ts', '--queue-url', deadLetters.url, '--function', 'sender-events'], {
      env: { ...process.env, AWS_ENDPOINT_URL_SQS: stack.sqsUrl, AWS_ENDPOINT_URL_LAMBDA: stack.lambdaUrl, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(stdout).toMatch(new RegExp(`^Redrove ${before.visible + 1} event\\(s\\) to sender-events; none failed\\.$`, 'm'));
    expect(deadLetters.stats()).toMatchObject({ visible: 0, inFlight: 0 });
    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'bounced', emailProblem: 'Permanent/General' });
    expect((await store.leads.listEvents(leadId)).filter((e) => e.type === 'bounced')).toHaveLength(1);
    await stack.runner.waitFor(executionArnOf(stack, leadId));
  });
});
