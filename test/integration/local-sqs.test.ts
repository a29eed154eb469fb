import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSfnEndpoint } from '../../local/sfn-endpoint';
import { type QueueDefinition, type RunningSqsEndpoint, startSqsEndpoint } from '../../local/sqs-endpoint';
import { LocalWorkflowRunner } from '../../local/workflow-runner';

/** The local SQS and the StartExecution quota, through the real SDK clients. */
const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const queues: QueueDefinition[] = [
  { name: 'starts', visibilityTimeoutSeconds: 30, redrive: { deadLetterQueue: 'dead', maxReceiveCount: 2 } },
  { name: 'dead', visibilityTimeoutSeconds: 30 },
  { name: 'plain', visibilityTimeoutSeconds: 30 },
];

let sqs: RunningSqsEndpoint;
let client: SQSClient;
let url: (name: string) => string;

beforeAll(async () => {
  sqs = await startSqsEndpoint(queues);
  client = new SQSClient({ ...local, endpoint: sqs.url });
  url = (name) => sqs.queueUrl(name);
});

afterAll(async () => {
  client?.destroy();
  await sqs?.close();
});

/** Empties both queues between tests. */
afterEach(async () => {
  for (const name of queues.map((q) => q.name)) {
    for (;;) {
      const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: url(name), MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
      if (Messages.length === 0) break;
      for (const m of Messages) await client.send(new DeleteMessageCommand({ QueueUrl: url(name), ReceiptHandle: m.ReceiptHandle }));
    }
  }
});

const receive = (name: string, extra: { VisibilityTimeout?: number; WaitTimeSeconds?: number; MaxNumberOfMessages?: number } = {}) =>
  client.send(new ReceiveMessageCommand({ QueueUrl: url(name), MessageSystemAttributeNames: ['All'], ...extra })).then((r) => r.Messages ?? []);

describe('the local SQS', () => {
  it('sends, receives (the SDK checks the MD5s) and deletes; a received message is invisible until deleted', async () => {
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url('starts'), MessageBody: '{"leadId":"a"}' }));
    expect(sent.MessageId).toBeDefined();
    const [message] = await receive('starts');
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: '{"leadId":"a"}', Attributes: { ApproximateReceiveCount: '1' } });
    expect(await receive('starts')).toEqual([]);
    await client.send(new DeleteMessageCommand({ QueueUrl: url('starts'), ReceiptHandle: message!.ReceiptHandle }));
    expect(sqs.stats('starts')).toMatchObject({ sent: 1, received: 1, deleted: 1, visible: 0, inFlight: 0 });
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'starts' }));
    expect(QueueUrl).toBe(url('starts'));
  });

  it('brings a message back after its visibility timeout, counting receives; ChangeMessageVisibility moves that moment', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: url('plain'), MessageBody: 'b' }));
    const [first] = await receive('plain', { VisibilityTimeout: 1 });
    expect(await receive('plain')).toEqual([]);
    const [second] = await receive('plain', { WaitTimeSeconds: 3, VisibilityTimeout: 30 });
    expect(second).toMatchObject({ MessageId: first!.MessageId, Attributes: { ApproximateReceiveCount: '2' } });
    // The older handle no longer deletes it (SQS answers success and does nothing).
    await client.send(new DeleteMessageCommand({ QueueUrl: url('plain'), ReceiptHandle: first!.ReceiptHandle }));
    expect(sqs.stats('plain')).toMatchObject({ inFlight: 1 });
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url('plain'), ReceiptHandle: second!.ReceiptHandle, VisibilityTimeout: 0 }));
    expect((await receive('plain'))[0]).toMatchObject({ MessageId: first!.MessageId, Attributes: { ApproximateReceiveCount: '3' } });
  });

  it('redrives a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const deadLettered = sqs.stats('starts').deadLettered;
    await client.send(new SendMessageCommand({ QueueUrl: url('starts'), MessageBody: 'poison' }));
    for (let i = 1; i <= 2; i++) expect((await receive('starts', { VisibilityTimeout: 0 }))[0]?.Attributes?.ApproximateReceiveCount).toBe(String(i));
    expect(await receive('starts', { VisibilityTimeout: 0 })).toEqual([]);
    const [dead] = await receive('dead');
    expect(dead?.Body).toBe('poison');
    expect(sqs.stats('starts').deadLettered).toBe(deadLettered + 1);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url('starts'), AttributeNames: ['All'] }));
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dead', maxReceiveCount: 2 });
  });

  it('answers a long poll as soon as a message arrives, and takes batches', async () => {
    const polling = receive('starts', { WaitTimeSeconds: 10, MaxNumberOfMessages: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const batch = await client.send(new SendMessageBatchCommand({ QueueUrl: url('starts'), Entries: ['1', '2', '3'].map((id) => ({ Id: id, MessageBody: `m${id}` })) }));
    expect(batch.Successful).toHaveLength(3);
    const first = await polling;
    const rest = await receive('starts', { MaxNumberOfMessages: 10 });
    const all = [...first, ...rest];
    expect(all.map((m) => m.Body).sort()).toEqual(['m1', 'm2', 'm3']);
    const deleted = await client.send(new DeleteMessageBatchCommand({ QueueUrl: url('starts'), Entries: all.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    expect(deleted.Successful).toHaveLength(3);
  });

  it('refuses unknown queues and bad receipt handles with the errors the SDK knows', async () => {
    await expect(client.send(new SendMessageCommand({ QueueUrl: `${sqs.url}/000000000000/nope`, MessageBody: 'x' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(client.send(new DeleteMessageCommand({ QueueUrl: url('starts'), ReceiptHandle: 'garbage' }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(client.send(new ReceiveMessageCommand({ QueueUrl: url('starts'), MaxNumberOfMessages: 11 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('keeps queued messages and their receive counts across a restart when given a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-sqs-'));
    const persistPath = join(dir, 'queues.jsonl');
    try {
      const before = await startSqsEndpoint(queues, { persistPath });
      const c1 = new SQSClient({ ...local, endpoint: before.url });
      for (const body of ['kept', 'received-once', 'deleted']) await c1.send(new SendMessageCommand({ QueueUrl: before.queueUrl('starts'), MessageBody: body }));
      const received = (await c1.send(new ReceiveMessageCommand({ QueueUrl: before.queueUrl('starts'), MaxNumberOfMessages: 10, VisibilityTimeout: 300 }))).Messages!;
      for (const m of received.filter((m) => m.Body === 'deleted')) await c1.send(new DeleteMessageCommand({ QueueUrl: before.queueUrl('starts'), ReceiptHandle: m.ReceiptHandle }));
      c1.destroy();
      await before.close();

      const after = await startSqsEndpoint(queues, { persistPath });
      const c2 = new SQSClient({ ...local, endpoint: after.url });
      // In-flight messages are visible again: their consumer went with the process.
      const back = (await c2.send(new ReceiveMessageCommand({ QueueUrl: after.queueUrl('starts'), MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }))).Messages!;
      expect(back.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]).sort()).toEqual([['kept', '2'], ['received-once', '2']]);
      c2.destroy();
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the local Step Functions' StartExecution quota", () => {
  it('refuses starts past the bucket with ThrottlingException (HTTP 400), as AWS does', async () => {
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:quota-test';
    const runner = new LocalWorkflowRunner({ definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, stateMachineArn, timeScale: 1, resolveTask: () => async () => ({}) });
    const sfn = await startSfnEndpoint(runner, { startQuota: { capacity: 2, refillPerSecond: 0 } });
    // One attempt: the SDK would otherwise retry the throttled call, as it does in AWS.
    const sfnClient = new SFNClient({ ...local, endpoint: sfn.url, maxAttempts: 1 });
    try {
      for (const name of ['one', 'two']) await sfnClient.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' }));
      const refused = await sfnClient.send(new StartExecutionCommand({ stateMachineArn, name: 'three', input: '{}' })).catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      expect(sfn.throttledStarts).toBe(1);
      expect(runner.list().map((e) => e.name).sort()).toEqual(['one', 'two']);
    } finally {
      sfnClient.destroy();
      await runner.idle();
      await sfn.close();
    }
  });
});
