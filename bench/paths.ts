import { randomUUID } from 'node:crypto';
import { expiryAfterDays, signLink } from '@domain/links';
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

const leadShapes = {
  hot: (email: string) => ({ email, name: 'Dana Director', company: 'Acme', jobTitle: 'Director of Sales', companySize: '201-500', formId: 'demo-request', message: 'We would like a demo and a quote.' }),
  warm: (email: string) => ({ email, name: 'Wes Warm', jobTitle: 'Office Manager', formId: 'pricing' }),
  cold: (email: string) => ({ email, name: 'Sam Cold', formId: 'newsletter' }),
};

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const executionArnOf = (stack: LocalStack, leadId: string) => `${stack.runner.stateMachineArn.replace(':stateMachine:', ':execution:')}:${leadId}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(stack: LocalStack, path: string, body: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, any>;
}

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
  const contactToken = (leadId: string) => signLink({ leadId, purpose: 'contact', repId: 'rep-ana', expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);
  const unsubscribeToken = (leadId: string) => signLink({ leadId, purpose: 'unsubscribe', expiresAt: expiryAfterDays(new Date(), 30) }, stack.linkSecret);

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
    const { leadId } = (await post(stack, '/leads', leadShapes[shape](email))) as { leadId: string };
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
  const contact = (leadId: string) => post(stack, `/leads/${leadId}/contact`, { token: contactToken(leadId), outcome: 'contacted' });
  results.push(await run('hot, not contacted', 'hot'));
  results.push(await run('hot, contacted at +3 min', 'hot', { atMs: 3 * MINUTE, scaleUntil: opts.quick ? 180 : 60, act: contact }));
  results.push(await run('warm, contacted on day 2', 'warm', { atMs: 2 * DAY, act: contact }));
  results.push(await run('cold, never contacted', 'cold'));
  results.push(
    await run('warm, unsubscribed on day 4', 'warm', {
      atMs: 4 * DAY,
      act: async (leadId) => fetch(`${stack.apiUrl}/leads/${leadId}/unsubscribe?token=${encodeURIComponent(unsubscribeToken(leadId))}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => r.text()),
    }),
  );

  // The duplicate: only what the repeat submission costs (the first one is a lead like any other).
  {
    await stack.runner.idle();
    const body = leadShapes.cold(`dup.${randomUUID().slice(0, 8)}@acme.io`);
    const first = await post(stack, '/leads', body);
    await waitDone(stack, executionArnOf(stack, first.leadId as string), 120_000);
    await stack.runner.idle();
    const d0 = { ...dynamo.counts };
    const e0 = sent.length;
    const executions = stack.runner.list().length;
    const t0 = wallMs();
    const again = await post(stack, '/leads', body);
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

/**
 * N leads in flight at once (half hot, half cold, none contacted) through the local API:
 * time compressed so the sequence outlasts the submission; peak RSS of the process sampled every 50 ms, and each lead's emails.
 */
export async function runScale(opts: { leads: number; timeScale: number; concurrency: number }) {
  if (!opts.leads) throw new Error('runScale needs leads');
  const sent: SentEmail[] = [];
  // The warm-up lead runs its whole sequence fast; the measured ones at opts.timeScale.
  const stack = await startLocalStack({ timeScale: 864_000, logLevel: 'ERROR', sesEndpoint: recordingSes(sent) });
  // Warm the handlers once so the baseline includes the loaded code.
  const warm = await post(stack, '/leads', leadShapes.hot(`warmup@acme.io`));
  await waitDone(stack, executionArnOf(stack, warm.leadId as string), 300_000);
  await stack.runner.idle();
  stack.runner.setTimeScale(opts.timeScale);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let peakInFlight = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    peakInFlight = Math.max(peakInFlight, stack.runner.list().filter((e) => e.status === 'RUNNING').length);
  }, 50);
  const started = Date.now();
  const leads: Array<{ leadId: string; email: string; shape: 'hot' | 'cold' }> = [];
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.leads) {
        const i = next++;
        const shape = i % 2 === 0 ? 'hot' : 'cold';
        const email = `scale-${i}.${randomUUID().slice(0, 6)}@acme.io`;
        try {
          const { leadId } = (await post(stack, '/leads', leadShapes[shape](email))) as { leadId: string };
          leads.push({ leadId, email, shape });
        } catch (error) {
          failures.push(String(error));
        }
      }
    }),
  );
  const submittedMs = Date.now() - started;
  const inFlightAtEndOfSubmission = stack.runner.list().filter((e) => e.status === 'RUNNING').length;
  for (const lead of leads) await waitDone(stack, executionArnOf(stack, lead.leadId), 600_000);
  await stack.runner.idle();
  clearInterval(sampler);
  const finishedMs = Date.now() - started;
  const byEmail = new Map<string, number>();
  for (const mail of sent) for (const to of mail.to) byEmail.set(to, (byEmail.get(to) ?? 0) + 1);
  const statuses: Record<string, number> = {};
  for (const lead of leads) {
    const status = stack.runner.describe(executionArnOf(stack, lead.leadId)).status;
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const emailsPerLead = leads.map((lead) => ({ shape: lead.shape, emails: byEmail.get(lead.email) ?? 0 }));
  await stack.close();
  return { leads: leads.length, failures: failures.length, inFlightAtEndOfSubmission, submittedMs, finishedMs, baselineRss: baseline, peakRss: peak, peakInFlight, statuses, emailsPerLead: summarize(emailsPerLead) };
}

function summarize(rows: Array<{ shape: string; emails: number }>) {
  const out: Record<string, Record<number, number>> = {};
  for (const row of rows) {
    out[row.shape] ??= {};
    out[row.shape]![row.emails] = (out[row.shape]![row.emails] ?? 0) + 1;
  }
  return out;
}
