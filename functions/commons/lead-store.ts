import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import type { MeetingBook } from '@domain/booking';
import type { LeadsByEmail } from '@domain/crm-inbound';
import type { LeadStore } from '@domain/ports';
import type { LeadsByOwner } from '@domain/queue';
import type { ReportRecordsByDay } from '@domain/reports';
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

/** What a CRM's webhook needs besides: finding a lead by the email the CRM has. */
export const crmLeadStore = (): LeadStore & LeadsByEmail => dynamoDbLeadStore();

/** What a booking webhook needs besides: keeping the lead's meeting. */
export const bookingLeadStore = (): LeadStore & MeetingBook => dynamoDbLeadStore();

/** What the team app reads: a rep's leads (byOwner), a period's report records (the digest), a lead and its timeline. */
export interface LeadReads extends Pick<LeadStore, 'getLead' | 'listEvents'>, LeadsByOwner, ReportRecordsByDay {}

export const leadReads = (): LeadReads => dynamoDbLeadStore();
