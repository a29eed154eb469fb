/**
 * `npm run bench:app`: the team app's two reads on the local stack (issue #14, "Speed"), each
 * against its floor: a rep's queue with 500 open leads (goal p95 < 300 ms) and the manager's
 * dashboard over 90 days and 100,000 leads (goal p95 < 1 s). The leads are written straight
 * into the table (bench/dashboard-data.ts), into a dynalite folder that is kept, so the minutes
 * of seeding are paid once. Writes its figures to bench/results.json (key `app`) and its
 * section into bench/RESULTS.md; `npm run bench` keeps both (it does not run this one).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type AttributeValue, BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import { dayCountKey, PART_ATTRIBUTES, partsOfDay, reportPartKey } from '@adapters/report-digest';
import type { Lead } from '@domain/lead';
import { dashboard, daysBetween, dayOf, reportRecordsBetween } from '@domain/reports';
import { handlerMetadataKey } from '../lib/routes';
import { startLocalStack, type LocalStack } from '../local/stack';
import { appApi, signIn, TEAM_PASSWORD } from '../test/support/team';
import { dashboardLeads, writeLeads } from './dashboard-data';
import { median, percentile, repoRoot, round } from './util';

const USAGE = `Usage: npm run bench:app -- [--leads 100000] [--days 90] [--queue-leads 500]
                             [--runs 100] [--warmup 20] [--dashboard-runs 10] [--dashboard-warmup 2]
                             [--breakdown-runs 3] [--data <dir>] [--json <file>] [--out <file>]
                             [--render <json>]
  --leads            leads submitted over the last --days days, the rep's open ones included
  --queue-leads      open leads the rep owns (submitted in the last 29 days, never contacted)
  --runs, --warmup   sequential queue requests measured, and sent before (not counted)
  --dashboard-*      the same for the dashboard (each one reads every lead of the period)
  --breakdown-runs   in-process runs of the dashboard's read, compute and JSON, timed apart
  --data             dynalite's folder, kept between runs: seeded again only when the sizes
                     differ or the seed is over 12 hours old (default: <tmp>/speed-to-lead-bench-app)
  --json, --out      where the figures go (bench/results.json, key "app"; bench/RESULTS.md)
  --render           rewrite the section in --out from a results file's "app" figures, measuring nothing`;

const DAY_MS = 86_400_000;
const SEED = 42;
/** A seed older than this is redone: the queue's 30 days and the dashboard's 90 move with the clock. */
const SEED_MAX_AGE_MS = 12 * 3_600_000;
/** How far back the queue reads (functions/app-api/handler.ts); the rep's leads are younger by a day's margin. */
const QUEUE_DAYS = 30;
const QUEUE_GOAL_MS = 300;
const DASHBOARD_GOAL_MS = 1000;
/** BatchGetItem calls the lead store keeps in flight, 100 keys each: the floor does the same. */
const BATCH_GETS_AT_ONCE = 8;
/** What the kept folder's items look like: a seed from before the dashboard's digest is written again. */
const LAYOUT = 'report-digest-1';
const SECTION = '## 6. Team app reads (`npm run bench:app`)';

const rep = { email: 'ana@example.com', name: 'Ana Alves', groups: ['reps'] as const };
const manager = { email: 'mia.manager@example.com', name: 'Mia Manager', groups: ['managers'] as const };

export interface Latency {
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface AppResults {
  machine: { date: string; nproc: number; cpu: string; memGb: number; node: string; command: string; loadBefore: number[]; loadAfter: number[] };
  sizes: { leads: number; days: number; queueLeads: number; runs: number; warmup: number; dashboardRuns: number; dashboardWarmup: number; breakdownRuns: number };
  /** When the leads were written, and whether this run wrote them or found them kept. */
  seed: { at: string; reused: boolean; writeS?: number };
  queue: { leads: number; statuses: Record<string, number>; responseBytes: number; api: Latency; floor: Latency };
  /** `statuses`: of the measured requests (the warm-up's apart); `answeredMs`: the times of those that got a 200. */
  /** `firstMs`: the first request, of a function that had read nothing yet; `churn`: what changed before each measured request. */
  dashboard: { leads: number; from: string; to: string; statuses: Record<string, number>; warmupStatuses: Record<string, number>; answeredMs: number[]; responseBytes?: number; api: Latency; floor: Latency; functionTimeoutS: number; firstMs?: number; churn?: { newLeads: number; answeredOlder: number } };
  /** The dashboard's work in this process, as its handler does it, timed apart (median ms of the runs). */
  /** `items`: the digest's items read (day counters and parts); `itemsJsonBytes`: them as JSON. */
  breakdown: { runs: number; readMs: number; computeMs: number; stringifyMs: number; viewBytes: number; itemsJsonBytes: number; leadsRead: number; items: number };
  elapsedS: number;
}

const latency = (samples: number[]): Latency => ({
  requests: samples.length,
  p50: round(median(samples)),
  p95: round(percentile(samples, 95)),
  p99: round(percentile(samples, 99)),
  max: round(Math.max(...samples)),
});

const log = (line: string) => process.stderr.write(`[bench:app ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/**
 * Sends `once` `warmup` times unmeasured, then `runs` times one after the other: each wall time
 * in ms. `between` runs after each, untimed.
 */
async function sequential(runs: number, warmup: number, once: () => Promise<void>, between: () => Promise<void> = async () => undefined): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    await once();
    await between();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
    await between();
  }
  return times;
}

/** Every page of a Query, as the lead store's queryAll reads them, without making leads of the items. */
async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) items.push(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Every key's item, 100 keys a BatchGetItem, a few at once, unprocessed keys asked again, as the
 * lead store reads its digest, and as cheaply: the low-level client's attribute values, no
 * document conversion (the client passed in has no logger middleware, as the store's has none).
 */
async function batchGetAll(raw: DynamoDBClient, tableName: string, keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  const chunks: Array<Array<Record<string, AttributeValue>>> = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100).map(({ pk, sk }) => ({ pk: { S: pk }, sk: { S: sk } })));
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(BATCH_GETS_AT_ONCE, chunks.length) }, async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!;
      while (pending.length > 0) {
        const { Responses, UnprocessedKeys } = await raw.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
        for (const item of Responses?.[tableName] ?? []) items.push(item);
        pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
    }
  }));
  return items;
}

/** The period's digest items, read bare: the days' counters, then their parts. */
async function digestItems(raw: DynamoDBClient, tableName: string, days: readonly string[]) {
  const counters = await batchGetAll(raw, tableName, days.map(dayCountKey));
  const parts = await batchGetAll(raw, tableName, counters.flatMap((c) => partsOfDay(Number(c.leads?.N ?? 0)).map((part) => reportPartKey(String(c.pk?.S).slice('REPORT#'.length), part))));
  return { counters, parts };
}

const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/**
 * Waits until neither this process nor the emulators' uses a tenth of a core. A dashboard the
 * API gave up on (its function's 10 s timeout) leaves its handler reading here, where no
 * sandbox is ended as Lambda's would be: the next request must not share the cores with it.
 */
async function untilIdle(stack: LocalStack): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ownBefore = process.cpuUsage();
    const emulatorsBefore = (await stack.emulators.usage())?.cpuMs ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const own = cpuMsOf(process.cpuUsage(ownBefore));
    const emulators = ((await stack.emulators.usage())?.cpuMs ?? 0) - emulatorsBefore;
    if (own < 50 && emulators < 50) return;
  }
  throw new Error('The stack did not go idle within 2 minutes');
}

/** A lead of the rep's queue: owned by the rep, never answered, nothing that takes it off the list. */
function openLead(lead: Lead): Lead {
  const { contactedAt, contactedBy, outcome, rejectReason, unsubscribedAt, bouncedAt, emailProblem, emailProblemAt, complainedAt, closedAt, triage, ...open } = lead as Lead & Record<string, unknown>;
  const grade = open.grade ?? 'warm';
  return { ...open, status: 'new', grade, score: open.score ?? 55, scoredAt: open.submittedAt, ownerId: 'rep-ana', ownerName: rep.name, ownerRule: 'round-robin' } as Lead;
}

interface SeedMarker {
  layout?: string;
  leads: number;
  days: number;
  queueLeads: number;
  seed: number;
  at: string;
}
const MARKER_KEY = { pk: 'BENCH#APP', sk: 'SEED' };

/** The kept folder's seed, when it has these sizes and is young enough to reuse. */
async function seeded(stack: LocalStack, db: DynamoDBDocumentClient, sizes: AppResults['sizes']): Promise<AppResults['seed'] | undefined> {
  const marker = (await db.send(new GetCommand({ TableName: stack.tableName, Key: MARKER_KEY }))).Item as SeedMarker | undefined;
  const fresh = marker && Date.now() - Date.parse(marker.at) < SEED_MAX_AGE_MS;
  if (fresh && marker.layout === LAYOUT && marker.leads === sizes.leads && marker.days === sizes.days && marker.queueLeads === sizes.queueLeads && marker.seed === SEED) return { at: marker.at, reused: true };
  return undefined;
}

/** The leads, written once into the kept folder: the dashboard's over `days` days, the rep's open ones among them. */
async function seed(stack: LocalStack, db: DynamoDBDocumentClient, sizes: AppResults['sizes']): Promise<AppResults['seed']> {
  const now = new Date();
  const others = stack.config.reps.filter((r) => r.id !== 'rep-ana');
  // The rep's open leads are theirs alone in the last 30 days: the queue reads exactly them.
  const queueLeads = dashboardLeads(sizes.queueLeads, { days: QUEUE_DAYS - 1, reps: [{ id: 'rep-ana', name: rep.name }], now, seed: SEED + 1 }).map(openLead);
  const leads = [...dashboardLeads(sizes.leads - sizes.queueLeads, { days: sizes.days, reps: others, now, seed: SEED }), ...queueLeads];
  log(`writing ${leads.length} leads (${sizes.queueLeads} of them the rep's open ones)`);
  const start = performance.now();
  await writeLeads({ db, tableName: stack.tableName }, leads);
  const writeS = round((performance.now() - start) / 1000);
  const marker: SeedMarker = { layout: LAYOUT, leads: sizes.leads, days: sizes.days, queueLeads: sizes.queueLeads, seed: SEED, at: now.toISOString() };
  await db.send(new PutCommand({ TableName: stack.tableName, Item: { ...MARKER_KEY, ...marker } }));
  log(`wrote them in ${writeS} s`);
  return { at: marker.at, reused: false, writeS };
}

export async function appBench(sizes: AppResults['sizes'], dataPath: string, command: string): Promise<AppResults> {
  const began = Date.now();
  const loadBefore = loadavg().map((v) => round(v, 2));
  const start = () => startLocalStack({ timeScale: 1, dataPath });
  const hadData = existsSync(dataPath);
  let stack = await start();
  let client = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
  try {
    let db = DynamoDBDocumentClient.from(client);
    let seedInfo = await seeded(stack, db, sizes);
    if (!seedInfo) {
      if (hadData) {
        // Other sizes or an old seed: start from an empty folder rather than mix two seeds.
        log(`the kept leads in ${dataPath} do not match: starting from an empty table`);
        client.destroy();
        await stack.close();
        rmSync(dataPath, { recursive: true, force: true });
        stack = await start();
        client = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
        db = DynamoDBDocumentClient.from(client);
      }
      seedInfo = await seed(stack, db, sizes);
    } else log(`reusing the ${sizes.leads} leads written at ${seedInfo.at} in ${dataPath}`);
    for (const user of [rep, manager]) await stack.teamPool.addUser({ ...user, groups: [...user.groups], password: TEAM_PASSWORD });

    // ---- The rep's queue, and its floor: the same byOwner Query, every page.
    const now = new Date();
    const queueRange = { from: new Date(now.getTime() - QUEUE_DAYS * DAY_MS).toISOString(), to: now.toISOString() };
    const repToken = await signIn(stack, rep.email);
    const queueStatuses: Record<string, number> = {};
    let queueLeads = 0;
    let queueBytes = 0;
    const queueTimes = await sequential(sizes.runs, sizes.warmup, async () => {
      const response = await fetch(`${stack.apiUrl}/app/api/queue`, { headers: { authorization: `Bearer ${repToken}` } });
      const text = await response.text();
      queueStatuses[response.status] = (queueStatuses[response.status] ?? 0) + 1;
      queueBytes = text.length;
      if (response.status === 200) queueLeads = (JSON.parse(text) as { leads: unknown[] }).leads.length;
    });
    const queueInput = (): QueryCommandInput => ({
      TableName: stack.tableName,
      IndexName: 'byOwner',
      KeyConditionExpression: 'ownerId = :rep AND submittedAt BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':rep': 'rep-ana', ':from': queueRange.from, ':to': queueRange.to },
    });
    const queueFloorTimes = await sequential(sizes.runs, sizes.warmup, async () => void (await queryAll(db, queueInput())));
    const queue = { leads: queueLeads, statuses: queueStatuses, responseBytes: queueBytes, api: latency(queueTimes), floor: latency(queueFloorTimes) };
    log(`queue (${queueLeads} leads): p95 ${queue.api.p95} ms, floor p95 ${queue.floor.p95} ms`);

    // ---- The dashboard over the seeded period, and its floor: the same digest items (the days'
    // counters, then their parts) read with BatchGetItem, as many calls at once, no record decoded.
    const range = { from: dayOf(new Date(Date.parse(seedInfo.at) - sizes.days * DAY_MS)), to: dayOf(new Date()) };
    const days = daysBetween(range);
    const floorClient = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
    floorClient.middlewareStack.remove('loggerMiddleware');
    const floorRead = async () => {
      const { parts } = await digestItems(floorClient, stack.tableName, days);
      let count = 0;
      for (const part of parts) for (const name in part) if (!PART_ATTRIBUTES.has(name)) count += 1;
      return count;
    };
    const managerToken = await signIn(stack, manager.email);
    const dashboardStatuses: number[] = [];
    let dashboardBytes: number | undefined;
    let dashboardLeadCount = 0;
    log(`dashboard ${range.from} to ${range.to}: ${sizes.dashboardWarmup} + ${sizes.dashboardRuns} requests`);
    const askDashboard = async () => {
      const { status, body } = await appApi(stack, `/app/api/dashboard?from=${range.from}&to=${range.to}`, managerToken);
      dashboardStatuses.push(status);
      if (status === 200) {
        dashboardBytes = JSON.stringify(body).length;
        dashboardLeadCount = (body as { total: { leads: number } }).total.leads;
      }
    };
    // A team at work between two looks at the dashboard: new leads today, and reps answering
    // older ones (each answer makes its day's parts be read again), through a lead store of
    // its own, as other functions write.
    const churn = { newLeads: 5, answeredOlder: 3 };
    const writer = new DynamoDbLeadStore(db, stack.tableName, 400);
    const olderDays = days.slice(0, -2);
    let answered = 0;
    const churned: string[] = [];
    const changeSome = async () => {
      const now = new Date().toISOString();
      for (let i = 0; i < churn.newLeads; i++) {
        const leadId = randomUUID();
        churned.push(leadId);
        await writer.createLead({ leadId, email: `churn.${randomUUID().slice(0, 8)}@acme.example`, name: 'New Lead', submittedAt: now, status: 'new', schedule: { hotAlertAt: now, followUps: {} }, steps: {}, utm_source: 'google', grade: 'warm', ownerId: 'rep-ben' } as Lead);
      }
      for (let i = 0; i < churn.answeredOlder; i++) {
        const day = olderDays[(answered * 7 + i * 13) % olderDays.length]!;
        const open = (await writer.leadsSubmittedOn(day)).find((lead) => lead.status === 'new' && lead.ownerId !== 'rep-ana');
        if (open) await writer.recordRepResponse(open.leadId, { outcome: 'contacted', at: now, via: 'app', actor: `rep:${open.ownerId}`, repId: open.ownerId! });
      }
      answered += 1;
    };
    const firstStart = performance.now();
    await askDashboard();
    const firstMs = round(performance.now() - firstStart);
    await untilIdle(stack);
    const dashboardTimes = await sequential(sizes.dashboardRuns, Math.max(0, sizes.dashboardWarmup - 1), askDashboard, async () => {
      await changeSome();
      await untilIdle(stack);
    });
    // The kept folder holds the seed as written: the new leads go again (the answers stay).
    for (const leadId of churned) await writer.eraseLead(leadId);
    let floorCount = 0;
    const floorTimes = await sequential(sizes.dashboardRuns, sizes.dashboardWarmup, async () => void (floorCount = await floorRead()));
    if (floorCount !== sizes.leads) throw new Error(`the digest's floor read ${floorCount} records, ${sizes.leads} leads were written`);
    const functionTimeoutS = Number(stack.template.Resources[Object.keys(stack.template.Resources).find((id) => stack.template.Resources[id]?.Metadata?.[handlerMetadataKey] === 'app-api') ?? '']?.Properties?.Timeout ?? 10);
    const countOf = (statuses: number[]) => statuses.reduce<Record<string, number>>((n, status) => ({ ...n, [status]: (n[status] ?? 0) + 1 }), {});
    // The first request (timed apart, of a function that kept nothing) is a warm-up even with none asked for.
    const warmups = Math.max(1, sizes.dashboardWarmup);
    const measured = dashboardStatuses.slice(warmups);
    const answeredMs = dashboardTimes.filter((_, i) => measured[i] === 200).map((t) => round(t));
    const dashboardResult = { leads: floorCount || dashboardLeadCount, from: range.from, to: range.to, statuses: countOf(measured), warmupStatuses: countOf(dashboardStatuses.slice(0, warmups)), answeredMs, ...(dashboardBytes !== undefined ? { responseBytes: dashboardBytes } : {}), api: latency(dashboardTimes), floor: latency(floorTimes), functionTimeoutS, firstMs, churn };
    log(`dashboard (${floorCount} leads): p95 ${dashboardResult.api.p95} ms (${JSON.stringify(dashboardStatuses)}), floor p95 ${dashboardResult.floor.p95} ms`);

    // ---- Where the dashboard's time goes: its handler's three steps in this process, timed apart.
    const store = new DynamoDbLeadStore(db, stack.tableName, 400);
    const reads: number[] = [];
    const computes: number[] = [];
    const stringifies: number[] = [];
    let viewBytes = 0;
    let itemsJsonBytes = 0;
    let leadsRead = 0;
    let items = 0;
    for (let i = 0; i < sizes.breakdownRuns; i++) {
      let t = performance.now();
      const records = await reportRecordsBetween(store, range);
      reads.push(performance.now() - t);
      t = performance.now();
      const view = dashboard(records, range, {}, stack.config.slaMinutes, new Date(), stack.config.reps);
      computes.push(performance.now() - t);
      t = performance.now();
      viewBytes = JSON.stringify(view).length;
      stringifies.push(performance.now() - t);
      leadsRead = records.length;
    }
    {
      const { counters, parts } = await digestItems(floorClient, stack.tableName, days);
      items = counters.length + parts.length;
      itemsJsonBytes = JSON.stringify([...counters, ...parts]).length;
    }
    floorClient.destroy();
    const breakdown = { runs: sizes.breakdownRuns, readMs: round(median(reads)), computeMs: round(median(computes)), stringifyMs: round(median(stringifies), 2), viewBytes, itemsJsonBytes, leadsRead, items };
    log(`dashboard in process: read ${breakdown.readMs} ms, compute ${breakdown.computeMs} ms, JSON ${breakdown.stringifyMs} ms (${viewBytes} bytes)`);

    return {
      machine: { date: new Date().toISOString(), nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGb: round(totalmem() / 2 ** 30, 1), node: process.version, command, loadBefore, loadAfter: loadavg().map((v) => round(v, 2)) },
      sizes,
      seed: seedInfo,
      queue,
      dashboard: dashboardResult,
      breakdown,
      elapsedS: Math.round((Date.now() - began) / 1000),
    };
  } finally {
    client.destroy();
    await stack.close();
  }
}

// ---------------------------------------------------------------- the report

const mark = (ok: boolean) => (ok ? '**met**' : '**not met**');
const ms = (value: number) => (value >= 1000 ? `${round(value / 1000, 2)} s` : `${value} ms`);
const kb = (bytes: number) => (bytes >= 1_048_576 ? `${round(bytes / 1_048_576, 1)} MB` : `${round(bytes / 1024, 1)} KB`);
const statusesOf = (statuses: Record<string, number>) => Object.entries(statuses).map(([status, n]) => `${n} × ${status}`).join(', ');

/** This bench's section of bench/RESULTS.md. */
export function appSection(r: AppResults): string {
  const q = r.queue;
  const d = r.dashboard;
  const b = r.breakdown;
  const answered = (d.statuses['200'] ?? 0) === d.api.requests;
  const dashboardMet = answered && d.api.p95 < DASHBOARD_GOAL_MS;
  // A request that got no answer is timed to its failure: no ratio to a floor that did answer.
  const row = (what: string, l: Latency, floor: Latency, goal: string, met: boolean, allAnswered: boolean, note: string) =>
    `| ${what} | ${ms(l.p50)} | ${ms(floor.p50)} | ${ms(l.p95)} | ${ms(floor.p95)} | ${ms(l.p99)} | ${ms(floor.p99)} | ${allAnswered ? `${round(l.p95 / floor.p95, 2)}x` : 'none: no answer'} | ${goal}: ${mark(met)} | ${note} |`;
  const queueAnswered = q.statuses['200'] === q.api.requests + r.sizes.warmup;
  // The load after counts the bench's own processes (two cores' worth while it reads): only the load before says whether others were busy.
  const loaded = r.machine.loadBefore[0]! >= 1.5;
  const queueMet = q.api.p95 < QUEUE_GOAL_MS && queueAnswered;
  return [
    SECTION,
    '',
    `- Date: ${r.machine.date}; ${r.machine.nproc} CPUs, ${r.machine.cpu}, ${r.machine.memGb} GB RAM, shared; Node ${r.machine.node}`,
    `- Load average (1, 5, 15 min) before: ${r.machine.loadBefore.join(', ')}; after: ${r.machine.loadAfter.join(', ')} (the bench's own processes count in the load after)`,
    `- Command: \`${r.machine.command}\` (took ${r.elapsedS} s; the leads were ${r.seed.reused ? `written by an earlier run at ${r.seed.at} and kept in its dynalite folder` : `written by this run in ${r.seed.writeS} s`})`,
    '',
    'The local stack at time scale 1 (`local/stack.ts`: the real route table, the JWT check against',
    'cognito-local, the app-api handler, dynalite in its own process), a rep (`ana@example.com`) and',
    'a manager signed in through InitiateAuth. Leads written straight into the table as the lead',
    `store writes them (\`bench/dashboard-data.ts\`): ${r.sizes.leads.toLocaleString('en-US')} submitted over the last ${r.sizes.days} days, of which`,
    `${r.sizes.queueLeads} are the rep's, all open (submitted in the last 29 days, never contacted); the other`,
    'reps own the rest. Requests one after the other, the warm-up ones not counted; nearest-rank',
    'percentiles. Each floor is the same reads issued directly against the same emulator: no API, no',
    'token check, no handler, no leads or records made of the items (the queue\'s with the document',
    'client, the dashboard\'s with the low-level client and no logger middleware, as the store reads it).',
    '',
    '| read | p50 | floor p50 | p95 | floor p95 | p99 | floor p99 | p95 / floor | goal | answers |',
    '|---|---|---|---|---|---|---|---|---|---|',
    row(`queue, ${q.leads} open leads (${r.sizes.warmup} + ${q.api.requests} requests)`, q.api, q.floor, `p95 < ${QUEUE_GOAL_MS} ms`, queueMet, queueAnswered, `${statusesOf(q.statuses)}, ${kb(q.responseBytes)}`),
    row(`dashboard, ${d.leads.toLocaleString('en-US')} leads, ${d.from} to ${d.to} (${r.sizes.dashboardWarmup} + ${d.api.requests} requests)`, d.api, d.floor, `p95 < ${DASHBOARD_GOAL_MS / 1000} s`, dashboardMet, answered, `${statusesOf(d.statuses)}${d.answeredMs.length && !answered ? ` (the ${d.answeredMs.length === 1 ? '200 took' : '200s took'} ${d.answeredMs.map(ms).join(', ')})` : ''}${d.responseBytes !== undefined ? `, ${kb(d.responseBytes)}` : ''}; warm-up: ${statusesOf(d.warmupStatuses) || 'none'}`),
    '',
    ...(loaded ? [`The machine was busy (load ${r.machine.loadBefore[0]} before the run, on ${r.machine.nproc} cores: other work was running): every figure and its floor waited for a core, so compare each with its floor more than with the goal.`, ''] : []),
    queueMet
      ? `The queue's goal is met: p95 ${ms(q.api.p95)}, of which the byOwner Query itself is ${ms(q.floor.p95)} at p95.`
      : `**The queue's goal is not met here**: p95 ${ms(q.api.p95)}, while the bare byOwner Query of the same ${q.leads} leads takes ${ms(q.floor.p95)} at p95; the rest is the API, the token check, making leads of the items, the queue's order and its JSON (${kb(q.responseBytes)}).${q.floor.p95 > q.api.p95 / 2 ? ' Most of it is the Query itself.' : ''}`,
    '',
    "Queue floor: the byOwner Query of the handler (`ownerId = rep AND submittedAt` in the last 30 days),",
    "every page. Dashboard floor: the same items the handler reads, with the same BatchGetItem calls",
    `(100 keys each, ${BATCH_GETS_AT_ONCE} at once): the period's ${d.from === d.to ? 'day' : 'days'}' counters (\`REPORT#<day>\`), then their parts`,
    '(`REPORT#<day>#<part>`, at most 50 report records each), no record decoded.',
    '',
    '**Where the dashboard\'s time goes** (its handler\'s steps run in the bench process with the',
    `same lead store, timed apart, median of ${b.runs}; the store keeps days between runs as the function does): reading ${b.leadsRead.toLocaleString('en-US')} report records of ${b.items.toLocaleString('en-US')} digest items`,
    `**${ms(b.readMs)}**; \`dashboard()\` on them **${ms(b.computeMs)}**; \`JSON.stringify\` of the view`,
    `${b.stringifyMs} ms, ${kb(b.viewBytes)}. What the read carries: ${kb(b.itemsJsonBytes)} of digest items in DynamoDB's typed`,
    'JSON, where the whole leads were 52.9 MB as plain JSON, more on the wire (read through byDay before',
    'the digest: p95 11.1 s, floor 10.7 s, on 2026-12-01 at load 1.3, with 9 of 10 requests a 503 at the',
    'function\'s 10 s timeout).',
    '',
    ...(d.churn && d.firstMs !== undefined
      ? [
          `**Before each measured request** the team worked: ${d.churn.newLeads} new leads today and ${d.churn.answeredOlder} answers to leads of older days, through a lead store of`,
          "its own as other functions write. The app-api function keeps the days it read with their counters'",
          "`leads` and `changes` (a write to a day before today bumps `changes` after its record), so it reads",
          "the 90 counters, today's and yesterday's parts, and the days that changed; the floor reads every part.",
          `The first request, of a function that had read nothing yet: **${ms(d.firstMs)}**.`,
          '',
        ]
      : []),
    dashboardMet
      ? `**The dashboard's goal is met**: p95 ${ms(d.api.p95)}, where reading every part (the floor) takes ${ms(d.floor.p95)}; the rest is decoding the changed days' records, \`dashboard()\` on all of them, the API and the token check.`
      : `**The dashboard's goal is not met here**: p95 ${ms(d.api.p95)} against a floor of ${ms(d.floor.p95)}${answered ? '' : `; not every request answered within the app-api function's ${d.functionTimeoutS} s timeout`}.`,
    '',
    "Why a digest, and this one: each lead's report record (functions/domain/report-record.ts: when, where",
    'from, grade, owner, first contact, outcome, reason, unsubscribed / bounced / complained, still',
    'awaiting its rep; no name or address) is written by the lead store with every update that',
    "changes a figure, into a part of its day's digest that holds at most 50 leads, so a write costs",
    "at most ~5 WCU and a burst of leads spreads over parts, each its own partition key, instead of one",
    'hot day item (functions/adapters/report-digest.ts). A sparse GSI with the record projected',
    '(INCLUDE) was the other choice: no second write and erasure for free, but the read stays one',
    'index item of five values per lead, 100,000 items through Query pages, and the cost here is per',
    'value read (profiled: the SDK\'s deserializer, its logger middleware\'s filter of every response,',
    'which the lead store removes, and dynalite); not built, not measured. One string per lead in a',
    'part is 100,000 values in ~2,000 items.',
    '',
  ].join('\n');
}

/** RESULTS.md with this bench's section in place: replacing the previous one, else before "Not measured yet". */
export function withAppSection(markdown: string, results: AppResults | undefined): string {
  if (!results) return markdown;
  const section = appSection(results);
  const start = markdown.indexOf(SECTION);
  if (start >= 0) {
    const next = markdown.indexOf('\n## ', start + SECTION.length);
    return markdown.slice(0, start) + section + (next >= 0 ? `\n${markdown.slice(next + 1)}` : '');
  }
  const notMeasured = markdown.indexOf('## Not measured yet');
  return notMeasured >= 0 ? markdown.slice(0, notMeasured) + section + '\n' + markdown.slice(notMeasured) : `${markdown.trimEnd()}\n\n${section}`;
}

// ---------------------------------------------------------------- main

async function main() {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '100000' },
      days: { type: 'string', default: '90' },
      'queue-leads': { type: 'string', default: '500' },
      runs: { type: 'string', default: '100' },
      warmup: { type: 'string', default: '20' },
      'dashboard-runs': { type: 'string', default: '10' },
      'dashboard-warmup': { type: 'string', default: '2' },
      'breakdown-runs': { type: 'string', default: '3' },
      data: { type: 'string', default: join(tmpdir(), 'speed-to-lead-bench-app') },
      json: { type: 'string', default: join(repoRoot, 'bench', 'results.json') },
      out: { type: 'string', default: join(repoRoot, 'bench', 'RESULTS.md') },
      render: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // Rewrites the section from figures kept earlier (after editing its text), without measuring.
  if (values.render) {
    const { app } = JSON.parse(readFileSync(values.render, 'utf8')) as { app?: AppResults };
    if (!app) throw new Error(`${values.render} has no "app" figures: run npm run bench:app first`);
    writeFileSync(values.out!, withAppSection(existsSync(values.out!) ? readFileSync(values.out!, 'utf8') : '', app));
    log(`wrote ${values.out} from ${values.render}`);
    return;
  }
  const whole = (name: keyof typeof values, min = 0) => {
    const text = String(values[name]);
    if (!/^\d+$/.test(text) || Number(text) < min) throw new Error(`--${name} must be a whole number of at least ${min}, got ${text}\n${USAGE}`);
    return Number(text);
  };
  const sizes: AppResults['sizes'] = {
    leads: whole('leads', 1),
    days: whole('days', 1),
    queueLeads: whole('queue-leads', 1),
    runs: whole('runs', 1),
    warmup: whole('warmup'),
    dashboardRuns: whole('dashboard-runs', 1),
    dashboardWarmup: whole('dashboard-warmup'),
    breakdownRuns: whole('breakdown-runs', 1),
  };
  if (sizes.queueLeads > sizes.leads) throw new Error(`--queue-leads (${sizes.queueLeads}) is part of --leads (${sizes.leads}): it cannot be larger`);
  const args = process.argv.slice(2);
  const results = await appBench(sizes, values.data!, `npm run bench:app${args.length ? ` -- ${args.join(' ')}` : ''}`);

  const q = results.queue;
  const d = results.dashboard;
  const b = results.breakdown;
  console.table({
    queue: { leads: q.leads, p50: q.api.p50, p95: q.api.p95, p99: q.api.p99, 'floor p50': q.floor.p50, 'floor p95': q.floor.p95, 'floor p99': q.floor.p99, statuses: statusesOf(q.statuses) },
    dashboard: { leads: d.leads, p50: d.api.p50, p95: d.api.p95, p99: d.api.p99, 'floor p50': d.floor.p50, 'floor p95': d.floor.p95, 'floor p99': d.floor.p99, statuses: statusesOf(d.statuses) },
  });
  console.log(`dashboard in process: read ${b.readMs} ms, compute ${b.computeMs} ms, JSON ${b.stringifyMs} ms for ${b.viewBytes} bytes; the leads read are ${b.itemsJsonBytes} bytes of JSON`);

  // Added to the figures `npm run bench` keeps; the rest of the file is left as it is.
  const json = values.json!;
  const kept = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(json, JSON.stringify({ ...kept, app: results }, null, 2));
  const out = values.out!;
  writeFileSync(out, withAppSection(existsSync(out) ? readFileSync(out, 'utf8') : '', results));
  log(`wrote ${json} (key "app") and ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
