import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import type { LeadStore } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let store: LeadStore | undefined;

/** One client per container, reused across invocations; the endpoint comes from the SDK's standard variables. */
export function leadStore(): LeadStore {
  store ??= new DynamoDbLeadStore(
    DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), { marshallOptions: { removeUndefinedValues: true } }),
    config().TABLE_NAME,
    config().RETENTION_DAYS,
  );
  return store;
}
