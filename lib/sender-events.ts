import { Duration } from 'aws-cdk-lib';
import type { IRuleTarget } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';

/**
 * How SES's bounce and complaint events reach the sender-events function, and where one goes
 * that cannot be recorded. Two services retry, each for its own failure:
 * - EventBridge, when it cannot hand the event to Lambda (throttled, function missing, no
 *   permission): `retryAttempts` over `maxEventAge`, then its target's dead-letter queue gets
 *   the event as it came.
 * - Lambda, when the function fails on an event it accepted (EventBridge invokes
 *   asynchronously, so EventBridge's part ends at Lambda's 202): the function's
 *   EventInvokeConfig retries it (`retryAttempts`, `maxEventAge`), then its on-failure
 *   destination gets Lambda's invocation record, the event under `requestPayload`.
 * Both land in one queue, alarmed; `npm run redrive-sender-events` hands each back to the
 * function. The local stack reads the same settings from the template.
 */
export const senderEventsDelivery = {
  rule: { retryAttempts: 8, maxEventAge: Duration.hours(24) },
  /** Lambda's own defaults, stated: three tries over about three minutes, within SES's event lifetime. */
  function: { retryAttempts: 2, maxEventAge: Duration.hours(6) },
  /** SQS's longest: two weeks to notice the alarm and fix the cause. */
  retention: Duration.days(14),
} as const;

export class SenderEventsDelivery extends Construct {
  /** Bounce and complaint events that could not be recorded: as EventBridge sent them, or in Lambda's on-failure record. */
  readonly deadLetterQueue: Queue;
  /** The rule's target: the function, with EventBridge's retries and dead-letter queue. */
  readonly target: IRuleTarget;

  constructor(scope: Construct, id: string, props: { fn: IFunction }) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: senderEventsDelivery.retention,
    });
    acknowledgeNag(this.deadLetterQueue, 'SQS3', 'This queue is the dead-letter queue of an EventBridge target and a Lambda on-failure destination, which cdk-nag does not recognize as dead-letter use.');
    // Lambda sends the record as the function's role, which needs only SendMessage (SqsDestination would also grant GetQueueAttributes and GetQueueUrl).
    const onFailure: IDestination = { bind: () => ({ destination: this.deadLetterQueue.queueArn }) };
    props.fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    props.fn.configureAsyncInvoke({ ...senderEventsDelivery.function, onFailure });
    this.target = new LambdaFunction(props.fn, { ...senderEventsDelivery.rule, deadLetterQueue: this.deadLetterQueue });
  }
}
