import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Lead, WorkflowInput } from '@domain/lead';
import { followUpKey, type SequenceStep } from '@domain/sequence';

/**
 * In AWS a Standard execution outlives any machine; locally the executions live in the
 * `npm start` process. What does outlive it is the lead table, so on start the local stack
 * finds the leads whose sequence had not ended and runs their executions again from the top
 * with the original input. That is safe because every step is idempotent: a sent email is
 * claimed in the lead record and skipped, routing keeps the first owner, and a wait whose
 * timestamp has passed takes no time.
 */
export type UnfinishedLead = Pick<Lead, 'leadId' | 'submittedAt' | 'schedule' | 'steps' | 'status' | 'executionArn'>;

/** Leads still in their sequence: not closed, and not failed (a failed lead waits for a person). */
export async function findUnfinishedLeads(dynamoUrl: string, tableName: string): Promise<UnfinishedLead[]> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const leads: UnfinishedLead[] = [];
  try {
    let startKey: Record<string, unknown> | undefined;
    do {
      // A scan is fine on a laptop's table; in AWS nothing needs this.
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'sk = :profile AND attribute_not_exists(closedAt) AND #status <> :failed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':profile': 'PROFILE', ':failed': 'failed' },
          ProjectionExpression: 'leadId, submittedAt, schedule, steps, #status, executionArn',
          ExclusiveStartKey: startKey,
        }),
      );
      leads.push(...((page.Items ?? []) as UnfinishedLead[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    client.destroy();
  }
  // Oldest first, so the log reads in the order the leads came in.
  return leads.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
}

/** The execution input intake gave the lead's workflow: everything a re-run needs. */
export const workflowInputOf = (lead: UnfinishedLead): WorkflowInput => ({ leadId: lead.leadId, submittedAt: lead.submittedAt, schedule: lead.schedule });

/** When a step was due on the lead's schedule. */
function dueAt(lead: UnfinishedLead, step: SequenceStep): number | undefined {
  if (step === 'confirmation') return Date.parse(lead.submittedAt);
  if (step === 'hot-alert') return Date.parse(lead.schedule.hotAlertAt);
  const day = /^follow-up-(\d+)$/.exec(step)?.[1];
  const at = day === undefined ? undefined : lead.schedule.followUps[followUpKey(Number(day))];
  return at === undefined ? undefined : Date.parse(at);
}

/**
 * Where the lead's simulated clock had got to, as far as the record tells: the due time of
 * the latest step it was sent (the clock stopped somewhere after it). Resuming there keeps the
 * sequence's timing: a lead stopped after its day-3 follow-up waits four simulated days for
 * day 7, not seven again from a clock that restarted at submission.
 */
export function resumeInstant(lead: UnfinishedLead): { at: number; after?: SequenceStep } {
  let latest: { at: number; after?: SequenceStep } = { at: Date.parse(lead.submittedAt) };
  for (const [step, record] of Object.entries(lead.steps ?? {}) as Array<[SequenceStep, { status: string }]>) {
    if (record?.status !== 'sent') continue;
    const at = dueAt(lead, step);
    if (at !== undefined && at >= latest.at) latest = { at, after: step };
  }
  return latest;
}
