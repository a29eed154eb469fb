import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import type { Lead } from '@domain/lead';
import type { LeadStore } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let store: DynamoDbLeadStore | undefined;

/** One client per container, reused across invocations; the endpoint comes from the SDK's standard variables. */
function dynamoDbLeadStore(): DynamoDbLeadStore {
  store ??= new DynamoDbLeadStore(
    DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), { marshallOptions: { removeUndefinedValues: true } }),
    config().TABLE_NAME,
    config().RETENTION_DAYS,
  );
  return store;
}

export const leadStore = (): LeadStore => dynamoDbLeadStore();

/** What the team app reads: a rep's leads (byOwner), a period's leads (byDay), a lead and its timeline. */
export interface LeadReads extends Pick<LeadStore, 'getLead' | 'listEvents'> {
  leadsOwnedBy(repId: string, range: { from: string; to: string }): Promise<Lead[]>;
  leadsSubmittedOn(day: string): Promise<Lead[]>;
}

export const leadReads = (): LeadReads => dynamoDbLeadStore();
