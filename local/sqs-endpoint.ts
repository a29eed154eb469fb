import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsJsonError, requireString, startAwsJsonEndpoint } from './aws-json-endpoint';
import type { RunningEndpoint } from './aws-json-endpoint';

/**
 * The slice of SQS the product uses, for standard queues: SendMessage(Batch), ReceiveMessage
 * with long polling, DeleteMessage(Batch), ChangeMessageVisibility, GetQueueAttributes and
 * GetQueueUrl, over the AWS JSON 1.0 protocol that @aws-sdk/client-sqs speaks
 * (`X-Amz-Target: AmazonSQS.<Operation>`). Visibility timeouts, receive counts and the redrive
 * to a dead-letter queue after `maxReceiveCount` behave as in SQS. Messages are kept in
 * memory, or also in an append-only file when `persistPath` is given, written before each
 * answer, so a restart keeps what was queued (in-flight messages are visible again then, as
 * their consumer is gone).
 */

export interface QueueDefinition {
  name: string;
  visibilityTimeoutSeconds: number;
  /** Default: 4 days, as SQS. */
  retentionSeconds?: number;
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
}

export interface QueueStats {
  /** Messages sent to the queue (a redriven message counts on its dead-letter queue). */
  sent: number;
  /** Receives, including each redelivery. */
  received: number;
  deleted: number;
  /** Moved to the dead-letter queue after maxReceiveCount receives. */
  deadLettered: number;
  visible: number;
  inFlight: number;
}

export interface RunningSqsEndpoint extends RunningEndpoint {
  /** The URL of a queue, on this endpoint's origin or on `origin` (a proxy in front of it). */
  queueUrl(name: string, origin?: string): string;
  stats(name: string): QueueStats;
}

export interface SqsEndpointOptions {
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Keep messages in this file across restarts (in memory only when absent). */
  persistPath?: string;
}

interface Message {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Epoch ms from which a receive may return it. */
  visibleAt: number;
  /** The latest receive's handle; older handles no longer delete or change it. */
  receiptHandle?: string;
}

interface Queue {
  definition: QueueDefinition;
  arn: string;
  createdAt: number;
  /** In send order: receives take the oldest visible first (SQS only tries to). */
  messages: Map<string, Message>;
  counts: Omit<QueueStats, 'visible' | 'inFlight'>;
}

/** One line of the persistence log. */
type LogEntry =
  | { op: 'send'; queue: string; id: string; body: string; sentAt: number; receiveCount?: number }
  | { op: 'receive'; queue: string; id: string }
  | { op: 'delete'; queue: string; id: string }
  | { op: 'move'; queue: string; to: string; id: string };

const MAX_BODY_BYTES = 256 * 1024;
const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
const POLL_MS = 25;

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const invalid = (message: string) => new AwsJsonError('InvalidParameterValue', message);

export async function startSqsEndpoint(definitions: QueueDefinition[], opts: SqsEndpointOptions = {}): Promise<RunningSqsEndpoint> {
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';
  const queues = new Map<string, Queue>();
  for (const definition of definitions) {
    queues.set(definition.name, {
      definition,
      arn: `arn:aws:sqs:${region}:${accountId}:${definition.name}`,
      createdAt: Date.now(),
      messages: new Map(),
      counts: { sent: 0, received: 0, deleted: 0, deadLettered: 0 },
    });
  }
  for (const { name, redrive } of definitions) {
    if (redrive && !queues.has(redrive.deadLetterQueue)) throw new Error(`Queue ${name}: dead-letter queue ${redrive.deadLetterQueue} is not defined`);
  }

  const log = opts.persistPath ? openLog(opts.persistPath, queues) : undefined;
  let closed = false;

  const queueOf = (body: Record<string, unknown>): Queue => {
    const url = requireString(body, 'QueueUrl');
    // The name is the URL's last segment, whatever host it names (the endpoint, or a proxy).
    const queue = queues.get(url.replace(/\/+$/, '').split('/').pop() ?? '');
    if (!queue) throw new AwsJsonError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  };

  const send = (queue: Queue, body: unknown, delaySeconds: unknown) => {
    if (typeof body !== 'string' || body === '') throw invalid('The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw invalid(`One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`);
    const delay = delaySeconds === undefined ? 0 : Number(delaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) throw invalid('DelaySeconds must be between 0 and 900.');
    const now = Date.now();
    const message: Message = { id: randomUUID(), body, md5: md5(body), sentAt: now, receiveCount: 0, visibleAt: now + delay * 1000 };
    log?.write({ op: 'send', queue: queue.definition.name, id: message.id, body, sentAt: now });
    queue.messages.set(message.id, message);
    queue.counts.sent += 1;
    return message;
  };

  /** Takes up to `max` visible messages, redriving those received too often; empty when none. */
  const take = (queue: Queue, max: number, visibilitySeconds: number) => {
    const now = Date.now();
    const retentionMs = (queue.definition.retentionSeconds ?? 4 * 86_400) * 1000;
    const taken: Message[] = [];
    for (const message of queue.messages.values()) {
      if (taken.length >= max) break;
      if (message.sentAt + retentionMs <= now) {
        // Past the retention period: SQS deletes it.
        log?.write({ op: 'delete', queue: queue.definition.name, id: message.id });
        queue.messages.delete(message.id);
        continue;
      }
      if (message.visibleAt > now) continue;
      const redrive = queue.definition.redrive;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        const target = queues.get(redrive.deadLetterQueue)!;
        log?.write({ op: 'move', queue: queue.definition.name, to: target.definition.name, id: message.id });
        queue.messages.delete(message.id);
        queue.counts.deadLettered += 1;
        target.messages.set(message.id, { ...message, receiveCount: 0, visibleAt: now, receiptHandle: undefined, firstReceivedAt: undefined });
        target.counts.sent += 1;
        continue;
      }
      log?.write({ op: 'receive', queue: queue.definition.name, id: message.id });
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receiptHandle = Buffer.from(`${queue.definition.name}\n${message.id}\n${randomBytes(9).toString('base64url')}`).toString('base64url');
      queue.counts.received += 1;
      taken.push(message);
    }
    return taken;
  };

  /** The in-flight message a receipt handle names, or why not. */
  const byHandle = (queue: Queue, handle: string): { message?: Message; problem?: 'invalid' | 'stale' } => {
    const [name, id] = Buffer.from(handle, 'base64url').toString('utf8').split('\n');
    if (name !== queue.definition.name || !id) return { problem: 'invalid' };
    const message = queue.messages.get(id);
    // Deleted already, or received again since (a newer handle): SQS answers success and does nothing.
    if (!message || message.receiptHandle !== handle) return { problem: 'stale' };
    return { message };
  };

  const remove = (queue: Queue, handle: unknown) => {
    if (typeof handle !== 'string' || handle === '') throw new AwsJsonError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
    const { message, problem } = byHandle(queue, handle);
    if (problem === 'invalid') throw new AwsJsonError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
    if (!message) return;
    log?.write({ op: 'delete', queue: queue.definition.name, id: message.id });
    queue.messages.delete(message.id);
    queue.counts.deleted += 1;
  };

  const visibilityOf = (value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    const seconds = Number(value);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) throw invalid(`VisibilityTimeout must be between 0 and ${MAX_VISIBILITY_SECONDS}.`);
    return seconds;
  };

  const batchEntries = (body: Record<string, unknown>, member: string): Array<Record<string, unknown>> => {
    const entries = body[member];
    if (!Array.isArray(entries) || entries.length === 0) throw new AwsJsonError('EmptyBatchRequest', 'There should be at least one entry in the request.');
    if (entries.length > 10) throw new AwsJsonError('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
    const ids = entries.map((entry) => (entry as { Id?: unknown }).Id);
    if (ids.some((id) => typeof id !== 'string' || !/^[\w-]{1,80}$/.test(id))) throw new AwsJsonError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores.');
    if (new Set(ids).size !== ids.length) throw new AwsJsonError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    return entries as Array<Record<string, unknown>>;
  };

  /** Per-entry failures are answered in `Failed`, as SQS does, not as an error of the call. */
  const eachEntry = <T>(entries: Array<Record<string, unknown>>, run: (entry: Record<string, unknown>) => T) => {
    const Successful: T[] = [];
    const Failed: Array<Record<string, unknown>> = [];
    for (const entry of entries) {
      try {
        Successful.push(run(entry));
      } catch (error) {
        if (!(error instanceof AwsJsonError)) throw error;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: error.name, Message: error.message });
      }
    }
    return { Successful, Failed };
  };

  const endpoint = await startAwsJsonEndpoint({
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    port: opts.port,
    host: opts.host,
    operations: {
      GetQueueUrl: (body) => {
        const name = requireString(body, 'QueueName');
        if (!queues.has(name)) throw new AwsJsonError('QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: queueUrl(name) };
      },

      SendMessage: (body) => {
        const message = send(queueOf(body), body.MessageBody, body.DelaySeconds);
        return { MessageId: message.id, MD5OfMessageBody: message.md5 };
      },

      SendMessageBatch: (body) => {
        const queue = queueOf(body);
        return eachEntry(batchEntries(body, 'Entries'), (entry) => {
          const message = send(queue, entry.MessageBody, entry.DelaySeconds);
          return { Id: entry.Id, MessageId: message.id, MD5OfMessageBody: message.md5 };
        });
      },

      ReceiveMessage: async (body) => {
        const queue = queueOf(body);
        const max = body.MaxNumberOfMessages === undefined ? 1 : Number(body.MaxNumberOfMessages);
        if (!Number.isInteger(max) || max < 1 || max > 10) throw invalid('Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.');
        const wait = body.WaitTimeSeconds === undefined ? 0 : Number(body.WaitTimeSeconds);
        if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) throw invalid(`WaitTimeSeconds must be between 0 and ${MAX_WAIT_SECONDS}.`);
        const visibility = visibilityOf(body.VisibilityTimeout, queue.definition.visibilityTimeoutSeconds);
        // Long polling: answer as soon as something is visible, or when the wait ends.
        const until = Date.now() + wait * 1000;
        let taken = take(queue, max, visibility);
        while (taken.length === 0 && !closed && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, until - Date.now())));
          taken = take(queue, max, visibility);
        }
        return {
          Messages: taken.map((message) => ({
            MessageId: message.id,
            ReceiptHandle: message.receiptHandle,
            MD5OfBody: message.md5,
            Body: message.body,
            Attributes: {
              ApproximateReceiveCount: String(message.receiveCount),
              SentTimestamp: String(message.sentAt),
              ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
              SenderId: accountId,
            },
          })),
        };
      },

      DeleteMessage: (body) => {
        remove(queueOf(body), body.ReceiptHandle);
        return {};
      },

      DeleteMessageBatch: (body) => {
        const queue = queueOf(body);
        return eachEntry(batchEntries(body, 'Entries'), (entry) => {
          remove(queue, entry.ReceiptHandle);
          return { Id: entry.Id };
        });
      },

      ChangeMessageVisibility: (body) => {
        const queue = queueOf(body);
        const handle = requireString(body, 'ReceiptHandle');
        const { message, problem } = byHandle(queue, handle);
        if (problem === 'invalid') throw new AwsJsonError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
        if (!message || message.visibleAt <= Date.now()) throw new AwsJsonError('MessageNotInflight', 'The message referred to is not in flight.');
        message.visibleAt = Date.now() + visibilityOf(body.VisibilityTimeout ?? -1, 0) * 1000;
        return {};
      },

      GetQueueAttributes: (body) => {
        const queue = queueOf(body);
        const wanted = Array.isArray(body.AttributeNames) ? (body.AttributeNames as string[]) : ['All'];
        const { visible, inFlight } = depth(queue);
        const { definition } = queue;
        const all: Record<string, string> = {
          QueueArn: queue.arn,
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(inFlight),
          ApproximateNumberOfMessagesDelayed: '0',
          VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(definition.retentionSeconds ?? 4 * 86_400),
          CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
          ...(definition.redrive
            ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queues.get(definition.redrive.deadLetterQueue)!.arn, maxReceiveCount: definition.redrive.maxReceiveCount }) }
            : {}),
        };
        const Attributes = wanted.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([name]) => wanted.includes(name)));
        return { Attributes };
      },
    },
  });

  const queueUrl = (name: string, origin = endpoint.url) => `${origin.replace(/\/+$/, '')}/${accountId}/${name}`;
  const depth = (queue: Queue) => {
    const now = Date.now();
    let visible = 0;
    for (const message of queue.messages.values()) if (message.visibleAt <= now) visible += 1;
    return { visible, inFlight: queue.messages.size - visible };
  };

  return {
    url: endpoint.url,
    queueUrl: (name, origin) => {
      if (!queues.has(name)) throw new Error(`No local queue ${name}`);
      return queueUrl(name, origin);
    },
    stats: (name) => {
      const queue = queues.get(name);
      if (!queue) throw new Error(`No local queue ${name}`);
      return { ...queue.counts, ...depth(queue) };
    },
    close: async () => {
      closed = true;
      await endpoint.close();
      log?.close();
    },
  };
}

/**
 * The persistence log: replayed into the queues on open, then rewritten with only what is
 * still queued (so it does not grow across restarts), then appended to, synchronously, before
 * each answer that changed a queue.
 */
function openLog(path: string, queues: Map<string, Queue>): { write(entry: LogEntry): void; close(): void } {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        // A line cut short by a crash: what came before it is intact.
        continue;
      }
      replay(entry, queues);
    }
  }
  const snapshot = [...queues.values()].flatMap((queue) =>
    [...queue.messages.values()].map((m) => JSON.stringify({ op: 'send', queue: queue.definition.name, id: m.id, body: m.body, sentAt: m.sentAt, receiveCount: m.receiveCount } satisfies LogEntry)),
  );
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, snapshot.length ? `${snapshot.join('\n')}\n` : '');
  renameSync(temporary, path);
  const fd = openSync(path, 'a');
  let open = true;
  return {
    write: (entry) => {
      if (open) writeSync(fd, `${JSON.stringify(entry)}\n`);
    },
    close: () => {
      if (!open) return;
      open = false;
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

function replay(entry: LogEntry, queues: Map<string, Queue>): void {
  const queue = queues.get(entry.queue);
  // A queue no longer in the template: its messages have nowhere to go.
  if (!queue) return;
  switch (entry.op) {
    case 'send':
      queue.messages.set(entry.id, { id: entry.id, body: entry.body, md5: md5(entry.body), sentAt: entry.sentAt, receiveCount: entry.receiveCount ?? 0, visibleAt: 0 });
      break;
    case 'receive': {
      const message = queue.messages.get(entry.id);
      if (message) message.receiveCount += 1;
      break;
    }
    case 'delete':
      queue.messages.delete(entry.id);
      break;
    case 'move': {
      const message = queue.messages.get(entry.id);
      const target = queues.get(entry.to);
      queue.messages.delete(entry.id);
      if (message && target) target.messages.set(entry.id, { ...message, receiveCount: 0, visibleAt: 0 });
      break;
    }
  }
}
