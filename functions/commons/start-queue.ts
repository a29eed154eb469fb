import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsStartQueue } from '@adapters/sqs-start-queue';
import type { StartQueue } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let queue: StartQueue | undefined;

/** The queue of starts Step Functions would not take now; only intake sends to it. */
export function startQueue(): StartQueue {
  queue ??= new SqsStartQueue(tracer.captureAWSv3Client(new SQSClient({})), config().START_QUEUE_URL ?? '');
  return queue;
}
