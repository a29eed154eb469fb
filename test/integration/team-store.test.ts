import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTeamStore } from '@adapters/dynamodb-team-store';
import { TeamChanged } from '@domain/errors';
import { roundRobinOver } from '@domain/routing';
import { applyChange, teamFromConfig } from '@domain/team';
import { changeTeamMember, readTeamView } from '@domain/team-settings';
import { type DeployConfig, loadConfig } from '../../lib/config';
import { synthTemplate } from '../../lib/synth';
import { ensureTable, type RunningEmulator, startDynamoDb, tableDefinition } from '../../local/emulators';
import type { CfnTemplate } from '../../local/template';

/** The team store on dynalite, in the table the template declares: seeding, versions, the audit trail and the daily count. */
let dynamo: RunningEmulator;
let db: DynamoDBDocumentClient;
let template: CfnTemplate;
const config: DeployConfig = loadConfig('dev');
const routing = config.routing ?? roundRobinOver(config.reps);
const MANAGER = 'tess@example.com';

beforeAll(async () => {
  dynamo = await startDynamoDb();
  template = synthTemplate(config) as CfnTemplate;
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), {
    marshallOptions: { removeUndefinedValues: true },
  });
});
afterAll(async () => {
  db?.destroy();
  await dynamo?.close();
});

let tables = 0;
/** A fresh table, and a store over it as a function builds one (seeded from the stage config, or `reps`). */
async function freshTable() {
  const tableName = `team-${++tables}`;
  await ensureTable(dynamo.url, tableDefinition(template, tableName));
  const storeOver = (reps = config.reps) => new DynamoDbTeamStore(db, tableName, () => ({ reps: teamFromConfig(reps, routing), pools: Object.keys(routing.pools) }));
  const teamItems = async () => (await db.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :team', ExpressionAttributeValues: { ':team': 'TEAM' } }))).Items ?? [];
  return { tableName, storeOver, teamItems };
}

describe('seeding the team from the stage config', () => {
  it('writes one copy of each rep when the first readers come at once, and nothing on later reads', async () => {
    const { storeOver, teamItems } = await freshTable();
    const readers = Array.from({ length: 6 }, () => storeOver());
    const teams = await Promise.all(readers.map((store) => store.readTeam()));
    const expected = teamFromConfig(config.reps, routing);
    for (const team of teams) expect(team).toEqual(expected);
    expect((await teamItems()).map((item) => item.sk).sort()).toEqual(config.reps.map((rep) => `REP#${rep.id}`).sort());
    await readers[0]!.readTeam();
    expect(await teamItems()).toHaveLength(config.reps.length);
  });

  it('seeds a rep added to the config later, and never overwrites a rep a manager changed', async () => {
    const { storeOver } = await freshTable();
    await changeTeamMember({ team: storeOver(), routing }, MANAGER, 'rep-ana', { weight: 4 }, new Date());
    const hired = { id: 'rep-new', name: 'Nia New', email: 'nia@example.com', active: true };
    const team = await storeOver([...config.reps, hired]).readTeam();
    expect(team.find((rep) => rep.id === 'rep-ana')).toMatchObject({ weight: 4, version: 2 });
    expect(team.find((rep) => rep.id === 'rep-new')).toMatchObject({ ...hired, pools: [], weight: 1, version: 1 });
  });
});

describe('two managers changing one rep', () => {
  it('saves the first change and refuses the second with TeamChanged, which loses nothing', async () => {
    const { storeOver } = await freshTable();
    const store = storeOver();
    const ana = (await store.readTeam()).find((rep) => rep.id === 'rep-ana')!;
    const at = new Date().toISOString();
    const first = applyChange(ana, { weight: 3 });
    const second = applyChange(ana, { awayUntil: '2026-12-24' });
    await store.saveMember(first.rep, { at, actor: 'first@example.com', repId: 'rep-ana', changes: first.changes });
    await expect(store.saveMember(second.rep, { at, actor: 'second@example.com', repId: 'rep-ana', changes: second.changes })).rejects.toBeInstanceOf(TeamChanged);
    const stored = (await store.readTeam()).find((rep) => rep.id === 'rep-ana')!;
    expect(stored).toMatchObject({ weight: 3, version: 2 });
    expect(stored.awayUntil).toBeUndefined();
    expect((await store.listChanges(10)).map((change) => change.actor)).toEqual(['first@example.com']);
  });
});

describe('the audit trail', () => {
  it('lists who changed what, newest first, as many as asked for', async () => {
    const { storeOver } = await freshTable();
    const deps = { team: storeOver(), routing };
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 9, minute));
    await changeTeamMember(deps, MANAGER, 'rep-ana', { weight: 2 }, at(0));
    await changeTeamMember(deps, 'max@example.com', 'rep-ben', { awayUntil: '2026-11-10', pools: ['default', 'dach'] }, at(1));
    await changeTeamMember(deps, MANAGER, 'rep-ana', { weight: 2 }, at(2)); // no effect: not recorded
    await changeTeamMember(deps, MANAGER, 'rep-ana', { dailyCap: 12 }, at(3));
    expect(await deps.team.listChanges(10)).toEqual([
      { at: at(3).toISOString(), actor: MANAGER, repId: 'rep-ana', changes: { dailyCap: { from: null, to: 12 } } },
      { at: at(1).toISOString(), actor: 'max@example.com', repId: 'rep-ben', changes: { awayUntil: { from: null, to: '2026-11-10' }, pools: { from: ['default'], to: ['default', 'dach'] } } },
      { at: at(0).toISOString(), actor: MANAGER, repId: 'rep-ana', changes: { weight: { from: 1, to: 2 } } },
    ]);
    expect(await deps.team.listChanges(1)).toHaveLength(1);
    const view = await readTeamView(deps, at(5));
    expect(view.reps.find((rep) => rep.id === 'rep-ben')).toMatchObject({ availability: 'away', pools: ['default', 'dach'] });
    expect(view.audit).toHaveLength(3);
  });
});

describe("a rep's daily count", () => {
  it('counts under the cap atomically: five leads at once against a cap of 2 count two', async () => {
    const { tableName, storeOver } = await freshTable();
    const store = storeOver();
    const counted = await Promise.all(Array.from({ length: 5 }, () => store.countAssignment('rep-ana', '2026-11-03', 2)));
    expect(counted.filter(Boolean)).toHaveLength(2);
    // Without a cap (every rep at theirs, or an account owner) it counts past it.
    expect(await store.countAssignment('rep-ana', '2026-11-03')).toBe(true);
    expect(await store.countLeadsToday(['rep-ana', 'rep-ben'], '2026-11-03')).toEqual({ 'rep-ana': 3, 'rep-ben': 0 });
    expect(await store.countLeadsToday(['rep-ana'], '2026-11-04')).toEqual({ 'rep-ana': 0 });
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: { pk: 'REPDAY#2026-11-03', sk: 'REP#rep-ana' } }));
    // Gone (TTL) two days after the day ends.
    expect(Item?.expiresAt).toBe(Date.UTC(2026, 10, 6) / 1000);
  });
});
