/**
 * `npm run bench` (full) or `npm run bench -- --quick` (small, for CI): measures, and writes
 * bench/RESULTS.md (full) or bench/RESULTS.quick.md (quick). See bench/README in RESULTS.md.
 * `--json <file>` also writes the raw figures; `--out <file>` overrides the Markdown path;
 * `--render <json>` rewrites the Markdown from a previous run's figures without measuring;
 * `--only cold,intake,confirm,cost,scale` runs some sections; `--scale-leads <n>` sets section 5's size.
 * The team app's reads (section 6) are `npm run bench:app` (bench/app.ts): its seeding takes
 * minutes, so a full run keeps its last figures from bench/results.json instead of measuring them.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import autocannon from 'autocannon';
import { type AppResults, withAppSection } from './app';
import { coldStart, type ColdStartRow } from './cold-start';
import type { PathCounts } from './paths';
import { type LoadResult, report } from './report';
import { median, percentile, repoRoot, round, wallMs } from './util';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = argValue('--only')?.split(',');
const wanted = (section: string) => !only || only.includes(section);

const sizes = quick
  ? { coldRuns: 1, intakeRequests: 100, confirmRuns: [[10, 3]], scaleLeads: 100, scaleTimeScale: 432_000, sesFloorCalls: 20 }
  : { coldRuns: 20, intakeRequests: 2000, confirmRuns: [[50, 30], [10, 10]], scaleLeads: 10_000, scaleTimeScale: 86_400, sesFloorCalls: 100 };

const scaleLeads = argValue('--scale-leads');
if (scaleLeads !== undefined) {
  if (!/^[1-9]\d*$/.test(scaleLeads)) throw new Error(`--scale-leads must be a whole number, got ${scaleLeads}`);
  sizes.scaleLeads = Number(scaleLeads);
}

const childEnv = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  CDK_VALIDATION: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

interface Child {
  proc: ChildProcess;
  next(): Promise<any>;
  ask(cmd: string): Promise<any>;
  close(): Promise<void>;
}

/** The system under test in its own process (bench/server.ts), spoken to over IPC. */
function child(mode: string, arg: unknown = {}, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(repoRoot, 'bench', 'server.ts'), mode, JSON.stringify(arg)], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: any[] = [];
  const waiting: Array<{ resolve: (m: any) => void; reject: (e: Error) => void }> = [];
  proc.on('message', (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  });
  proc.on('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`bench/server.ts ${mode} exited (${code})`));
  });
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise<any>((resolve, reject) => waiting.push({ resolve, reject })));
  return {
    proc,
    next,
    ask: (cmd) => {
      const reply = next();
      proc.send({ cmd });
      return reply;
    },
    close: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      if (proc.connected) proc.send({ cmd: 'close' });
      const timer = setTimeout(() => proc.kill(), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------- intake latency

function leadBody(prefix: string, i: number) {
  return JSON.stringify({ email: `bench.${prefix}.${i}@acme.io`, name: 'Dana Director', company: 'Acme', jobTitle: 'Director of Sales', formId: 'demo-request', message: 'A demo please.' });
}

async function load(baseUrl: string, connections: number, amount: number): Promise<LoadResult> {
  const prefix = randomUUID().slice(0, 8);
  let n = 0;
  let bad = 0;
  const times: number[] = [];
  const started = wallMs();
  let lastAt = started;
  const result = await new Promise<{ non2xx: number; errors: number; timeouts: number }>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${baseUrl}/leads`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections,
        amount,
        timeout: 30,
        // Per-request setup must sit in `requests`: autocannon sends the first request of a
        // top-level setupRequest without it.
        requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: leadBody(prefix, n++) }), onResponse: (status) => void (status >= 300 && bad++) }],
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      times.push(responseTime);
      lastAt = wallMs();
    });
  });
  // autocannon calls back on its next 1 s tick: the rate is up to the last response.
  const elapsed = lastAt - started;
  return { p50: round(median(times), 2), p99: round(percentile(times, 99), 2), rps: round((times.length / elapsed) * 1000, 0), requests: times.length, non2xx: Math.max(result.non2xx, bad), errors: result.errors + result.timeouts };
}

async function intakeLatency() {
  const server = child('intake');
  const { apiUrl, floorUrl } = await server.next();
  try {
    // Warm both (handlers loaded, clients and connections built) before measuring.
    await load(floorUrl, 4, 100);
    await load(apiUrl, 4, 100);
    const out: Record<string, { floor: LoadResult; intake: LoadResult }> = {};
    for (const connections of [1, 32]) {
      const floor = await load(floorUrl, connections, sizes.intakeRequests);
      const intake = await load(apiUrl, connections, sizes.intakeRequests);
      out[`c${connections}`] = { floor, intake };
      log(`intake c=${connections}: floor p50 ${floor.p50} ms, intake p50 ${intake.p50} ms`);
    }
    return out;
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- time to confirmation

async function sesFloor(sesUrl: string, calls: number) {
  const ses = new SESv2Client({ endpoint: sesUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const send = (i: number) =>
    ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'bench@example.com',
        Destination: { ToAddresses: [`floor.${i}@acme.io`] },
        Content: { Simple: { Subject: { Data: 'floor' }, Body: { Text: { Data: 'floor' }, Html: { Data: '<p>floor</p>' } } } },
      }),
    );
  for (let i = 0; i < 5; i++) await send(i);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = wallMs();
    await send(i);
    times.push(wallMs() - t0);
  }
  ses.destroy();
  return { p50: round(median(times), 2), p99: round(percentile(times, 99), 2) };
}

async function timeToConfirmation(rate: number, seconds: number) {
  const server = child('confirm');
  const { apiUrl, sesUrl } = await server.next();
  try {
    const floor = await sesFloor(sesUrl, sizes.sesFloorCalls);
    // One lead first so every handler is loaded (a deployed stack would be warm too).
    await fetch(`${apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: leadBody('warmup', 0) }).then((r) => r.text());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const total = rate * seconds;
    const prefix = randomUUID().slice(0, 8);
    const accepted: Array<{ email: string; at: number }> = [];
    let failed = 0;
    const start = wallMs();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - wallMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const body = leadBody(prefix, i);
      const email = `bench.${prefix}.${i}@acme.io`;
      inFlight.push(
        fetch(`${apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (response) => {
          await response.text();
          if (response.status === 202) accepted.push({ email, at: wallMs() });
          else failed++;
        }, () => void failed++),
      );
    }
    await Promise.all(inFlight);
    const sendMs = wallMs() - start;
    let sent: Array<{ to: string[]; at: number }> = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      sent = (await server.ask('sent')).sent;
      const confirmed = new Set(sent.flatMap((m) => m.to));
      if (accepted.every((a) => confirmed.has(a.email)) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const firstTo = new Map<string, number>();
    for (const mail of sent) for (const to of mail.to) if (!firstTo.has(to)) firstTo.set(to, mail.at);
    const delays = accepted.filter((a) => firstTo.has(a.email)).map((a) => firstTo.get(a.email)! - a.at);
    const result = {
      rate,
      seconds,
      leads: total,
      accepted: accepted.length,
      failed,
      confirmed: delays.length,
      achievedRate: round((total / sendMs) * 1000, 1),
      p50: round(median(delays), 1),
      p99: round(percentile(delays, 99), 1),
      max: round(Math.max(...delays), 1),
      floor,
    };
    log(`confirmation at ${rate}/s: p50 ${result.p50} ms, p99 ${result.p99} ms, floor ${floor.p50} ms`);
    return result;
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- cost and scale

async function pathCounts(): Promise<PathCounts[]> {
  const server = child('paths', { quick });
  try {
    return (await server.next()).result;
  } finally {
    await server.close();
  }
}

async function scale() {
  // The handlers' SDK calls allocate fast: a larger young generation means fewer scavenges
  // (about a tenth of the runner's CPU here).
  const server = child('scale', { leads: sizes.scaleLeads, timeScale: sizes.scaleTimeScale }, ['--expose-gc', '--max-semi-space-size=32']);
  try {
    return (await server.next()).result;
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- main

async function main() {
  // Re-render the Markdown from a previous run's --json (e.g. after editing the notes).
  const from = argValue('--render');
  if (from) {
    const previous = JSON.parse(readFileSync(from, 'utf8'));
    const out = argValue('--out') ?? join(repoRoot, 'bench', previous.quick ? 'RESULTS.quick.md' : 'RESULTS.md');
    writeFileSync(out, withAppSection(report(previous), previous.app as AppResults | undefined));
    log(`wrote ${out} from ${from}`);
    return;
  }
  const began = Date.now();
  const machine = {
    date: new Date().toISOString(),
    nproc: (() => {
      try {
        return execSync('nproc', { encoding: 'utf8' }).trim();
      } catch {
        return String(cpus().length);
      }
    })(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  };
  const results: Record<string, unknown> = { machine, quick, sizes };
  // How long each section took, so the 10-minute budget can be read section by section.
  const sectionS: Record<string, number> = {};
  results.sectionS = sectionS;
  const timed = async <T>(section: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      sectionS[section] = Math.round((Date.now() - t0) / 1000);
    }
  };
  if (wanted('cold')) {
    log('cold start: bundling and timing each function');
    results.coldStart = (await timed('cold', () => coldStart(sizes.coldRuns))) satisfies ColdStartRow[];
  }
  if (wanted('intake')) results.intake = await timed('intake', intakeLatency);
  if (wanted('confirm')) {
    results.confirmation = await timed('confirm', async () => {
      const runs = [];
      // Each rate on a fresh stack, so one run's backlog never delays the next.
      for (const [rate, seconds] of sizes.confirmRuns as Array<[number, number]>) runs.push(await timeToConfirmation(rate, seconds));
      return runs;
    });
  }
  if (wanted('cost')) {
    log('cost: running each lead path');
    results.paths = await timed('cost', pathCounts);
  }
  if (wanted('scale')) {
    log(`scale: ${sizes.scaleLeads} leads in flight`);
    results.scale = await timed('scale', scale);
  }
  results.elapsedS = Math.round((Date.now() - began) / 1000);
  // The full run keeps its raw figures next to RESULTS.md (--render re-reads them).
  const json = argValue('--json') ?? (quick || only ? undefined : join(repoRoot, 'bench', 'results.json'));
  const kept = join(repoRoot, 'bench', 'results.json');
  if (!quick && existsSync(kept)) {
    const app = (JSON.parse(readFileSync(kept, 'utf8')) as { app?: AppResults }).app;
    if (app) results.app = app;
  }
  if (json) writeFileSync(json, JSON.stringify(results, null, 2));
  const out = argValue('--out') ?? join(repoRoot, 'bench', quick ? 'RESULTS.quick.md' : 'RESULTS.md');
  writeFileSync(out, withAppSection(report(results as never), results.app as AppResults | undefined));
  log(`wrote ${out} in ${results.elapsedS} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
