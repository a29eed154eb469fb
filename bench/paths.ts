import { randomUUID } from 'node:crypto';
import { contactFromLink, executionArnOf, leadShapes, submitLead, unsubscribeOneClick } from '../local/people';
import { startLocalStack, type LocalStack } from '../local/stack';
import { stateMachineDefinition } from '../local/template';
import { startProxy, recordingSes, type SentEmail } from './proxy';
import { wallMs } from './util';

/** What one lead path consumed, counted from a real local run. */
export interface PathCounts {
  path: string;
  grade?: string;
  apiRequests: number;
  stateTransitions: number;
  lambdaInvocations: number;
  /** Sum of local handler durations (billed ms rounded up per invocation). */
  lambdaMs: number;
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  dynamoRequests: number;
  emails: number;
  emailsToLead: number;
  states: string[];
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Counts DynamoDB requests and their consumed capacity (asked of dynalite on every request). */
async function countingDynamo(upstream: string) {
  const counts = { reads: 0, writes: 0, requests: 0 };
  const proxy = await startProxy(upstream, {
    rewrite: (body, request) => {
      const op = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      if (!READS.has(op) && !WRITES.has(op)) return body;
      const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      parsed.ReturnConsumedCapacity = 'TOTAL';
      return Buffer.from(JSON.stringify(parsed));
    },
    onExchange: ({ request, status, responseBody }) => {
      const op = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      if (!READS.has(op) && !WRITES.has(op)) return;
      counts.requests++;
      let units = 0;
      try {
        const parsed = JSON.parse(responseBody.toString('utf8')) as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> };
        const consumed = parsed.ConsumedCapacity;
        units = Array.isArray(consumed) ? consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) : (consumed?.CapacityUnits ?? 0);
      } catch {
        /* empty */
      }
      // A failed conditional write still costs a write on DynamoDB (dynalite reports nothing).
      if (status !== 200 && WRITES.has(op)) units = Math.max(units, 1);
      if (READS.has(op)) counts.reads += units;
      else counts.writes += units;
    },
  });
  return { ...proxy, counts };
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const post = async (stack: LocalStack, body: unknown) => (await submitLead(stack, body)).body;

async function waitDone(stack: LocalStack, arn: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (stack.runner.describe(arn).status === 'RUNNING') {
    if (Date.now() > deadline) throw new Error(`Execution ${arn} still running after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * Runs each lead path one after the other on one local stack, counting what each consumed:
 * the state machine's events (state transitions, Lambda tasks and their durations), DynamoDB
 * capacity units through a proxy, SES sends through a proxy, and API requests.
 */
export async function runPaths(opts: { quick?: boolean }) {
  const fast = opts.quick ? 864_000 : 432_000; // simulated s per real s: 1 day in 0.1 s / 0.2 s
  const sent: SentEmail[] = [];
  const stack = await startLocalStack({ timeScale: fast, logLevel: 'ERROR', retryIntervalMs: 10, sesEndpoint: recordingSes(sent) });
  const dynamo = await countingDynamo(stack.dynamoUrl);
  // Set before any handler builds its client (they do so on first use).
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  const definition = stateMachineDefinition(stack.template, { region: 'us-east-1', accountId: '000000000000' }).definition as { States: Record<string, { Type: string }> };
  const taskStates = new Set(Object.entries(definition.States).filter(([, s]) => s.Type === 'Task').map(([name]) => name));

  const results: PathCounts[] = [];

  async function run(
    path: string,
    shape: keyof typeof leadShapes,
    action?: { atMs: number; scaleUntil?: number; act: (leadId: string) => Promise<unknown> },
  ): Promise<PathCounts> {
    await stack.runner.idle();
    const email = `${shape}.${randomUUID().slice(0, 8)}@acme.io`;
    const d0 = { ...dynamo.counts };
    const e0 = sent.length;
    let apiRequests = 0;
    let apiMs = 0;
    stack.runner.setTimeScale(action?.scaleUntil ?? fast);
    const t0 = wallMs();
    const { leadId } = (await post(stack, leadShapes[shape](email))) as { leadId: string };
    apiMs += Math.ceil(wallMs() - t0);
    apiRequests++;
    const arn = executionArnOf(stack, leadId);
    if (action) {
      const base = stack.runner.describe(arn).startDate.getTime();
      while (stack.runner.simulatedNow(arn) - base < action.atMs) await sleep(2);
      const t1 = wallMs();
      await action.act(leadId);
      apiMs += Math.ceil(wallMs() - t1);
      apiRequests++;
      stack.runner.setTimeScale(fast);
    }
    await waitDone(stack, arn, 120_000);
    await stack.runner.idle();
    const events = stack.runner.history(arn) as Array<{ type: string; timestamp: number; state?: { name: string } }>;
    const entered = events.filter((e) => e.type === 'StateEntered');
    const retried = events.filter((e) => e.type === 'StateRetried').length;
    let lambdaMs = apiMs;
    let tasks = 0;
    for (const [i, event] of events.entries()) {
      if (event.type !== 'StateEntered' || !taskStates.has(event.state?.name ?? '')) continue;
      tasks++;
      const exit = events.slice(i + 1).find((e) => e.type !== 'StateEntered' && e.state?.name === event.state?.name);
      if (exit) lambdaMs += Math.max(1, Math.ceil(exit.timestamp - event.timestamp));
    }
    const emails = sent.slice(e0);
    return {
      path,
      apiRequests,
      stateTransitions: entered.length + retried,
      lambdaInvocations: apiRequests + tasks + retried,
      lambdaMs,
      dynamoReadUnits: dynamo.counts.reads - d0.reads,
      dynamoWriteUnits: dynamo.counts.writes - d0.writes,
      dynamoRequests: dynamo.counts.requests - d0.requests,
      emails: emails.length,
      emailsToLead: emails.filter((m) => m.to.includes(email)).length,
      states: entered.map((e) => e.state?.name ?? '?'),
    };
  }

  // Warm every handler once (module load, clients, connections), as a deployed stack's would be.
  await run('warm-up', 'hot');
  const contact = (leadId: string) => contactFromLink(stack, leadId);
  results.push(await run('hot, not contacted', 'hot'));
  results.push(await run('hot, contacted at +3 min', 'hot', { atMs: 3 * MINUTE, scaleUntil: opts.quick ? 180 : 60, act: contact }));
  results.push(await run('warm, contacted on day 2', 'warm', { atMs: 2 * DAY, act: contact }));
  results.push(await run('cold, never contacted', 'cold'));
  results.push(
    await run('warm, unsubscribed on day 4', 'warm', {
      atMs: 4 * DAY,
      act: (leadId) => unsubscribeOneClick(stack, leadId),
    }),
  );

  // The duplicate: only what the repeat submission costs (the first one is a lead like any other).
  {
    await stack.runner.idle();
    const body = leadShapes.cold(`dup.${randomUUID().slice(0, 8)}@acme.io`);
    const first = await post(stack, body);
    await waitDone(stack, executionArnOf(stack, first.leadId as string), 120_000);
    await stack.runner.idle();
    const d0 = { ...dynamo.counts };
    const e0 = sent.length;
    const executions = stack.runner.list().length;
    const t0 = wallMs();
    const again = await post(stack, body);
    const ms = Math.ceil(wallMs() - t0);
    await sleep(200);
    if (again.duplicate !== true || stack.runner.list().length !== executions) throw new Error('The repeat submission was not treated as a duplicate');
    results.push({
      path: 'duplicate (the repeat only)',
      apiRequests: 1,
      stateTransitions: 0,
      lambdaInvocations: 1,
      lambdaMs: ms,
      dynamoReadUnits: dynamo.counts.reads - d0.reads,
      dynamoWriteUnits: dynamo.counts.writes - d0.writes,
      dynamoRequests: dynamo.counts.requests - d0.requests,
      emails: sent.length - e0,
      emailsToLead: 0,
      states: [],
    });
  }
  await stack.close();
  await dynamo.close();
  return results;
}

/** Section 5's lead paths: none is contacted, so each gets exactly what its grade's sequence sends. */
export const SCALE_MIX = [
  { path: 'hot', share: 4 },
  { path: 'warm', share: 2 },
  { path: 'cold', share: 3 },
  { path: 'disqualified', share: 1 },
] as const;
export type ScalePath = (typeof SCALE_MIX)[number]['path'];

export interface ScaleResult {
  leads: number;
  timeScale: number;
  maxConcurrentTasks: number;
  /** Leads per path. */
  mix: Record<ScalePath, number>;
  /** Writing the leads (BatchWriteItem), before any execution starts. */
  storedMs: number;
  /** From the first StartExecution to the last (all at once, in slices). */
  startedMs: number;
  /** From the first StartExecution to the end of the last execution. */
  finishedMs: number;
  peakInFlight: number;
  /** When the last execution was started. */
  inFlightWhenAllStarted: number;
  peakTasksQueued: number;
  /** Task invocations, retries included. */
  tasks: number;
  retries: number;
  statuses: Record<string, number>;
  /**
   * The process of the runner and the handlers: RSS after the warm-up and a GC, and its peak;
   * the JS heap after that GC, its peak, and what a full GC leaves of it once every execution
   * has started (what the executions in flight really hold; the rest of a peak is garbage).
   */
  runner: { baselineRss: number; peakRss: number; baselineHeap: number; peakHeap: number; liveHeapAllStarted: number; cpuMs: number };
  /** dynalite and the SES emulator's process: what they hold grows with every lead stored and email sent. */
  emulators?: { baselineRss: number; peakRss: number; cpuMs: number };
  /** Per path: emails each lead received, as {count: leads}, and what the path sends to the lead. */
  emails: Array<{ path: ScalePath; expected: number; received: Record<string, number> }>;
  emailsTotal: number;
}

const scaleShape = (path: ScalePath, email: string) => (path === 'disqualified' ? { ...leadShapes.hot(email), name: 'No Reply' } : leadShapes[path](email));

/**
 * N leads in flight at once, started directly on the runner: the leads are stored as intake
 * stores them (the lead store's own items, written 25 at a time), then every execution is
 * started with `runner.start`, so each runs the synthesized state machine with the real
 * handlers against the emulators; no API or StartExecution quota in between (section 2 and
 * the start-burst test cover those). Peak RSS and CPU of the runner's process and of the
 * emulators' process, and every lead's emails counted in the SES emulator.
 */
export async function runScale(opts: { leads: number; timeScale: number }): Promise<ScaleResult> {
  if (!opts.leads) throw new Error('runScale needs leads');
  const { DynamoDbLeadStore } = await import('@adapters/dynamodb-lead-store');
  const { LeadSubmissionSchema } = await import('@domain/lead-submission');
  const { parseWith } = await import('@domain/validation');
  const { scheduleFor } = await import('@domain/sequence');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { BatchWriteCommand, DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');

  // The warm-up lead runs its whole sequence fast; the measured ones at opts.timeScale.
  const stack = await startLocalStack({ timeScale: 864_000, logLevel: 'ERROR' });
  const maxConcurrentTasks = stack.runner.maxConcurrentTasks;
  const run = randomUUID().slice(0, 8);
  // Warm every handler once (module load, clients, connections), so the baseline includes them.
  const warm = await post(stack, leadShapes.hot(`warm-up@w.${run}.example`));
  await waitDone(stack, executionArnOf(stack, warm.leadId as string), 300_000);
  await stack.runner.idle();

  // Each lead its own company: the score reads the earlier leads of the lead's domain, which
  // for one shared domain would grow with every lead (a test artefact, not a load).
  const wheel = SCALE_MIX.flatMap(({ path, share }) => Array<ScalePath>(share).fill(path));
  const mix = Object.fromEntries(SCALE_MIX.map(({ path }) => [path, 0])) as Record<ScalePath, number>;
  const items: Array<Record<string, unknown>> = [];
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), { marshallOptions: { removeUndefinedValues: true } });
  // The lead store's items captured instead of put: the items are exactly what intake writes,
  // written below 25 at a time. Its other writes (the report digest's counter and record) go
  // to the table as they are: the lead's place in the digest comes from them.
  const capture = new DynamoDbLeadStore(
    {
      middlewareStack: db.middlewareStack,
      send: async (command: { input: { Item?: Record<string, unknown> } }) => (command.input.Item ? (items.push(command.input.Item), {}) : db.send(command as never)),
    } as never,
    stack.tableName,
    stack.config.retentionDays,
  );
  const leads: Array<{ leadId: string; email: string; path: ScalePath; input: WorkflowStart }> = [];
  for (let i = 0; i < opts.leads; i++) {
    const path = wheel[i % wheel.length]!;
    mix[path]++;
    const email = path === 'disqualified' ? `noreply@l${i}.${run}.example` : `${path}.${i}@l${i}.${run}.example`;
    const submission = parseWith(LeadSubmissionSchema, scaleShape(path, email));
    const leadId = randomUUID();
    const now = new Date();
    const lead = {
      ...submission,
      leadId,
      submittedAt: now.toISOString(),
      status: 'new' as const,
      schedule: scheduleFor(now, stack.config.sequence, submission.timezone, stack.config.slaMinutes.hot),
      steps: {},
      executionArn: executionArnOf(stack, leadId),
    };
    await capture.createLead(lead);
    await capture.appendEvent(leadId, { type: 'submitted', at: lead.submittedAt, actor: 'lead', detail: { formId: lead.formId, source: lead.utm_source } });
    leads.push({ leadId, email, path, input: { leadId, submittedAt: lead.submittedAt, schedule: lead.schedule } });
  }
  const storing = Date.now();
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length; attempt++) {
          if (attempt === 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
          const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: requests } }));
          requests = (UnprocessedItems?.[stack.tableName] ?? []) as typeof requests;
        }
      }
    }),
  );
  db.destroy();
  const storedMs = Date.now() - storing;
  items.length = 0;

  stack.runner.setTimeScale(opts.timeScale);
  let tasks = 0;
  let retries = 0;
  stack.runner.onEvent((_arn, event) => {
    if (event.type === 'StateEntered' && event.state.type === 'Task') tasks++;
    if (event.type === 'StateRetried') retries++;
  });
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await sleep(50);
  }
  const runnerBaseline = process.memoryUsage.rss();
  const heapBaseline = process.memoryUsage().heapUsed;
  let peakHeap = heapBaseline;
  const emulatorsBaseline = await stack.emulators.usage();
  const runnerCpu = process.cpuUsage();
  let peakRss = runnerBaseline;
  let peakEmulatorsRss = emulatorsBaseline?.rss ?? 0;
  let peakInFlight = 0;
  let peakTasksQueued = 0;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const counts = stack.runner.counts();
    peakInFlight = Math.max(peakInFlight, counts.running);
    peakTasksQueued = Math.max(peakTasksQueued, counts.tasksQueued);
  };
  const sampler = setInterval(sample, 100);
  const emulatorSampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    void stack.emulators.usage().then((usage) => void (peakEmulatorsRss = Math.max(peakEmulatorsRss, usage?.rss ?? 0)), () => undefined);
  }, 1000);

  const started = Date.now();
  // All at once, a slice per turn of the event loop so the sampler still gets its turns.
  for (let i = 0; i < leads.length; i += 250) {
    for (const lead of leads.slice(i, i + 250)) stack.runner.start(lead.leadId, lead.input);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const startedMs = Date.now() - started;
  sample();
  const inFlightWhenAllStarted = stack.runner.counts().running;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  global.gc?.();
  const liveHeapAllStarted = process.memoryUsage().heapUsed;
  await stack.runner.idle();
  const finishedMs = Date.now() - started;
  clearInterval(sampler);
  clearInterval(emulatorSampler);
  sample();
  const cpu = process.cpuUsage(runnerCpu);
  const emulatorsEnd = await stack.emulators.usage();

  const statuses: Record<string, number> = {};
  for (const lead of leads) {
    const { status } = stack.runner.describe(executionArnOf(stack, lead.leadId));
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const received = await stack.emulators.emailCounts();
  // To the lead: the confirmation and each follow-up, unless the score disqualified it.
  const toLead = 1 + stack.config.sequence.followUpDays.length;
  const emails = SCALE_MIX.map(({ path }) => ({ path, expected: path === 'disqualified' ? 0 : toLead, received: {} as Record<string, number> }));
  for (const lead of leads) {
    const row = emails.find((e) => e.path === lead.path)!;
    const count = String(received[lead.email] ?? 0);
    row.received[count] = (row.received[count] ?? 0) + 1;
  }
  const emailsTotal = Object.values(received).reduce((sum, n) => sum + n, 0);
  await stack.close();
  return {
    leads: leads.length,
    timeScale: opts.timeScale,
    maxConcurrentTasks,
    mix,
    storedMs,
    startedMs,
    finishedMs,
    peakInFlight,
    inFlightWhenAllStarted,
    peakTasksQueued,
    tasks,
    retries,
    statuses,
    runner: { baselineRss: runnerBaseline, peakRss, baselineHeap: heapBaseline, peakHeap, liveHeapAllStarted, cpuMs: Math.round((cpu.user + cpu.system) / 1000) },
    ...(emulatorsBaseline && emulatorsEnd ? { emulators: { baselineRss: emulatorsBaseline.rss, peakRss: Math.max(peakEmulatorsRss, emulatorsEnd.rss), cpuMs: Math.round(emulatorsEnd.cpuMs - emulatorsBaseline.cpuMs) } } : {}),
    emails,
    emailsTotal,
  };
}

/** A lead workflow's execution input (what intake starts it with). */
interface WorkflowStart {
  leadId: string;
  submittedAt: string;
  schedule: object;
}
