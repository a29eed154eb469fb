import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { runIfMain, UsageError } from './ops-cli';

/**
 * `npm run redrive-sender-events -- --queue-url <url> --function <name>`: hands each SES
 * bounce or complaint event in the sender-events dead-letter queue back to the function,
 * once the cause of the failures is fixed. SQS's own redrive (StartMessageMoveTask) moves
 * messages only to another queue, and the function reads no queue, so this invokes it, one
 * event at a time, synchronously: a message is deleted only after the function recorded its
 * event. One that fails again stays (invisible for two minutes, then visible and alarmed).
 *
 * The queue holds two shapes: EventBridge's dead letters are the event as it came, and
 * Lambda's on-failure records carry it under `requestPayload`. Both stack outputs name what
 * to pass (SenderEventsDeadLetterQueueUrl, SenderEventsFunctionName); endpoints come from the
 * SDK's usual variables (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SQS / _LAMBDA locally).
 */
const USAGE = 'Usage: npm run redrive-sender-events -- --queue-url <SenderEventsDeadLetterQueueUrl> --function <SenderEventsFunctionName> [--region <region>]';

/** Seconds a message being redriven stays invisible to anyone else (and a failed one before it shows again). */
const IN_FLIGHT_SECONDS = 120;

/** The EventBridge event a dead letter holds, or undefined when the body is not one. */
export function eventOf(body: string | undefined): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as { requestContext?: { functionArn?: unknown }; requestPayload?: unknown };
  // Lambda's on-failure record: the event is its requestPayload.
  if (record.requestContext && typeof record.requestContext.functionArn === 'string' && 'requestPayload' in record) return record.requestPayload;
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'queue-url': { type: 'string' }, function: { type: 'string' }, region: { type: 'string' } } });
  const queueUrl = values['queue-url'];
  const functionName = values.function;
  if (!queueUrl || !functionName) throw new UsageError(USAGE);
  const region = values.region ? { region: values.region } : {};
  const sqs = new SQSClient(region);
  const lambda = new LambdaClient(region);
  let redriven = 0;
  const failed: string[] = [];
  const seen = new Set<string>();
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: IN_FLIGHT_SECONDS }));
      // Empty, or only messages this run already failed on (back after their visibility timeout).
      const fresh = Messages.filter((message) => !seen.has(message.MessageId!));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.MessageId!);
        const event = eventOf(message.Body);
        if (event === undefined) {
          failed.push(`${message.MessageId}: not an event (the body is not a JSON object)`);
          continue;
        }
        const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }));
        if (answer.FunctionError) {
          const error = JSON.parse(Buffer.from(answer.Payload ?? []).toString('utf8') || '{}') as { errorType?: string; errorMessage?: string };
          failed.push(`${message.MessageId}: ${error.errorType ?? answer.FunctionError}: ${error.errorMessage ?? ''}`.trim());
          continue;
        }
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        redriven += 1;
      }
    }
  } finally {
    sqs.destroy();
    lambda.destroy();
  }
  console.log(`Redrove ${redriven} event(s) to ${functionName}${failed.length ? `; ${failed.length} failed again and stay in the queue:` : '; none failed.'}`);
  for (const line of failed) console.log(`  ${line}`);
  if (failed.length) process.exitCode = 1;
}

await runIfMain(import.meta.url, main);
