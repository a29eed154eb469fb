import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import type { LocalStack } from '../../local/stack';

/** The lead store over the emulator, with the same adapter the handlers use. */
export function storeOf(stack: Pick<LocalStack, 'dynamoUrl' | 'tableName'> & { config?: LocalStack['config'] }) {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  return {
    leads: new DynamoDbLeadStore(client, stack.tableName, stack.config?.retentionDays ?? 400),
    /**
     * Every item in the table: to prove that a rejected request stored nothing. `digest: false`
     * leaves out the dashboard's digest (REPORT#...), whose items a new lead adds only on a new
     * day or part, to count what a request stored of the lead itself.
     */
    async itemCount(options: { digest?: boolean } = {}): Promise<number> {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: stack.tableName,
            ExclusiveStartKey: start,
            ...(options.digest === false ? { FilterExpression: 'NOT begins_with(pk, :report)', ExpressionAttributeValues: { ':report': 'REPORT#' } } : {}),
          }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },
  };
}
