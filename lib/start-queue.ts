import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * How the start queue is tuned; the local stack reads the same values from the template.
 * A message that fails `maxReceiveCount` times, a minute apart, has been retried through about
 * ten minutes of throttling: past that something is wrong, and the dead-letter queue alarms.
 */
export const startQueueSettings = {
  /** The consumer's Lambda timeout; the queue's visibility timeout is six times it, as AWS advises for SQS event sources. */
  consumerTimeout: Duration.seconds(10),
  maxReceiveCount: 10,
  /** Starts per invocation, one after another. */
  batchSize: 10,
  /** Concurrent invocations: two batches at a time leave most of Step Functions' start quota to intake. */
  maxConcurrency: 2,
} as const;

/**
 * Durable retries for workflow starts that Step Functions throttles in a burst (its
 * StartExecution quota is a token bucket: 800 and 150/s in most regions). Intake queues the
 * lead id, the lead already being in DynamoDB; the start-workflow function starts it later.
 */
export class StartQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const retention = Duration.days(14);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: retention,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: retention,
      visibilityTimeout: Duration.seconds(startQueueSettings.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: startQueueSettings.maxReceiveCount },
    });
  }
}
