import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueuedStart } from '@adapters/sqs-start-queue';
import { systemClock } from '@domain/clock';
import { startQueuedLead } from '@domain/intake';
import { leadStore } from '@commons/lead-store';
import { logger } from '@commons/logger';
import { tracer } from '@commons/tracer';
import { workflowStarter } from '@commons/workflow-starter';

/** Left for one more start (with the SDK's backoff): below it, the rest of the batch is handed back untried. */
const TIME_FOR_A_START_MS = 3_000;

/** Execution names: what StartExecution accepts, and what intake's lead ids are. */
const LEAD_ID = /^[A-Za-z0-9_-]{1,80}$/;

function leadIdOf(record: SQSRecord): string | undefined {
  try {
    const { leadId } = JSON.parse(record.body) as Partial<QueuedStart>;
    return typeof leadId === 'string' && LEAD_ID.test(leadId) ? leadId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The start queue's consumer (SQS event source, partial batch responses): starts the sequence
 * of each lead whose start Step Functions would not take at intake, one at a time (the event
 * source's bounded concurrency keeps the rate well inside the start quota). Each message is
 * tried: handing back untried ones would spend their receive counts, and a throttled call
 * costs no quota. Failed messages come back after the queue's visibility timeout and, after
 * its maxReceiveCount, land in the dead-letter queue (alarmed). Only when the invocation is
 * about to time out are the last ones handed back untried: a timeout would fail them all.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => {
    const deps = { store: leadStore(), workflow: workflowStarter(), clock: systemClock };
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      const retry = () => batchItemFailures.push({ itemIdentifier: record.messageId });
      if (context.getRemainingTimeInMillis() < TIME_FOR_A_START_MS) {
        retry();
        continue;
      }
      const leadId = leadIdOf(record);
      if (!leadId) {
        // Never a message intake wrote: let it reach the dead-letter queue, where ops see it.
        logger.error('Start queue message without a lead id', { messageId: record.messageId });
        retry();
        continue;
      }
      logger.appendKeys({ leadId });
      try {
        const outcome = await startQueuedLead(deps, leadId, Number(record.attributes.ApproximateReceiveCount) || 1);
        if (outcome === 'lead-gone') logger.warn('Queued lead no longer exists (erased): nothing to start');
        else logger.info('Queued sequence started');
      } catch (error) {
        logger.warn('Queued start failed; the message comes back after the visibility timeout', { error: error as Error });
        retry();
      } finally {
        logger.removeKeys(['leadId']);
      }
    }
    return { batchItemFailures };
  });
