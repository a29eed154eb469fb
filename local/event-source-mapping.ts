import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Lambda's SQS event source mapping, played locally: `maxConcurrency` pollers each receive up to
 * `batchSize` messages (long polling), invoke the function with an SQS event, and delete what
 * it did not report as failed (`reportBatchItemFailures`); a function that throws fails the
 * whole batch. Failed messages come back after the queue's visibility timeout, and the queue
 * redrives them to its dead-letter queue after maxReceiveCount, as in AWS.
 */
export interface EventSourceMappingOptions {
  /** The SQS endpoint the poller talks to directly (never through a test's fault proxy). */
  sqsUrl: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  maxConcurrency: number;
  reportBatchItemFailures: boolean;
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  region?: string;
  /** Told of each batch's outcome (tests, logs). */
  onBatch?: (outcome: { received: number; failed: number; error?: unknown }) => void;
}

export interface RunningEventSourceMapping {
  /** Stops polling and waits for the batches in hand to finish. */
  close(): Promise<void>;
}

/** Long polls are short here so that close() is prompt; AWS's mapping waits up to 20 s. */
const WAIT_TIME_SECONDS = 1;

export function startEventSourceMapping(opts: EventSourceMappingOptions): RunningEventSourceMapping {
  const region = opts.region ?? 'us-east-1';
  const sqs = new SQSClient({ endpoint: opts.sqsUrl, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const stopping = new AbortController();
  let stopped = false;

  const toRecord = (message: Message): SQSEvent['Records'][number] => ({
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: message.Attributes?.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: opts.queueArn,
    awsRegion: region,
  });

  const poll = async () => {
    while (!stopped) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: opts.queueUrl,
            MaxNumberOfMessages: opts.batchSize,
            WaitTimeSeconds: WAIT_TIME_SECONDS,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: stopping.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (stopped) return;
        opts.onBatch?.({ received: 0, failed: 0, error });
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (messages.length === 0) continue;

      const records = messages.map(toRecord);
      let failedIds: Set<string>;
      let error: unknown;
      try {
        const response = await opts.invoke({ Records: records });
        failedIds = new Set(opts.reportBatchItemFailures ? (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : []);
      } catch (thrown) {
        // The whole batch comes back after the visibility timeout.
        error = thrown;
        failedIds = new Set(records.map((r) => r.messageId));
      }
      const done = records.filter((r) => !failedIds.has(r.messageId));
      if (done.length > 0) {
        // Deleted even while stopping: these were handled, and would only be handled again.
        await sqs
          .send(new DeleteMessageBatchCommand({ QueueUrl: opts.queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }))
          .catch((deleteError: unknown) => opts.onBatch?.({ received: records.length, failed: failedIds.size, error: deleteError }));
      }
      opts.onBatch?.({ received: records.length, failed: failedIds.size, ...(error !== undefined ? { error } : {}) });
    }
  };

  const pollers = Array.from({ length: Math.max(1, opts.maxConcurrency) }, () => poll());

  return {
    close: async () => {
      stopped = true;
      stopping.abort();
      await Promise.allSettled(pollers);
      sqs.destroy();
    },
  };
}
