import { type DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Every page of a query on the table or one of its indexes, through the SDK's own paginator. */
export async function queryAll(db: DynamoDBDocumentClient, tableName: string, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: db }, { ...input, TableName: tableName })) items.push(...(page.Items ?? []));
  return items;
}
