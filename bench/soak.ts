/**
 * `npm run soak`: leads at a steady rate through the local stack's HTTP API for a while, on
 * every path a lead can take (hot and nobody calls, hot and the rep calls within minutes from
 * the alert's link or the CRM, warm and contacted on day 2, cold and never contacted,
 * unsubscribed on day 4, submitted twice, disqualified), with transient faults injected into
 * the functions' DynamoDB and SES requests; then, once the stack is idle, the reconciliation
 * (bin/reconcile.ts) checks every lead's emails and timeline against its path, and no lead
 * may be stuck. Writes bench/SOAK.md; exits 1 on any mismatch, stuck lead or lost submission.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { LeadFacts } from '@domain/lead-path';
import { stateNames, touchStates } from '../lib/workflow-states';
import { touchesOf } from '@domain/sequence';
import { contactFromCrm, contactFromLink, executionArnOf, leadShapes, submitLead, unsubscribeOneClick } from '../local/people';
import { startLocalStack, type LocalStack } from '../local/stack';
import { type FaultKind, faultKinds, type FaultProxy, startFaultProxy } from '../test/support/fault-proxy';
import { openLeadStore } from '../bin/ops-cli';
import { formatReconciliation, pathRulesOf, reconcile, reconciled, type Reconciliation } from '../bin/reconcile';
import { median, percentile, repoRoot, round } from './util';

const USAGE = `Usage: npm run soak -- [--leads 20000] [--minutes 10] [--fault-rate 0.02] [--day-seconds 2.5]
                        [--drain-minutes 15] [--out bench/SOAK.md] [--json <file>] [--quiet]
  --leads, --minutes  how many leads, submitted evenly over how many minutes
  --fault-rate        share of the functions' SES and DynamoDB requests that fail transiently
  --day-seconds       real seconds per simulated day (2.5: a 14-day sequence in about 40 s)
  --drain-minutes     how long at most to wait, after the last submission, for the sequences
                      to finish; sequences still running after a minute without any progress
                      (or then) are stuck`;

const DAY_MS = 86_400_000;

/** The commit under test, with "+ uncommitted changes" when the tree differs from it. */
function commitOf(dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
const sourceCommit = commitOf(repoRoot);

// ------------------------------------------------------------------ the mix of paths

type Intent = 'hot, not contacted' | 'hot, contacted from the alert link within minutes' | 'hot, contacted by the CRM within minutes' | 'warm, contacted on day 2' | 'cold, never contacted' | 'warm, unsubscribed on day 4' | 'cold, submitted twice' | 'disqualified (noreply@)';

interface PathPlan {
  intent: Intent;
  /** Out of 20 leads. */
  share: number;
  shape: keyof typeof leadShapes;
  /** The path the reconciliation must find. A timed action may land a step later under load: `exact: false` reports it without failing. */
  expect: (path: string) => boolean;
  expected: string;
  exact: boolean;
}

const MIX: PathPlan[] = [
  { intent: 'hot, not contacted', share: 3, shape: 'hot', expected: 'hot: never contacted', exact: true, expect: (p) => p === 'hot: never contacted' },
  { intent: 'hot, contacted from the alert link within minutes', share: 2, shape: 'hot', expected: 'hot: contacted after the confirmation (or a step later: a race by design)', exact: false, expect: (p) => p === 'hot: contacted after the confirmation' },
  { intent: 'hot, contacted by the CRM within minutes', share: 2, shape: 'hot', expected: 'hot: contacted after the confirmation (or a step later: a race by design)', exact: false, expect: (p) => p === 'hot: contacted after the confirmation' },
  { intent: 'warm, contacted on day 2', share: 3, shape: 'warm', expected: 'warm: contacted after the day-1 follow-up', exact: false, expect: (p) => p === 'warm: contacted after the day-1 follow-up' },
  { intent: 'cold, never contacted', share: 4, shape: 'cold', expected: 'cold: never contacted', exact: true, expect: (p) => p === 'cold: never contacted' },
  { intent: 'warm, unsubscribed on day 4', share: 2, shape: 'warm', expected: 'warm: unsubscribed after the day-3 follow-up', exact: false, expect: (p) => p === 'warm: unsubscribed after the day-3 follow-up' },
  { intent: 'cold, submitted twice', share: 2, shape: 'cold', expected: 'cold: never contacted, one duplicate-submission', exact: true, expect: (p) => p === 'cold: never contacted' },
  { intent: 'disqualified (noreply@)', share: 2, shape: 'hot', expected: 'disqualified', exact: true, expect: (p) => p === 'disqualified' },
];
const WHEEL = MIX.flatMap((plan) => Array.from({ length: plan.share }, () => plan));

interface SoakLead {
  index: number;
  plan: PathPlan;
  email: string;
  leadId?: string;
  /** Extra POSTs of the same submission that answered "duplicate" (the planned repeat, and retries). */
  repeats: number;
  /** When the rep's response or the unsubscribe was answered (ms). */
  stopAnsweredAt?: number;
  problems: string[];
}

// ------------------------------------------------------------------ options

function options() {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '20000' },
      minutes: { type: 'string', default: '10' },
      'fault-rate': { type: 'string', default: '0.02' },
      'day-seconds': { type: 'string', default: '2.5' },
      'drain-minutes': { type: 'string', default: '15' },
      out: { type: 'string' },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: keyof typeof values, min: number, max = Infinity) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min || value > max) {
      console.error(`--${name} must be a number from ${min}${max < Infinity ? ` to ${max}` : ''}, got "${values[name]}"\n\n${USAGE}`);
      process.exit(2);
    }
    return value;
  };
  return {
    leads: Math.round(number('leads', 1)),
    minutes: number('minutes', 0.01),
    faultRate: number('fault-rate', 0, 0.5),
    daySeconds: number('day-seconds', 0.1),
    drainMinutes: number('drain-minutes', 0.1),
    out: values.out ?? join(repoRoot, 'bench', 'SOAK.md'),
    json: values.json,
    quiet: values.quiet,
    command: `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  };
}

// ------------------------------------------------------------------ helpers

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A person retries what the server could not do now (5xx, a dropped connection), as a form or a mail client would. */
async function withRetries<T extends { status: number }>(attempt: () => Promise<T>, counters: { retried: number }, tries = 6): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      const result = await attempt();
      if (result.status < 500 || n >= tries) return result;
    } catch (error) {
      if (n >= tries) throw error;
    }
    counters.retried += 1;
    await sleep(250 * 2 ** n);
  }
}

/** What a lead's execution shows, read from its history once. */
interface RunFacts {
  /** When each email step's task finished (the runner's clock is the record's). */
  stepsFinishedAt: NonNullable<LeadFacts['stepsFinishedAt']>;
  stateRetries: number;
  /** From the execution's start to the confirmation's send: how far behind the stack ran. */
  toConfirmationMs?: number;
}

function runFactsOf(stack: LocalStack): Map<string, RunFacts> {
  const byState: Record<string, string> = Object.fromEntries(touchesOf(stack.config.sequence, stack.config.slaMinutes.hot).map((touch) => [touchStates(touch).task, touch.task]));
  const facts = new Map<string, RunFacts>();
  for (const execution of stack.runner.list()) {
    const history = stack.runner.history(execution.executionArn);
    const finished: Record<string, number> = {};
    for (const event of history) {
      const step = event.type === 'StateExited' ? byState[(event as { state: { name: string } }).state.name] : undefined;
      if (step && finished[step] === undefined) finished[step] = event.timestamp;
    }
    const confirmedAt = finished.confirmation;
    facts.set(execution.name, {
      stepsFinishedAt: finished as RunFacts['stepsFinishedAt'],
      stateRetries: history.filter((e) => e.type === 'StateRetried').length,
      ...(confirmedAt !== undefined ? { toConfirmationMs: confirmedAt - history[0]!.timestamp } : {}),
    });
  }
  return facts;
}

// ------------------------------------------------------------------ the run

async function main() {
  const opts = options();
  const log = (line: string) => opts.quiet || process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const began = Date.now();
  const run = randomBytes(3).toString('hex');
  const timeScale = 86_400 / opts.daySeconds;
  const proxies: { ses?: FaultProxy; dynamodb?: FaultProxy } = {};
  const stack = await startLocalStack({
    timeScale,
    logLevel: 'ERROR',
    // Faults are refused before they reach the emulator (nothing took effect, a retry is safe).
    // SES: any attempt, so some outlast the SDK's two and the state machine's Retry sends once.
    // DynamoDB: the first attempt of a call, so its SDK retry gets through: a brief blip.
    sesEndpoint: async (url) => (proxies.ses = await startFaultProxy(url, { random: { rate: opts.faultRate, service: 'ses' } })).url,
    dynamoEndpoint: async (url) => (proxies.dynamodb = await startFaultProxy(url, { random: { rate: opts.faultRate, service: 'dynamodb', firstAttemptOnly: true } })).url,
  });
  const startedMs = Date.now() - began;
  log(`stack ready in ${startedMs} ms; ${opts.leads} leads over ${opts.minutes} min, a simulated day every ${opts.daySeconds} s, faults ${opts.faultRate * 100}%`);

  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  let peakRss = process.memoryUsage().rss;
  let peakRunning = 0;
  const running = () => stack.runner.counts().running;
  const rssTimer = setInterval(() => void (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);

  const leads: SoakLead[] = [];
  const byLeadId = new Map<string, SoakLead>();
  const counters = { accepted: 0, failed: 0, retried: 0, actions: 0, actionsFailed: 0, actionsLate: 0 };
  const latencies: number[] = [];
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>) => {
    const settled = work.catch(() => undefined).finally(() => pending.delete(settled));
    pending.add(settled);
    return work;
  };

  // --- what people do, at the right moment of each lead's sequence
  const act = (lead: SoakLead, what: string, action: () => Promise<{ status: number }>) =>
    track(
      withRetries(action, counters).then(
        ({ status }) => {
          counters.actions += 1;
          if (status === 200) lead.stopAnsweredAt ??= Date.now();
          else {
            counters.actionsFailed += 1;
            lead.problems.push(`${what} answered ${status}`);
          }
        },
        (error: unknown) => {
          counters.actionsFailed += 1;
          lead.problems.push(`${what} failed: ${String(error)}`);
        },
      ),
    );
  const contact = (lead: SoakLead) =>
    lead.plan.intent === 'hot, contacted by the CRM within minutes'
      ? act(lead, 'the CRM webhook', () => contactFromCrm(stack, lead.leadId!))
      : act(lead, "the rep's link", () => contactFromLink(stack, lead.leadId!));

  // A hot lead's rep calls right after the confirmation: within minutes, racing the minute-5 alert.
  const confirmed = new Set<string>();
  const contactOnConfirmation = new Map<string, SoakLead>();
  let lastEventAt = Date.now();
  stack.runner.onEvent((arn, event) => {
    lastEventAt = Date.now();
    if (event.type !== 'StateExited' || (event as { state: { name: string } }).state.name !== stateNames.sendConfirmation) return;
    const leadId = arn.slice(arn.lastIndexOf(':') + 1);
    const lead = contactOnConfirmation.get(leadId);
    if (lead) {
      contactOnConfirmation.delete(leadId);
      contact(lead);
    } else confirmed.add(leadId);
  });

  /** Acts when the lead's simulated clock reaches `between` (the midpoint of two follow-ups' due times). */
  const actAt = (lead: SoakLead, between: [string, string], what: string, action: () => Promise<{ status: number }>) =>
    track(
      (async () => {
        const arn = executionArnOf(stack, lead.leadId!);
        let target: number | undefined;
        for (;;) {
          try {
            const schedule = (JSON.parse(stack.runner.describe(arn).input) as { schedule: { followUps: Record<string, string> } }).schedule;
            target ??= (Date.parse(schedule.followUps[between[0]]!) + Date.parse(schedule.followUps[between[1]]!)) / 2;
            const description = stack.runner.describe(arn);
            if (description.status !== 'RUNNING') {
              counters.actionsLate += 1;
              break;
            }
            const left = target - stack.runner.simulatedNow(arn);
            if (left <= 0) break;
            await sleep(Math.max(10, left / timeScale));
          } catch {
            // Not started yet (its start may be queued): look again shortly.
            await sleep(200);
          }
        }
        await act(lead, what, action);
      })(),
    );

  // --- the website's forms, at a steady rate
  const interval = (opts.minutes * 60_000) / opts.leads;
  let submitStart = Date.now();
  let lastProgress = submitStart;
  const submit = async (lead: SoakLead) => {
    const body =
      lead.plan.intent === 'disqualified (noreply@)' ? { ...leadShapes.hot(lead.email), name: 'No Reply' } : leadShapes[lead.plan.shape](lead.email);
    const t0 = performance.now();
    let answer: Awaited<ReturnType<typeof submitLead>>;
    try {
      answer = await withRetries(() => submitLead(stack, body), counters);
    } catch (error) {
      counters.failed += 1;
      lead.problems.push(`POST /leads failed: ${String(error)}`);
      return;
    }
    latencies.push(performance.now() - t0);
    if (answer.status !== 202 && !(answer.status === 200 && answer.body.duplicate)) {
      counters.failed += 1;
      lead.problems.push(`POST /leads answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
      return;
    }
    counters.accepted += 1;
    // A retry of a request that had stored the lead is answered as a repeat: it counts as one.
    if (answer.status === 200) lead.repeats += 1;
    lead.leadId = String(answer.body.leadId);
    byLeadId.set(lead.leadId, lead);
    const intent = lead.plan.intent;
    if (intent === 'cold, submitted twice') {
      const again = await withRetries(() => submitLead(stack, body), counters);
      if (again.status === 200 && again.body.duplicate === true && again.body.leadId === lead.leadId) lead.repeats += 1;
      else lead.problems.push(`the repeat answered ${again.status} ${JSON.stringify(again.body).slice(0, 200)}, expected 200 duplicate of ${lead.leadId}`);
    } else if (intent === 'hot, contacted from the alert link within minutes' || intent === 'hot, contacted by the CRM within minutes') {
      if (confirmed.delete(lead.leadId)) contact(lead);
      else contactOnConfirmation.set(lead.leadId, lead);
    } else if (intent === 'warm, contacted on day 2') {
      actAt(lead, ['day1', 'day3'], "the rep's link", () => contactFromLink(stack, lead.leadId!));
    } else if (intent === 'warm, unsubscribed on day 4') {
      actAt(lead, ['day3', 'day7'], 'the one-click unsubscribe', () => unsubscribeOneClick(stack, lead.leadId!));
    }
  };

  const leadNumber = (i: number): SoakLead => {
    const plan = WHEEL[i % WHEEL.length]!;
    const domain = `l${i}.${run}.example`;
    return { index: i, plan, email: plan.intent === 'disqualified (noreply@)' ? `noreply@${domain}` : `${plan.shape}.${i}@${domain}`, repeats: 0, problems: [] };
  };
  // The first lead goes alone, before the clock starts: every handler it reaches is loaded
  // (and compiled) by then, as a deployed stack's warm functions would be.
  const first = leadNumber(0);
  leads.push(first);
  await submit(first);
  while (first.leadId && !confirmed.has(first.leadId) && stack.runner.describe(executionArnOf(stack, first.leadId)).status === 'RUNNING') await sleep(20);
  submitStart = Date.now();
  for (let i = 1; i < opts.leads; i++) {
    const wait = submitStart + (i - 1) * interval - Date.now();
    if (wait > 0) await sleep(wait);
    const lead = leadNumber(i);
    leads.push(lead);
    track(submit(lead));
    if (Date.now() - lastProgress >= 10_000) {
      lastProgress = Date.now();
      const now = running();
      peakRunning = Math.max(peakRunning, now);
      log(`${i + 1}/${opts.leads} submitted (${counters.accepted} accepted, ${counters.failed} failed, behind schedule ${Math.max(0, Math.round(Date.now() - (submitStart + (i - 1) * interval)))} ms), ${now} sequences running, event-loop delay p99 ${round(lag.percentile(99) / 1e6, 0)} ms`);
    }
  }
  const submitMs = Date.now() - submitStart;
  log(`all ${opts.leads} submitted in ${round(submitMs / 1000, 1)} s; waiting for every sequence and action`);

  // --- until the stack is idle: every sequence done, or nothing moving for a minute (stuck)
  const deadline = Date.now() + opts.drainMinutes * 60_000;
  const quietFor = Math.max(60_000, (Math.max(...stack.config.sequence.followUpDays) / 2) * opts.daySeconds * 1000);
  let stalled = false;
  for (;;) {
    const now = running();
    peakRunning = Math.max(peakRunning, now);
    if (now === 0 && pending.size === 0) break;
    if (Date.now() > deadline || Date.now() - lastEventAt > quietFor) {
      stalled = true;
      log(`giving up: ${now} sequences still running, ${Date.now() > deadline ? `--drain-minutes ${opts.drainMinutes} passed` : `no progress for ${Math.round(quietFor / 1000)} s`}`);
      break;
    }
    if (Date.now() - lastProgress >= 10_000) {
      lastProgress = Date.now();
      log(`${now} sequences still running, ${pending.size} submissions or actions under way, event-loop delay p99 ${round(lag.percentile(99) / 1e6, 0)} ms`);
    }
    await sleep(1000);
  }
  if (running() === 0) await stack.runner.idle();
  const drainMs = Date.now() - submitStart - submitMs;
  lag.disable();
  clearInterval(rssTimer);

  // --- the reconciliation, against the emulators themselves (not through the fault proxies)
  const reconcileStart = Date.now();
  const { store, close } = openLeadStore({ endpoint: stack.dynamoUrl, table: stack.tableName });
  const runs = runFactsOf(stack);
  const paths = new Map<string, string>();
  const duplicates = new Map<string, number>();
  const report = await reconcile({
    store,
    sesUrl: stack.sesUrl,
    // Every stop in a soak is one of its own actions, so the time it was answered is known (no race allowance needed).
    rules: pathRulesOf(stack.config, 2000),
    settled: true,
    runFacts: (leadId) => {
      const stopAnsweredAt = byLeadId.get(leadId)?.stopAnsweredAt;
      const stepsFinishedAt = runs.get(leadId)?.stepsFinishedAt;
      return { ...(stepsFinishedAt ? { stepsFinishedAt } : {}), ...(stopAnsweredAt !== undefined ? { stopAnsweredAt } : {}) };
    },
    // The soak also needs each lead's path and repeats, for its own cross-check below.
    onLead: (verdict, { timeline }) => {
      paths.set(verdict.leadId, verdict.path);
      duplicates.set(verdict.leadId, timeline.filter((e) => e.type === 'duplicate-submission').length);
    },
  });
  close();
  const reconcileMs = Date.now() - reconcileStart;

  // --- the soak's own checks: each intended path happened, no second sequence, every execution succeeded
  const executions: Record<string, number> = {};
  let stateRetries = 0;
  const toConfirmation: number[] = [];
  for (const execution of stack.runner.list()) {
    executions[execution.status] = (executions[execution.status] ?? 0) + 1;
    const run = runs.get(execution.name);
    stateRetries += run?.stateRetries ?? 0;
    if (run?.toConfirmationMs !== undefined) toConfirmation.push(run.toConfirmationMs);
  }
  const realized: Record<string, Record<string, number>> = {};
  const soakProblems: Array<{ lead: string; problem: string }> = [];
  for (const lead of leads) {
    for (const problem of lead.problems) soakProblems.push({ lead: lead.leadId ?? `#${lead.index}`, problem });
    if (!lead.leadId) continue;
    const path = paths.get(lead.leadId) ?? '(not in the table)';
    (realized[lead.plan.intent] ??= {})[path] = (realized[lead.plan.intent]![path] ?? 0) + 1;
    if (lead.plan.exact && !lead.plan.expect(path)) soakProblems.push({ lead: lead.leadId, problem: `planned "${lead.plan.intent}", the record shows "${path}"` });
    const repeats = duplicates.get(lead.leadId) ?? 0;
    if (repeats !== lead.repeats) soakProblems.push({ lead: lead.leadId, problem: `${lead.repeats} repeat submission(s) answered as duplicates, the timeline has ${repeats}` });
  }
  const sequences = stack.runner.list().length;
  if (sequences !== byLeadId.size) soakProblems.push({ lead: '-', problem: `${sequences} executions for ${byLeadId.size} leads` });
  for (const status of Object.keys(executions)) if (status !== 'SUCCEEDED') soakProblems.push({ lead: '-', problem: `${executions[status]} execution(s) ${status}` });

  const faults = {
    ses: { requests: proxies.ses?.requests ?? 0, ...(proxies.ses?.counts ?? {}) },
    dynamodb: { requests: proxies.dynamodb?.requests ?? 0, ...(proxies.dynamodb?.counts ?? {}) },
  } as Record<'ses' | 'dynamodb', { requests: number } & Record<FaultKind, number>>;
  await stack.close();
  await proxies.ses?.close();
  await proxies.dynamodb?.close();

  const results: SoakResults = {
    machine: { date: new Date(began).toISOString(), nproc: String(cpus().length), cpu: cpus()[0]?.model ?? 'unknown', memGb: round(totalmem() / 2 ** 30, 1), node: process.version },
    commit: sourceCommit,
    command: opts.command,
    options: { leads: opts.leads, minutes: opts.minutes, faultRate: opts.faultRate, daySeconds: opts.daySeconds },
    submission: {
      targetRate: round(opts.leads / (opts.minutes * 60), 1),
      achievedRate: round(((leads.length - 1) / Math.max(submitMs, 1)) * 1000, 1),
      accepted: counters.accepted,
      failed: counters.failed,
      retried: counters.retried,
      p50: round(median(latencies), 1),
      p99: round(percentile(latencies, 99), 1),
      actions: counters.actions,
      actionsFailed: counters.actionsFailed,
      actionsLate: counters.actionsLate,
    },
    durations: { startS: round(startedMs / 1000, 1), submitS: round(submitMs / 1000, 1), drainS: round(drainMs / 1000, 1), reconcileS: round(reconcileMs / 1000, 1), totalS: round((Date.now() - began) / 1000, 1) },
    faults,
    stateRetries,
    confirmationMs: { p50: round(median(toConfirmation), 0), p99: round(percentile(toConfirmation, 99), 0) },
    stalled,
    executions,
    peakRunning,
    peakRssMb: Math.round(peakRss / 2 ** 20),
    eventLoopDelayMs: { p99: round(lag.percentile(99) / 1e6, 0), max: round(lag.max / 1e6, 0) },
    reconciliation: { ...report, mismatched: report.mismatched.slice(0, 20), stuck: report.stuck.slice(0, 20), mismatchedCount: report.mismatched.length, stuckCount: report.stuck.length },
    realized,
    soakProblems: soakProblems.slice(0, 20),
    soakProblemCount: soakProblems.length,
    passed: reconciled(report) && soakProblems.length === 0,
  };
  writeFileSync(opts.out, soakReport(results, report));
  if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
  if (!opts.quiet) console.log(`${formatReconciliation(report)}\n\n${soakSummary(results)}\n\nwrote ${opts.out}`);
  return results.passed;
}

// ------------------------------------------------------------------ the report

export interface SoakResults {
  machine: { date: string; nproc: string; cpu: string; memGb: number; node: string };
  /** The code that ran: read when the soak started, as edits after that do not reach the loaded modules. */
  commit: string;
  command: string;
  options: { leads: number; minutes: number; faultRate: number; daySeconds: number };
  submission: { targetRate: number; achievedRate: number; accepted: number; failed: number; retried: number; p50: number; p99: number; actions: number; actionsFailed: number; actionsLate: number };
  durations: { startS: number; submitS: number; drainS: number; reconcileS: number; totalS: number };
  faults: Record<'ses' | 'dynamodb', { requests: number } & Record<FaultKind, number>>;
  stateRetries: number;
  /** From the start of a lead's execution to its confirmation's send (ms). */
  confirmationMs: { p50: number; p99: number };
  /** Sequences were still running when the soak stopped waiting. */
  stalled: boolean;
  executions: Record<string, number>;
  peakRunning: number;
  peakRssMb: number;
  eventLoopDelayMs: { p99: number; max: number };
  reconciliation: Reconciliation & { mismatchedCount: number; stuckCount: number };
  realized: Record<string, Record<string, number>>;
  soakProblems: Array<{ lead: string; problem: string }>;
  soakProblemCount: number;
  passed: boolean;
}

/** Steps ran on time: the rate was one the local stack sustains (a soak past it still checks correctness, late). */
const keptUp = (r: SoakResults) => r.confirmationMs.p99 < 2000;

function soakSummary(r: SoakResults): string {
  const faultLine = (service: 'ses' | 'dynamodb') =>
    `${service}: ${r.faults[service].requests} requests, ${faultKinds.map((kind) => `${kind} ${r.faults[service][kind]}`).join(', ')}`;
  return [
    `${r.passed ? 'PASSED' : 'FAILED'}: ${r.options.leads} leads in ${r.durations.totalS} s (submitted at ${r.submission.achievedRate}/s of ${r.submission.targetRate}/s; ${r.submission.accepted} accepted, ${r.submission.failed} failed, ${r.submission.retried} retried)`,
    `faults ${faultLine('ses')}; ${faultLine('dynamodb')}; state-machine retries ${r.stateRetries}`,
    `executions ${JSON.stringify(r.executions)}${r.stalled ? ' (stopped waiting)' : ''}, confirmation p50 ${r.confirmationMs.p50} ms / p99 ${r.confirmationMs.p99} ms (${keptUp(r) ? 'kept up' : 'fell behind'}), peak running ${r.peakRunning}, peak RSS ${r.peakRssMb} MB, event-loop delay p99 ${r.eventLoopDelayMs.p99} ms (max ${r.eventLoopDelayMs.max})`,
    ...r.soakProblems.map((p) => `  soak: lead ${p.lead}: ${p.problem}`),
  ].join('\n');
}

function soakReport(r: SoakResults, full: Reconciliation): string {
  const total = (service: 'ses' | 'dynamodb') => faultKinds.reduce((sum, kind) => sum + r.faults[service][kind], 0);
  const rows = (cells: Array<Array<string | number>>) => cells.map((row) => `| ${row.join(' | ')} |`).join('\n');
  const emails = Object.entries(full.emails.byStep).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  return `# Soak: the last run

\`${r.command}\` on ${r.machine.date.slice(0, 16).replace('T', ' ')} UTC (${r.machine.nproc} cores, ${r.machine.cpu}, ${r.machine.memGb} GB, Node ${r.machine.node}), at commit ${r.commit}.
**${r.passed ? 'Passed' : 'Failed'}**: ${full.mismatched.length} lead(s) with mismatches, ${full.stuck.length} stuck, ${full.emails.unexplained.length} email(s) no lead explains, ${r.soakProblemCount} problem(s) in the soak's own checks.

What it does: ${r.options.leads} leads submitted evenly over ${r.options.minutes} min through the local
API (\`startLocalStack\`: the API, the state-machine runner and the functions in one process,
dynalite and the SES emulator in a second), a simulated day every ${r.options.daySeconds} s; each
lead's path is one of the mix below, acted out over HTTP (the rep's signed link, the CRM's
signed webhook, the one-click unsubscribe). ${r.options.faultRate * 100}% of the functions' SES and DynamoDB requests
fail with a transient fault, refused by a proxy before they reach the emulator (so a retry is
always safe): SES on any attempt, DynamoDB on a call's first attempt. Once the stack is idle,
\`npm run reconcile\`'s check (functions/domain/lead-path.ts) runs on every lead, told also when
each step's task finished (from its execution's history) and when each rep's response or
unsubscribe was answered: no step may be claimed after that answer, and no step may be skipped
whose task finished before the response was made.

## Run

${rows([
  ['', 'value'],
  ['---', '---'],
  ['submission rate, target / achieved', `${r.submission.targetRate}/s / ${r.submission.achievedRate}/s`],
  ['leads accepted / failed / requests retried', `${r.submission.accepted} / ${r.submission.failed} / ${r.submission.retried}`],
  ['POST /leads p50 / p99 (ms, with retries)', `${r.submission.p50} / ${r.submission.p99}`],
  ['rep and lead actions / failed / too late to matter', `${r.submission.actions} / ${r.submission.actionsFailed} / ${r.submission.actionsLate}`],
  ['stack start / submission / drain / reconciliation / total (s)', `${r.durations.startS} / ${r.durations.submitS} / ${r.durations.drainS} / ${r.durations.reconcileS} / ${r.durations.totalS}`],
  ['executions', `${Object.entries(r.executions).map(([status, n]) => `${n} ${status}`).join(', ')}${r.stalled ? ' (the soak stopped waiting for them)' : ''}`],
  ['execution start to confirmation sent, p50 / p99 (ms)', `${r.confirmationMs.p50} / ${r.confirmationMs.p99}`],
  ['the stack kept up', keptUp(r) ? 'yes (confirmation p99 under 2 s)' : '**no**: confirmation p99 over 2 s, so every step ran late and the rate is past what this machine sustains'],
  ['peak sequences running at once', r.peakRunning],
  ['peak RSS (MB)', r.peakRssMb],
  ['event-loop delay p99 / max (ms)', `${r.eventLoopDelayMs.p99} / ${r.eventLoopDelayMs.max}`],
])}

## Faults injected

${rows([
  ['service', 'requests', ...faultKinds, 'total', 'rate'],
  ['---', '---', ...faultKinds.map(() => '---'), '---', '---'],
  ...(['ses', 'dynamodb'] as const).map((service) => [
    service === 'ses' ? 'SES (SendEmail)' : 'DynamoDB',
    r.faults[service].requests,
    ...faultKinds.map((kind) => r.faults[service][kind]),
    total(service),
    `${round((total(service) / Math.max(1, r.faults[service].requests)) * 100, 2)}%`,
  ]),
])}

throttling: DynamoDB 400 \`ThrottlingException\`, SES 400 \`Throttling\` or 429 \`TooManyRequestsException\`;
unavailable: 503 \`ServiceUnavailable\`; reset: the connection dropped at once; timeout: no answer for
250 ms, then the connection dropped. State-machine retries (a step failed past its SDK's
retries and Step Functions ran it again): ${r.stateRetries}.

## Emails

${full.emails.stored} stored by the SES emulator; sent per step (the records' claims):
${emails.map(([step, n]) => `${step} ${n}`).join(', ') || 'none'}.

## Reconciliation

\`\`\`
${formatReconciliation(full)}
\`\`\`

## Planned path and what the record shows

${rows([
  ['planned', 'leads', 'expected', 'the reconciliation found'],
  ['---', '---', '---', '---'],
  ...MIX.map((plan) => {
    const found = r.realized[plan.intent] ?? {};
    const n = Object.values(found).reduce((a, b) => a + b, 0);
    return [plan.intent, n, plan.expected, Object.entries(found).sort(([, a], [, b]) => b - a).map(([path, count]) => `${path}: ${count}`).join('; ')];
  }),
])}

A hot lead's rep calls as soon as the confirmation is out, which races the minute-5 alert
(a few ms of real time at this speed): where the call lands after the alert, or after the
escalation, the lead must have exactly those emails, and it does when the reconciliation
says OK. The day-2 contact and the day-4 unsubscribe are timed halfway between two
follow-ups on the lead's own simulated clock.
${r.soakProblemCount ? `\n## The soak's own problems (first ${r.soakProblems.length} of ${r.soakProblemCount})\n\n${r.soakProblems.map((p) => `- lead ${p.lead}: ${p.problem}`).join('\n')}\n` : ''}`;
}

main().then(
  (passed) => process.exit(passed ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
