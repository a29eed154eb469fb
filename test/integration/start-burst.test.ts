import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSfnEndpoint, startSfnEndpoint } from '../../local/sfn-endpoint';
import { localStateMachineArn, startLocalStack, type LocalStack } from '../../local/stack';
import { LocalWorkflowRunner } from '../../local/workflow-runner';

/**
 * Issue 7: a burst of leads beyond Step Functions' StartExecution quota. In AWS the quota is a
 * token bucket (800, refilled at 150/s), and 3,000 leads in 3 s ask for ~1,000 starts/s. The
 * local API is one process on a shared 2-core machine and takes 40-120 requests/s, so here
 * 3,000 leads would arrive over 25-75 s. Shrunk in proportion, the bucket would refill at ~7/s
 * and take minutes to drain; it is 80 tokens refilled at 30/s instead, below any rate the
 * intake reaches, so part of the burst is throttled on any machine. The refill rate is what
 * sets the test's length (everything has started after (leads - 80) / 30 s however fast the
 * machine is), so the suite posts 1,000 leads: 12 times the bucket, as 3,000 are almost 4
 * times AWS's 800, and about 30 s of throttled starts, which the start queue retries two or
 * three times each at the 15 s visibility below (the redrive allows ten). Every lead must
 * start its workflow exactly once, nothing lost: a 202 means the lead is in DynamoDB and its
 * start happened or is in the start queue. `BURST_LEADS=3000` runs the issue's burst
 * (about 100 s of draining).
 *
 * The test is about starts, so the executions are cheap: the functions' Step Functions client
 * talks to a second local SFN endpoint (the same code as the stack's, with the quota) whose
 * runner runs a one-state definition, as the intake benchmark does. The real sequence would
 * score and confirm each lead, which here would slow the API to ~15 requests/s.
 */
const LEADS = Number(process.env.BURST_LEADS ?? 1_000);
const QUOTA = { capacity: 80, refillPerSecond: 30 };

let stack: LocalStack;
let runner: LocalWorkflowRunner;
let sfn: RunningSfnEndpoint;

beforeAll(async () => {
  runner = new LocalWorkflowRunner({
    definition: { StartAt: 'Started', States: { Started: { Type: 'Succeed' } } },
    stateMachineArn: localStateMachineArn,
    timeScale: 1,
    resolveTask: () => async () => ({}),
  });
  sfn = await startSfnEndpoint(runner, { startQuota: QUOTA });
  stack = await startLocalStack({
    timeScale: 1,
    sfnEndpoint: () => sfn.url,
    // Starts the consumer could not make come back after 15 s instead of the template's 60:
    // ten receives (the redrive's limit) still span the whole burst and drain, as in AWS.
    queueVisibilitySeconds: 15,
    logLevel: 'ERROR',
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await runner?.idle();
  await sfn?.close();
});

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** Posts `count` distinct leads over `connections` keep-alive connections, as fast as the API answers. */
function burst(count: number, connections: number): Promise<{ statuses: Map<number, number>; leadIds: string[]; errors: number }> {
  const run = randomUUID().slice(0, 8);
  const statuses = new Map<number, number>();
  const leadIds: string[] = [];
  let n = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${stack.apiUrl}/leads`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections,
        amount: count,
        timeout: 60,
        requests: [
          {
            method: 'POST',
            // A domain per lead, as a real burst from many companies: scoring looks up the domain's history.
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: `wes.${n}@burst-${run}-${n++}.example`, name: 'Wes Warm', jobTitle: 'Office Manager', formId: 'pricing' }) }),
            onResponse: (status, body) => {
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              if (status === 202) leadIds.push((JSON.parse(body) as { leadId: string }).leadId);
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ statuses, leadIds, errors: result.errors + result.timeouts })),
    );
  });
}

async function executionNames(): Promise<string[]> {
  const client = new SFNClient({ ...local, endpoint: sfn.url });
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListExecutionsCommand({ stateMachineArn: localStateMachineArn, maxResults: 1000, nextToken }));
    names.push(...(page.executions ?? []).map((e) => e.name!));
    nextToken = page.nextToken;
  } while (nextToken);
  client.destroy();
  return names;
}

async function storedLeads(): Promise<Set<string>> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ ...local, endpoint: stack.dynamoUrl }));
  const ids = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: stack.tableName, FilterExpression: 'sk = :p', ExpressionAttributeValues: { ':p': 'PROFILE' }, ProjectionExpression: 'leadId', ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) ids.add(item.leadId as string);
    start = page.LastEvaluatedKey;
  } while (start);
  db.destroy();
  return ids;
}

async function queueDepth(queueUrl: string): Promise<{ waiting: number; inFlight: number }> {
  const sqs = new SQSClient({ ...local, endpoint: stack.sqsUrl });
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  sqs.destroy();
  return { waiting: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

describe(`${LEADS} leads posted at once, past the StartExecution quota (bucket ${QUOTA.capacity}, ${QUOTA.refillPerSecond}/s)`, () => {
  it('all get a 202 and start their workflow exactly once: throttled starts go through the start queue, which drains empty', async () => {
    const started = performance.now();
    const { statuses, leadIds, errors } = await burst(LEADS, 32);
    const burstMs = performance.now() - started;
    expect(errors).toBe(0);
    expect(Object.fromEntries(statuses)).toEqual({ 202: LEADS });
    expect(new Set(leadIds).size).toBe(LEADS);
    // Durable before the 202: every lead is in the table, whatever happened to its start.
    const stored = await storedLeads();
    for (const leadId of leadIds) expect(stored.has(leadId), leadId).toBe(true);
    const queuedDuringBurst = stack.startQueue.stats().sent;

    // Drained: every execution exists and the queue holds nothing, visible or in flight.
    let drainedMs: number | undefined;
    const deadline = performance.now() + 240_000;
    while (performance.now() < deadline) {
      const { visible, inFlight } = stack.startQueue.stats();
      // A dead letter would never start: stop waiting, the assertions below say what happened.
      if (visible === 0 && inFlight === 0 && runner.list().length + stack.startDeadLetterQueue.stats().sent >= LEADS) {
        drainedMs = performance.now() - started;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const queue = stack.startQueue.stats();
    const deadLetters = stack.startDeadLetterQueue.stats();
    console.log(
      `[start-burst] ${LEADS} leads: burst ${(burstMs / 1000).toFixed(1)} s (${Math.round(LEADS / (burstMs / 1000))} req/s); ` +
        `StartExecution throttled ${sfn.throttledStarts} times (SDK retries included); ` +
        `${queue.sent} starts queued (${queuedDuringBurst} by the end of the burst), ${queue.received} receives, ${queue.deleted} started from the queue; ` +
        `dead letters ${deadLetters.sent}; drained ${drainedMs === undefined ? 'NOT within 240 s' : `${(drainedMs / 1000).toFixed(1)} s after the first request (${((drainedMs - burstMs) / 1000).toFixed(1)} s after the last)`}`,
    );
    expect(drainedMs, 'the start queue drained').toBeDefined();

    // Exactly once: one execution per lead, named after it, none missing, none extra.
    const names = await executionNames();
    expect(names.length).toBe(LEADS);
    expect(new Set(names)).toEqual(new Set(leadIds));

    // The burst was past the quota: some starts were throttled and went through the queue.
    expect(sfn.throttledStarts).toBeGreaterThan(0);
    expect(queue.sent).toBeGreaterThan(0);
    expect(queue.deleted).toBe(queue.sent);
    expect(await queueDepth(stack.startQueue.url)).toEqual({ waiting: 0, inFlight: 0 });
    expect(await queueDepth(stack.startDeadLetterQueue.url)).toEqual({ waiting: 0, inFlight: 0 });
    expect(deadLetters.sent).toBe(0);
  }, 300_000);
});
