import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbTeamStore } from '@adapters/dynamodb-team-store';
import { withinBusinessHours } from '@domain/business-hours';
import { roundRobinOver } from '@domain/routing';
import { teamFromConfig } from '@domain/team';
import { changeTeamMember, type TeamSettingsDeps } from '@domain/team-settings';
import { followUpKey } from '@domain/sequence';
import { sequencePath, stateNames } from '../../lib/workflow-states';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, markContacted, postLead, statesEntered, uniqueEmail } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * Triage, routing and the handoff on the synthesized state machine with the dev config:
 * four reps take turns in the default pool, DACH has its own rep, globex.example is owned by
 * rep-cho, a team lead hears of escalations, and follow-ups keep to business hours.
 */
// Two weeks in half a second: these tests assert paths, owners, emails and schedules, never when
// a step ran, and only waits are compressed (a step takes its real time), so a faster clock
// changes no path. The one test that acts between the alert and the SLA sets its own scale.
const SCALE = 86_400 * 14 * 2;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

let stack: LocalStack;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: SCALE, retryIntervalMs: 20 });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => stack.runner.setTimeScale(SCALE));

async function finished(leadId: string) {
  const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
  expect(execution.status).toBe('SUCCEEDED');
  return (await store.leads.getLead(leadId))!;
}

const repEmail = (id: string | undefined) => stack.config.reps.find((rep) => rep.id === id)!.email;

describe('triage', () => {
  it('drops a no-reply address: no email at all, the reason on the timeline', async () => {
    const email = uniqueEmail('noreply', 'corp.com').replace(/^noreply\.[^@]+/, 'noreply');
    const { body } = await postLead(stack, { email, name: 'Robot', formId: 'demo-request', website: '' });
    const lead = await finished(body.leadId);
    expect(statesEntered(stack, body.leadId)).toEqual(sequencePath(stack.config.sequence, { hot: false, disqualified: true }));
    expect(lead).toMatchObject({ status: 'disqualified', triage: { decision: 'disqualify', reason: 'role or test address (noreply@)' } });
    expect(lead.ownerId).toBeUndefined();
    expect(await emailsTo(stack.sesUrl, email)).toEqual([]);
    expect((await store.leads.listEvents(body.leadId)).map((e) => e.type)).toEqual(expect.arrayContaining(['scored', 'disqualified', 'closed']));
  });

  it('nurtures strong intent from a poor fit: follow-ups, no alert', async () => {
    const email = uniqueEmail('nina', 'gmail.com');
    const { body } = await postLead(stack, { email, name: 'Nina', formId: 'demo-request', message: 'Can I see a demo?' });
    const lead = await finished(body.leadId);
    expect(lead.triage).toEqual({ decision: 'nurture', reason: 'strong intent, poor fit' });
    expect(statesEntered(stack, body.leadId)).toEqual(sequencePath(stack.config.sequence, { hot: false }));
    expect((await emailsTo(stack.sesUrl, email)).map((e) => e.subject)).toHaveLength(1 + stack.config.sequence.followUpDays.length);
    expect(lead.steps['hot-alert']).toBeUndefined();
  });
});

describe('routing and the handoff', () => {
  it('gives an owned account to its owner, and flags a busy target account in the alert', async () => {
    const leads: Array<{ leadId: string; email: string }> = [];
    for (const who of ['ann', 'bob', 'cat']) {
      const email = `${who}.${Date.now()}@globex.example`;
      const { body } = await postLead(stack, { email, name: `${who} Globex`, jobTitle: 'Director of IT', companySize: '201-500', formId: 'demo-request', company: 'Globex' });
      leads.push({ leadId: body.leadId as string, email });
      await stack.runner.waitFor(executionArnOf(stack, body.leadId));
    }
    const third = (await store.leads.getLead(leads[2]!.leadId))!;
    expect(third.accountActivity).toBe('3 contacts from globex.example in 30 days');
    const assigned = (await store.leads.listEvents(third.leadId)).find((e) => e.type === 'assigned');
    expect(assigned?.detail).toEqual({ ownerId: 'rep-cho', rule: 'account owner (globex.example)' });
    // Nobody called within the SLA, so the lead went on to the next rep; the owner had it first.
    expect(third.escalatedFrom).toBe('rep-cho');
    const alerts = (await emailsTo(stack.sesUrl, repEmail('rep-cho'))).filter((e) => e.body.text?.includes(leads[2]!.leadId));
    expect(alerts).toHaveLength(1);
    const text = alerts[0]!.body.text!;
    // Why this lead, why me, what now: at a glance.
    expect(text).toContain('Why this lead: score');
    expect(text).toContain('Account activity: 3 contacts from globex.example in 30 days');
    expect(text).toContain('Why you: account owner (globex.example)');
    expect(text).toContain('What now: Account review: 3 contacts from globex.example in 30 days.');
  });

  it('sends DACH leads to the DACH pool', async () => {
    const { body } = await postLead(stack, { email: uniqueEmail('hans', 'firma.de'), name: 'Hans', country: 'Deutschland', formId: 'newsletter' });
    expect(await finished(body.leadId)).toMatchObject({ ownerId: 'rep-eve', ownerRule: 'territory dach (round-robin)' });
  });

  it('spreads 200 leads posted at once over the four reps of the default pool, within one of even', async () => {
    await stack.runner.idle();
    stack.runner.setTimeScale(86_400 * 14 * 2); // two weeks in half a second: only routing matters here
    // An owner is final once score-and-route has run (these cold leads have no escalation): the
    // rest of 200 sequences (the confirmation and four follow-ups each) is stopped then, as it
    // asserts nothing here.
    const routed = new Set<string>();
    let allRouted!: () => void;
    const everyLeadRouted = new Promise<void>((resolve) => (allRouted = resolve));
    const unsubscribe = stack.runner.onEvent((arn, event) => {
      if (event.type !== 'StateEntered' || (event as { state: { name: string } }).state.name !== stateNames.isDisqualified) return;
      routed.add(arn);
      if (routed.size === 200) allRouted();
    });
    const posted = await Promise.all(
      Array.from({ length: 200 }, (_, i) => postLead(stack, { email: `p${i}.${Date.now()}@spread${i}.example`, name: `P${i}`, formId: 'newsletter' })),
    );
    expect(posted.every((p) => p.status === 202)).toBe(true);
    await everyLeadRouted;
    unsubscribe();
    for (const { body } of posted) stack.runner.stop(executionArnOf(stack, body.leadId));
    await stack.runner.idle();
    const owners = new Map<string, number>();
    for (const { body } of posted) {
      const owner = (await store.leads.getLead(body.leadId))!.ownerId!;
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    expect([...owners.keys()].sort()).toEqual(['rep-ana', 'rep-ben', 'rep-cho', 'rep-dee']);
    expect(Math.max(...owners.values()) - Math.min(...owners.values())).toBeLessThanOrEqual(1);
  });
});

describe('escalation', () => {
  it('leaves a hot lead with its owner when they call before the SLA ends', async () => {
    stack.runner.setTimeScale(120); // minute 5 after 2.5 s, minute 15 after 7.5 s
    const email = uniqueEmail('hot');
    const { body } = await postLead(stack, { email, name: 'Hal Hot', jobTitle: 'CTO', companySize: '1000+', formId: 'demo-request' });
    const owner = (await waitForEmails(stack.sesUrl, email, (e) => e.length > 0)) && (await store.leads.getLead(body.leadId))!.ownerId;
    await waitForEmails(stack.sesUrl, repEmail(owner), (emails) => emails.some((e) => e.body.text?.includes(body.leadId)));
    expect((await markContacted(stack, body.leadId)).status).toBe(200);
    stack.runner.setTimeScale(SCALE);
    const lead = await finished(body.leadId);
    expect(lead.escalatedAt).toBeUndefined();
    expect(lead.ownerId).toBe(owner);
    expect(lead.steps.escalation).toBeUndefined();
  });
});

describe('business hours', () => {
  it("put each follow-up's wait inside the lead's working day, a day apart, never early", async () => {
    for (const timezone of ['America/New_York', 'Australia/Sydney']) {
      const { body } = await postLead(stack, { email: uniqueEmail('tz'), name: 'Zed', formId: 'newsletter', timezone });
      const lead = await finished(body.leadId);
      const input = JSON.parse(stack.runner.describe(executionArnOf(stack, body.leadId)).input) as { schedule: { followUps: Record<string, string> } };
      let previous = 0;
      for (const day of stack.config.sequence.followUpDays) {
        const due = Date.parse(input.schedule.followUps[followUpKey(day)]!);
        expect(due).toBeGreaterThanOrEqual(Date.parse(lead.submittedAt) + day * DAY_MS);
        expect(due - previous).toBeGreaterThanOrEqual(DAY_MS - MINUTE_MS);
        expect(withinBusinessHours(new Date(due), timezone, stack.config.sequence.businessHours!).getTime()).toBe(due);
        const local = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(due));
        expect(['Sat', 'Sun']).not.toContain(local.find((p) => p.type === 'weekday')!.value);
        expect(Number(local.find((p) => p.type === 'hour')!.value)).toBeGreaterThanOrEqual(9);
        expect(Number(local.find((p) => p.type === 'hour')!.value)).toBeLessThan(17);
        previous = due;
      }
    }
  });
});

describe('the team, changed at runtime', () => {
  /** The team page's API as a manager calls it, over the stack's table. */
  const teamSettings = (): TeamSettingsDeps => {
    const routing = stack.config.routing ?? roundRobinOver(stack.config.reps);
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    return { team: new DynamoDbTeamStore(db, stack.tableName, () => ({ reps: teamFromConfig(stack.config.reps, routing), pools: Object.keys(routing.pools) })), routing };
  };
  const change = (repId: string, body: object) => changeTeamMember(teamSettings(), 'tess@example.com', repId, body, new Date());
  const tomorrow = () => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);

  it("sends a DACH lead to the default pool while the DACH rep is away, and to her again once she is back, with no deploy", async () => {
    stack.runner.setTimeScale(86_400 * 14 * 2);
    await change('rep-eve', { awayUntil: tomorrow() });
    const away = await postLead(stack, { email: uniqueEmail('hans', 'firma.de'), name: 'Hans', country: 'Deutschland', formId: 'newsletter' });
    const routed = await finished(away.body.leadId);
    expect(routed.ownerId).not.toBe('rep-eve');
    expect(routed.ownerRule).toBe('round-robin');
    await change('rep-eve', { awayUntil: null });
    const back = await postLead(stack, { email: uniqueEmail('heidi', 'firma.de'), name: 'Heidi', country: 'AT', formId: 'newsletter' });
    expect(await finished(back.body.leadId)).toMatchObject({ ownerId: 'rep-eve', ownerRule: 'territory dach (round-robin)' });
  });

  it("gives each rep of the default pool their weight's share of the next sum(weights) leads", async () => {
    await stack.runner.idle();
    stack.runner.setTimeScale(86_400 * 14 * 2);
    const weights: Record<string, number> = { 'rep-ana': 3, 'rep-ben': 1, 'rep-cho': 2, 'rep-dee': 1 };
    for (const [repId, weight] of Object.entries(weights)) await change(repId, { weight });
    try {
      const total = Object.values(weights).reduce((a, b) => a + b, 0);
      const posted = await Promise.all(Array.from({ length: total }, (_, i) => postLead(stack, { email: `w${i}.${Date.now()}@weights${i}.example`, name: `W${i}`, formId: 'newsletter' })));
      await stack.runner.idle();
      const owners: Record<string, number> = {};
      for (const { body } of posted) {
        const owner = (await store.leads.getLead(body.leadId))!.ownerId!;
        owners[owner] = (owners[owner] ?? 0) + 1;
      }
      expect(owners).toEqual(weights);
    } finally {
      for (const repId of Object.keys(weights)) await change(repId, { weight: 1 });
    }
  });
});
