import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { linkIn, waitForEmails } from '../support/inbox';
import { hotLead, uniqueEmail } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * `npm start` as a person runs it: a process tree on fixed ports with its data in a folder.
 * A lead posted with plain fetch gets its confirmation; Ctrl-C (SIGINT to the process group,
 * as a terminal sends it) stops everything mid-sequence; the next start resumes the lead where
 * it was, without sending anything twice, and its sequence finishes.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// One simulated day per real second: at least a second between the day-1 and day-3 follow-ups
// (business hours keep follow-ups a day apart) is time to stop in between. The second start
// has nothing to stop between, so its clock runs four times as fast: the resumed lead's
// remaining 13 days take about 3 s instead of 13.
const TIME_SCALE = 86_400;
const RESUMED_TIME_SCALE = 4 * TIME_SCALE;

const dataDir = mkdtempSync(join(tmpdir(), 'speed-to-lead-npm-start-'));
const started: ChildProcess[] = [];

afterAll(() => {
  // Whatever a failed test left running: the whole group, npm and everything under it.
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const [apiPort, sesPort, dynamoPort, slackPort, smsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
const apiUrl = `http://127.0.0.1:${apiPort}`;
const sesUrl = `http://127.0.0.1:${sesPort}`;

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `pattern` in stdout + stderr, as soon as it appears. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function npmStart(timeScale = TIME_SCALE): Running {
  // Its own process group (detached), so a signal reaches npm and everything under it, like Ctrl-C.
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      LOCAL_DATA_DIR: dataDir,
      PORT: String(apiPort),
      SES_PORT: String(sesPort),
      DYNAMODB_PORT: String(dynamoPort),
      SLACK_PORT: String(slackPort),
      SMS_PORT: String(smsPort),
      LOCAL_TIME_SCALE: String(timeScale),
    },
  });
  started.push(child);
  let output = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out waiting for ${pattern} in the npm start output:\n${output}`));
        }, timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(match);
        };
        waiters.add(check);
        check();
        void exited.then(() => setTimeout(() => waiters.has(check) && reject(new Error(`npm start exited before ${pattern}:\n${output}`)), 50));
      }),
  };
}

/** Ctrl-C: SIGINT to the whole group; everything must be gone soon after, with the data released. */
async function stop(running: Running) {
  process.kill(-running.child.pid!, 'SIGINT');
  const { code, signal } = await running.exited;
  // npm re-raises the SIGINT its script got, as any program stopped by Ctrl-C does; the
  // script itself must have finished its stop (the pid file goes last) and printed no error.
  expect(code === 0 || signal === 'SIGINT', `exit ${code} ${signal}`).toBe(true);
  expect(running.output()).toContain('Stopping...');
  expect(existsSync(join(dataDir, 'pid'))).toBe(false);
  expect(running.output(), 'no stack trace').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  // Nothing of the process group is left behind (npm returns once its script has exited).
  const groupAlive = () => {
    try {
      process.kill(-running.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; groupAlive() && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(groupAlive(), 'processes left in the group').toBe(false);
}

describe('npm start', () => {
  it('keeps leads across a restart and resumes an unfinished sequence where it stopped', async () => {
    const spawnedAt = Date.now();
    const first = npmStart();
    const [, readyIn] = await first.waitFor(/Ready in ([\d.]+) s/);
    console.log(`[e2e] npm start -> ready: ${readyIn} s in the script, ${Date.now() - spawnedAt} ms from spawning npm`);
    expect(first.output()).toContain(`API       ${apiUrl}`);
    expect(first.output()).toContain(`Inbox     ${sesUrl}`);
    expect(first.output()).toContain(`DynamoDB  http://127.0.0.1:${dynamoPort}`);
    expect(first.output()).toContain(`Slack     http://127.0.0.1:${slackPort}`);
    expect(first.output()).toContain(`SMS       http://127.0.0.1:${smsPort}/messages`);
    // A new data folder: the log shows a sample lead's sequence without another step.
    await first.waitFor(/submitting a sample lead/);
    await first.waitFor(/lead \w{8} {2}submitted/);

    const email = uniqueEmail('dana', 'acme.example');
    const submittedAt = Date.now();
    const response = await fetch(`${apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hotLead(email)) });
    expect(response.status).toBe(202);
    const { leadId } = (await response.json()) as { leadId: string };
    const short = leadId.slice(0, 8);

    const [confirmation] = await waitForEmails(sesUrl, email, (emails) => emails.some((e) => /we received your request/.test(e.subject)));
    console.log(`[e2e] npm start: POST /leads -> confirmation in the inbox: ${Date.now() - submittedAt} ms`);
    await waitForEmails(sesUrl, email, (emails) => emails.some((e) => /\(day 1\)$/.test(e.subject)), 15_000);
    // Day 1, or later when business hours move it into the lead's working day.
    await first.waitFor(new RegExp(`\\+\\d+d(?: \\d+h)? +lead ${short} {2}day-1 follow-up sent`));
    await stop(first);
    expect(first.output()).not.toMatch(new RegExp(`lead ${short} .*day-3`));
    const secret = readFileSync(join(dataDir, 'link-secret'), 'utf8');

    const second = npmStart(RESUMED_TIME_SCALE);
    await second.waitFor(/Ready in/);
    // The lead continues from its day-1 follow-up on its own simulated clock.
    await second.waitFor(new RegExp(`\\+\\d+d(?: \\d+h)? +lead ${short} {2}resumed after the day-1 follow-up`));
    expect(second.output()).not.toContain('submitting a sample lead');
    await second.waitFor(new RegExp(`\\+\\d+d(?: \\d+h)? +lead ${short} {2}sequence closed`), 60_000);
    expect(second.output()).toMatch(new RegExp(`\\+[3-9]d(?: \\d+h)? +lead ${short} {2}day-3 follow-up sent`));

    // The new emulator's inbox holds only what the resumed run sent: nothing twice.
    const resent = await waitForEmails(sesUrl, email, (emails) => emails.some((e) => /\(day 14\)$/.test(e.subject)));
    expect(resent.map((e) => e.subject).filter((s) => s.startsWith('Thanks') || /\(day 1\)$/.test(s))).toEqual([]);
    expect(resent.filter((e) => /following up/.test(e.subject)).map((e) => /\(day (\d+)\)$/.exec(e.subject)?.[1])).toEqual(['3', '7', '14']);

    // Kept across the restart: the lead (read on the fixed DynamoDB port, as tools do) and
    // the link secret, so the link in the first run's confirmation still works.
    const lead = await storeOf({ dynamoUrl: `http://127.0.0.1:${dynamoPort}`, tableName: 'speed-to-lead-local' }).leads.getLead(leadId);
    expect(lead).toMatchObject({ email, closedAt: expect.any(String) });
    expect(readFileSync(join(dataDir, 'link-secret'), 'utf8')).toBe(secret);
    const unsubscribe = await fetch(linkIn(confirmation!, 'Unsubscribe from these emails'));
    expect(unsubscribe.status).toBe(200);
    await stop(second);
  });
});
