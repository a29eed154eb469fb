import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '@adapters/dynamodb-query';
import { TeamChanged } from '@domain/errors';
import type { TeamStore } from '@domain/ports';
import { rosterOf, type TeamRep, TeamRepSchema } from '@domain/team';
import type { TeamChange } from '@domain/team-app';

/**
 * The team in the lead table:
 *   TEAM / REP#<id>                           a rep's settings (pools, weight, cap, away), with `version`
 *   TEAM / CHANGE#<iso>#<repId>#<version>     the audit trail, one item per saved change
 *   REPDAY#<day> / REP#<repId>                leads routed to the rep that UTC day (`leads`), TTL
 *
 * Why one TEAM partition rather than `REP#<id> / PROFILE`: routing reads the whole team for
 * every lead, and here that is one Query (a partition per rep would need a Scan, or a
 * BatchGetItem of ids that only the config knows); the audit sorts newest first in the same
 * partition. The version in the audit key makes two changes of one rep in the same millisecond
 * two entries. A day's counts share a partition for the same reason: the team page and routing
 * read every rep's count for today in one Query, not in BatchGetItem chunks of 100.
 */
const TEAM = 'TEAM';
const repKey = (repId: string) => ({ pk: TEAM, sk: `REP#${repId}` });
const dayKey = (day: string, repId: string) => ({ pk: `REPDAY#${day}`, sk: `REP#${repId}` });
/** Days a day's counts are kept after it ends: the team page shows today's only. */
const COUNT_KEPT_DAYS = 2;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

export interface TeamSeed {
  /** The stage config's reps as team members (teamFromConfig). */
  reps: readonly TeamRep[];
  /** The stage config's pools: a stored pool the config dropped is dropped from the rep. */
  pools: readonly string[];
}

export class DynamoDbTeamStore implements TeamStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly seed: () => TeamSeed,
  ) {}

  /**
   * Seeds on first read, not from a deploy-time custom resource: the first function to read a
   * team the table does not hold yet (a new stage, or a rep just added to the config) writes
   * the config's reps with conditional puts, so concurrent first readers write one copy and a
   * stored rep is never overwritten. It works the same in AWS and on the local stack, needs no
   * deploy-time access to the table, and a rep listed in the config is on the team as soon as
   * the code that lists them runs.
   */
  async readTeam(): Promise<TeamRep[]> {
    const { reps, pools } = this.seed();
    let stored = await this.storedReps();
    const known = new Set(stored.map((rep) => rep.id));
    const missing = reps.filter((rep) => !known.has(rep.id));
    if (missing.length > 0) {
      await Promise.all(missing.map((rep) => this.seedRep(rep)));
      stored = await this.storedReps();
    }
    return rosterOf(stored, reps, pools);
  }

  private async seedRep(rep: TeamRep): Promise<void> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...repKey(rep.id), ...rep }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      // Another reader seeded them first, or a manager changed them already: keep what is stored.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async storedReps(): Promise<TeamRep[]> {
    const items = await queryAll(this.db, this.tableName, { KeyConditionExpression: 'pk = :team AND begins_with(sk, :rep)', ExpressionAttributeValues: { ':team': TEAM, ':rep': 'REP#' }, ConsistentRead: true });
    return items.map(({ pk: _pk, sk: _sk, ...rep }) => TeamRepSchema.parse(rep));
  }

  async saveMember(rep: TeamRep, change: TeamChange): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...repKey(rep.id), ...rep },
          ConditionExpression: '#version = :read',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':read': rep.version - 1 },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new TeamChanged(rep.id);
      throw error;
    }
    // Not one transaction (the local emulator has no TransactWriteItems): a crash between the
    // two writes keeps the change without its audit entry, never an entry for a change not made.
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: TEAM, sk: `CHANGE#${change.at}#${rep.id}#${rep.version}`, ...change },
        ConditionExpression: 'attribute_not_exists(sk)',
      }),
    );
  }

  async listChanges(limit: number): Promise<TeamChange[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :team AND begins_with(sk, :change)',
        ExpressionAttributeValues: { ':team': TEAM, ':change': 'CHANGE#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map((item) => ({ at: String(item.at), actor: String(item.actor), repId: String(item.repId), changes: item.changes as TeamChange['changes'] }));
  }

  async countLeadsToday(repIds: readonly string[], day: string): Promise<Record<string, number>> {
    const items = await queryAll(this.db, this.tableName, { KeyConditionExpression: 'pk = :day', ExpressionAttributeValues: { ':day': `REPDAY#${day}` }, ConsistentRead: true });
    const counts = Object.fromEntries(items.map((item) => [String(item.repId), Number(item.leads ?? 0)]));
    return Object.fromEntries(repIds.map((id) => [id, counts[id] ?? 0]));
  }

  async countAssignment(repId: string, day: string, cap?: number): Promise<boolean> {
    const expiresAt = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + (1 + COUNT_KEPT_DAYS) * 86_400;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: dayKey(day, repId),
          UpdateExpression: 'SET repId = :repId, expiresAt = :expiresAt ADD leads :one',
          ...(cap !== undefined ? { ConditionExpression: 'attribute_not_exists(leads) OR leads < :cap' } : {}),
          ExpressionAttributeValues: { ':repId': repId, ':expiresAt': expiresAt, ':one': 1, ...(cap !== undefined ? { ':cap': cap } : {}) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

}
