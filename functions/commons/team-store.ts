import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbTeamStore } from '@adapters/dynamodb-team-store';
import type { TeamStore } from '@domain/ports';
import { teamFromConfig } from '@domain/team';
import type { TeamSettingsDeps } from '@domain/team-settings';
import { config, routingOf } from '@commons/config';
import { tracer } from '@commons/tracer';

let store: TeamStore | undefined;

/**
 * One client per container, as the lead store's; the endpoint comes from the SDK's standard
 * variables. No cache of the team itself: every lead reads it, so a manager's change applies
 * to the next lead (one consistent Query of a few KB).
 */
export function teamStore(): TeamStore {
  store ??= new DynamoDbTeamStore(
    DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), { marshallOptions: { removeUndefinedValues: true } }),
    config().TABLE_NAME,
    () => ({ reps: teamFromConfig(config().REPS, routingOf()), pools: Object.keys(routingOf().pools) }),
  );
  return store;
}

/** What the team page's API works with: the team and the stage's pools. */
export const teamSettingsDeps = (): TeamSettingsDeps => ({ team: teamStore(), routing: routingOf() });
