import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lead } from '@domain/lead';
import { reportRecordOf } from '@domain/report-record';
import { emailDomain } from '@domain/scoring';
import { signWebhook } from '@domain/webhook-signature';
import type { DashboardView } from '@domain/team-app';
import { formatFunnelCsv, formatText, readDashboard } from '../../bin/report';
import { unsubscribeOneClick } from '../../local/people';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { markContacted, postLead, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';
import { appApi, signIn, TEAM_PASSWORD, teamUsers } from '../support/team';

/**
 * The dashboard's digest on the emulators: a lead's journey (submitted, scored, contacted,
 * rejected, unsubscribed, forgotten) shows in the dashboard and in `npm run report` alike at
 * every step, from the report record the lead store keeps as the lead changes; and leads
 * stored before the digest join it through `npm run backfill-report`.
 */
let stack: LocalStack;
let store: ReturnType<typeof storeOf>;
let managerToken: string;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 1 });
  store = storeOf(stack);
  await stack.teamPool.addUser({ ...teamUsers.manager, groups: [...teamUsers.manager.groups], password: TEAM_PASSWORD });
  managerToken = await signIn(stack, teamUsers.manager.email);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const today = () => new Date().toISOString().slice(0, 10);

/** The dashboard for one source (each test's own), through the API and as `npm run report` reads it: the two must be equal. */
async function bothViews(source: string): Promise<DashboardView> {
  const query = { range: { from: today(), to: today() }, filters: { source } };
  const api = await appApi(stack, `/app/api/dashboard?from=${today()}&to=${today()}&source=${source}`, managerToken);
  expect(api.status).toBe(200);
  const view = api.body as DashboardView;
  const report = await readDashboard(store.leads, query, stack.config.slaMinutes, new Date(view.asOf), stack.config.reps);
  expect(report).toEqual(view);
  return view;
}

/** What the digest holds for the lead is its stored self's report record. */
async function expectRecordOfStoredLead(leadId: string) {
  const lead = (await store.leads.getLead(leadId))!;
  const records = await store.leads.reportRecordsOn([lead.submittedAt.slice(0, 10)]);
  expect(records.filter((record) => record.leadId === leadId)).toEqual([reportRecordOf(lead)]);
}

async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe("a lead's journey in the dashboard", () => {
  it('is counted as it is submitted, scored, contacted, rejected, unsubscribed and forgotten, by the API and the report alike', async () => {
    const source = `journey-${randomUUID().slice(0, 8)}`;
    const email = uniqueEmail('jo');
    const { body } = await postLead(stack, { ...warmLead(email), utm_source: source });
    const leadId = body.leadId as string;

    // Scored and routed by the workflow's first step: a warm lead with an owner, pending its SLA.
    const scored = await until(async () => {
      const lead = await store.leads.getLead(leadId);
      return lead?.grade ? lead : undefined;
    }, 'the lead to be scored');
    let view = await bothViews(source);
    expect(view.total).toMatchObject({ leads: 1, contacted: 0, slaMet: 0, slaMissed: 0, accepted: 0, rejected: 0, unsubscribed: 0, bounced: 0 });
    expect(view.byRep.map((row) => row.key)).toEqual([scored.ownerId]);
    expect(view.options.grades).toEqual([scored.grade]);
    await expectRecordOfStoredLead(leadId);

    // Contacted through the rep's link: in time (warm: 4 h), no outcome decided yet.
    expect((await markContacted(stack, leadId)).status).toBe(200);
    view = await bothViews(source);
    expect(view.total).toMatchObject({ leads: 1, contacted: 1, slaMet: 1, withinSlaPercent: 100, accepted: 0, rejected: 0 });
    expect(view.ignoredNow).toEqual([]);

    // Then rejected with a reason.
    expect((await markContacted(stack, leadId, { outcome: 'rejected', reason: 'wrong-role' })).status).toBe(200);
    view = await bothViews(source);
    expect(view.total).toMatchObject({ contacted: 1, accepted: 0, rejected: 1, rejectedByReason: { 'wrong-role': 1 }, acceptancePercent: 0 });
    expect(view.rejectionReasons).toEqual([{ reason: 'wrong-role', count: 1 }]);

    // Then the lead unsubscribes (the one-click link of its emails).
    expect((await unsubscribeOneClick(stack, leadId)).status).toBe(200);
    view = await bothViews(source);
    expect(view.total).toMatchObject({ leads: 1, rejected: 1, unsubscribed: 1 });
    await expectRecordOfStoredLead(leadId);

    // Forgotten (GDPR): out of the figures, and nothing of it left in the digest.
    const forget = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/forget.ts', email, '--endpoint', stack.dynamoUrl, '--table', stack.tableName], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(forget.stdout).toMatch(/Erased 1 lead\(s\)/);
    view = await bothViews(source);
    expect(view.total.leads).toBe(0);
    expect(view.options.sources).not.toContain(source);
    expect((await store.leads.reportRecordsOn([today()])).map((record) => record.leadId)).not.toContain(leadId);
  });
});

/** The CRM's word on a lead through our signed outcome webhook (POST /leads/{id}/outcome). */
async function crmOutcome(leadId: string, body: Record<string, unknown>) {
  const raw = JSON.stringify({ leadId, ...body });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}/outcome`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signWebhook(raw, timestamp, stack.webhookSecret) },
    body: raw,
  });
  return response.status;
}

describe("a lead's pipeline in the dashboard", () => {
  it('moves through the funnel and the pipeline as the CRM says, by the API and the report alike', async () => {
    const source = `pipeline-${randomUUID().slice(0, 8)}`;
    const { body } = await postLead(stack, { ...warmLead(uniqueEmail('pia')), utm_source: source, utm_campaign: 'q4-webinar' });
    const leadId = body.leadId as string;
    const scored = await until(async () => {
      const lead = await store.leads.getLead(leadId);
      return lead?.grade ? lead : undefined;
    }, 'the lead to be scored');
    expect((await markContacted(stack, leadId, { outcome: 'accepted' })).status).toBe(200);
    let view = await bothViews(source);
    expect(view.funnel.total).toMatchObject({ leads: 1, contacted: 1, accepted: 1, opportunities: 0, won: 0 });

    // The CRM: an opportunity of 8,000 EUR, then won at 9,500.50 EUR.
    expect(await crmOutcome(leadId, { stage: 'opportunity', amount: 8000, currency: 'EUR', at: new Date(Date.now() - 60_000).toISOString() })).toBe(200);
    view = await bothViews(source);
    expect(view.funnel.total).toMatchObject({ opportunities: 1, won: 0, opportunityPercent: 100 });
    expect(view.pipeline.bySource).toEqual([{ key: source, currency: 'EUR', opportunities: 1, pipelineAmount: 8000, won: 0, wonAmount: 0 }]);
    expect(await crmOutcome(leadId, { stage: 'won', amount: 9500.5, currency: 'EUR' })).toBe(200);
    view = await bothViews(source);
    expect(view.funnel.total).toMatchObject({ leads: 1, contacted: 1, accepted: 1, opportunities: 1, won: 1, leadToWonPercent: 100 });
    expect(view.pipeline.byCampaign).toEqual([{ key: 'q4-webinar', currency: 'EUR', opportunities: 1, pipelineAmount: 9500.5, won: 1, wonAmount: 9500.5 }]);
    const band = view.byScoreBand.find((row) => row.won === 1)!;
    expect(Number(band.key.split('-')[0])).toBeLessThanOrEqual(scored.score!);
    await expectRecordOfStoredLead(leadId);

    // The CLI prints the same rows.
    expect(formatText(view)).toMatch(new RegExp(`^ {2}${source}\\s+EUR\\s+1\\s+9,500\\.50\\s+1\\s+9,500\\.50$`, 'm'));
    expect(formatFunnelCsv(view).split('\n')).toContain(`pipeline_source,${source},,,,1,1,,,,,,EUR,9500.5,9500.5,${today()},${today()}`);
  });
});

describe('leads stored before the digest', () => {
  it('are not counted until npm run backfill-report puts them in; running it again changes nothing', async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const source = `before-${randomUUID().slice(0, 8)}`;
    const submittedAt = new Date(Date.now() - 60_000).toISOString();
    const old = (n: number, fields: Partial<Lead>): Lead =>
      ({ leadId: randomUUID(), email: `old${n}.${randomUUID().slice(0, 6)}@acme.io`, name: 'Old Lead', submittedAt, status: 'new', schedule: { hotAlertAt: submittedAt, followUps: {} }, steps: {}, utm_source: source, grade: 'cold', ownerId: 'rep-ben', ...fields }) as Lead;
    const deal = { stage: 'won' as const, stageAt: submittedAt, opportunityAt: submittedAt, amount: 700, currency: 'USD', amountAt: submittedAt, source: 'salesforce' as const, deliveries: ['sf-1'] };
    const leads = [old(1, { score: 12 }), old(2, { status: 'contacted', contactedAt: new Date().toISOString(), outcome: 'accepted', score: 64, pipeline: deal, pipelineRevision: 1 })];
    // As the lead store wrote them before the digest: no place, no record.
    for (const lead of leads) {
      await db.send(new PutCommand({ TableName: stack.tableName, Item: { pk: `LEAD#${lead.leadId}`, sk: 'PROFILE', ...lead, submittedDay: submittedAt.slice(0, 10), emailDomain: emailDomain(lead.email), expiresAt: 2_000_000_000 } }));
    }
    expect((await bothViews(source)).total.leads).toBe(0);

    const backfill = () => promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/backfill-report.ts', '--endpoint', stack.dynamoUrl, '--table', stack.tableName], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect((await backfill()).stdout).toMatch(/: 2 put into the dashboard's digest, 0 rewritten, \d+ already there\.$/m);
    const view = await bothViews(source);
    expect(view.total).toMatchObject({ leads: 2, contacted: 1, accepted: 1 });
    expect(view.funnel.total).toMatchObject({ leads: 2, won: 1 });
    expect(view.pipeline.bySource).toEqual([{ key: source, currency: 'USD', opportunities: 1, pipelineAmount: 700, won: 1, wonAmount: 700 }]);
    expect(view.byScoreBand.filter((row) => row.leads > 0).map((row) => row.key)).toEqual(['0-19', '60-79']);
    for (const lead of leads) await expectRecordOfStoredLead(lead.leadId);

    expect((await backfill()).stdout).toMatch(/: 0 put into the dashboard's digest, 0 rewritten, \d+ already there\.$/m);
    expect(await bothViews(source)).toMatchObject({ total: view.total, byRep: view.byRep });
    // The digest expires with the leads (TTL), and holds no address or name.
    const digest = (await db.send(new ScanCommand({ TableName: stack.tableName, FilterExpression: 'begins_with(pk, :report)', ExpressionAttributeValues: { ':report': 'REPORT#' } }))).Items ?? [];
    expect(digest.length).toBeGreaterThan(0);
    for (const item of digest) {
      expect(item.expiresAt).toEqual(expect.any(Number));
      expect(JSON.stringify(item)).not.toMatch(/@acme\.io|Old Lead/);
    }
    db.destroy();
  });
});

describe('a function that read the dashboard before', () => {
  /** A lead store of its own (another function's container), counting the digest items it asks for. */
  function countingStore() {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const asked: string[] = [];
    db.middlewareStack.add(
      (next) => async (args) => {
        const requested = (args.input as { RequestItems?: Record<string, { Keys: Array<{ pk: { S: string } }> }> }).RequestItems?.[stack.tableName]?.Keys ?? [];
        for (const key of requested) asked.push(key.pk.S);
        return next(args);
      },
      { step: 'initialize' },
    );
    return { leads: new DynamoDbLeadStore(db, stack.tableName, stack.config.retentionDays), asked, close: () => db.destroy() };
  }

  it("reads again only the days that changed since, and answers as a function reading every day would", async () => {
    const source = `kept-${randomUUID().slice(0, 8)}`;
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const days = [day(5), day(4), day(0)];
    const lead = (ago: number, n: number): Lead => {
      const submittedAt = new Date(Date.now() - ago * 86_400_000).toISOString();
      return { leadId: randomUUID(), email: `kept${n}.${randomUUID().slice(0, 6)}@acme.io`, name: 'Kept Lead', submittedAt, status: 'new', schedule: { hotAlertAt: submittedAt, followUps: {} }, steps: {}, utm_source: source, grade: 'warm', ownerId: 'rep-ben' } as Lead;
    };
    const [five, four, todays] = [lead(5, 1), lead(4, 2), lead(0, 3)];
    for (const l of [five, four, todays]) await store.leads.createLead(l);
    const ours = (records: Array<{ leadId: string }>) => records.filter((r) => [five, four, todays].some((l) => l.leadId === r.leadId)).map((r) => r.leadId).sort();

    const reader = countingStore();
    const byId = <T extends { leadId: string }>(records: T[]) => [...records].sort((a, b) => (a.leadId < b.leadId ? -1 : 1));
    const fresh = async () => byId(await store.leads.reportRecordsOn(days));
    const kept = async () => byId(await reader.leads.reportRecordsOn(days));
    try {
      expect(ours(await reader.leads.reportRecordsOn(days))).toEqual([five, four, todays].map((l) => l.leadId).sort());
      expect(reader.asked.some((pk) => pk.startsWith(`REPORT#${day(5)}#`))).toBe(true);

      // Nothing changed: the days' counters only, and today's parts (new leads arrive on it all day).
      reader.asked.length = 0;
      expect(await kept()).toEqual(await fresh());
      expect(reader.asked.filter((pk) => pk.split('#').length === 3).map((pk) => pk.split('#')[1])).toEqual(expect.arrayContaining([day(0)]));
      expect(reader.asked.some((pk) => pk.startsWith(`REPORT#${day(5)}#`) || pk.startsWith(`REPORT#${day(4)}#`))).toBe(false);

      // Another function answers the lead of five days ago: that day is read again, the other is not.
      await store.leads.recordRepResponse(five.leadId, { outcome: 'accepted', at: new Date().toISOString(), actor: 'rep:rep-ben', via: 'app', repId: 'rep-ben' });
      reader.asked.length = 0;
      const afterAnswer = await kept();
      expect(afterAnswer.find((r) => r.leadId === five.leadId)).toMatchObject({ outcome: 'accepted' });
      expect(reader.asked.some((pk) => pk.startsWith(`REPORT#${day(5)}#`))).toBe(true);
      expect(reader.asked.some((pk) => pk.startsWith(`REPORT#${day(4)}#`))).toBe(false);
      expect(afterAnswer).toEqual(await fresh());

      // An erased lead leaves the figures of a function that had kept its day.
      await store.leads.eraseLead(four.leadId);
      expect(ours(await reader.leads.reportRecordsOn(days))).toEqual([five, todays].map((l) => l.leadId).sort());
      expect(await kept()).toEqual(await fresh());
    } finally {
      reader.close();
    }
  });
});
