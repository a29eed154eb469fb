import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SlackUserDirectory } from '@domain/ports';

/**
 * Slack member ids found by email, in the team's partition: `TEAM / SLACKUSER#<email>`. A
 * person's id never changes in a workspace, so it is kept without expiry; a stage config's
 * `slackUserId` takes precedence over it.
 */
const key = (email: string) => ({ pk: 'TEAM', sk: `SLACKUSER#${email.toLowerCase()}` });

export class DynamoDbSlackUsers implements SlackUserDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async keptSlackUserId(email: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(email), ProjectionExpression: 'slackUserId' }));
    return typeof Item?.slackUserId === 'string' ? Item.slackUserId : undefined;
  }

  async keepSlackUserId(email: string, slackUserId: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key(email), slackUserId } }));
  }
}
