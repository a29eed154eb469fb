import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '@domain/errors';
import type { StartQueue } from '@domain/ports';

/** The message the start-workflow function reads: the lead id only, the lead itself is in DynamoDB. */
export interface QueuedStart {
  leadId: string;
}

/** Starts that Step Functions would not take now, queued in SQS for the start-workflow function. */
export class SqsStartQueue implements StartQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(leadId: string): Promise<void> {
    const message: QueuedStart = { leadId };
    try {
      await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
    } catch (error) {
      throw new TransientError(`Could not queue the lead's start (${(error as { name?: string }).name ?? 'error'})`, { cause: error });
    }
  }
}
