import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Keeps `npm run bench -- --quick` working: it must finish and produce every figure. Nothing
 * about time is asserted here (the bench reports timings; tests on a shared machine must not).
 * Section 5 runs 20 leads instead of quick's 100: its time grows with the leads, and 20 still
 * cover the mix of paths and put many sequences in flight at once.
 *
 * The two benches are separate processes on separate data, so they run at the same time
 * (`describe.concurrent`): most of each one's time is stacks starting and leads waiting.
 */
describe.concurrent('bench harness (quick)', () => {
  it('runs and reports each figure with its floor', async () => {
    const json = join(dir, 'results.json');
    const md = join(dir, 'RESULTS.md');
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--scale-leads', '20', '--json', json, '--out', md], { cwd: root, env: { ...process.env, CDK_VALIDATION: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`bench failed: ${error.message}\n${stderr}`)) : resolve(),
      ),
    );
    const results = JSON.parse(readFileSync(json, 'utf8'));
    expect(results.coldStart.length).toBeGreaterThan(5);
    for (const row of results.coldStart) {
      expect(row.kb).toBeGreaterThan(0);
      expect(row.initMs).toBeGreaterThan(0);
      expect(row.floorInitMs).toBeGreaterThan(0);
      expect(row.top.length).toBeGreaterThan(0);
    }
    for (const key of ['c1', 'c32']) {
      for (const side of ['floor', 'intake']) {
        expect(results.intake[key][side].requests).toBeGreaterThan(0);
        expect(Number.isFinite(results.intake[key][side].p99)).toBe(true);
      }
    }
    expect(results.confirmation.length).toBeGreaterThan(0);
    for (const run of results.confirmation) {
      expect(run.confirmed).toBeGreaterThan(0);
      expect(Number.isFinite(run.p99)).toBe(true);
      expect(Number.isFinite(run.floor.p50)).toBe(true);
    }
    expect(results.paths.map((p: { path: string }) => p.path)).toEqual([
      'hot, not contacted',
      'hot, contacted at +3 min',
      'warm, contacted on day 2',
      'cold, never contacted',
      'warm, unsubscribed on day 4',
      'duplicate (the repeat only)',
    ]);
    for (const path of results.paths) expect(path.apiRequests).toBeGreaterThan(0);
    expect(results.scale.leads).toBeGreaterThan(0);
    expect(results.scale.peakInFlight).toBeGreaterThan(0);
    expect(results.scale.runner.peakRss).toBeGreaterThan(0);
    const report = readFileSync(md, 'utf8');
    for (const heading of ['## 1. Cold start', '## 2. Intake latency', '## 3. Time to confirmation', '## 4. Cost per 1,000 leads', '## 5. Scale of the local runner', '## Not measured yet']) {
      expect(report).toContain(heading);
    }
  }, 240_000);
});

/**
 * Keeps `npm run bench:app` working on a few leads: it seeds, signs in, measures both reads and
 * their floors and writes its section. Sizes only, never times (the 100,000-lead run is a bench).
 */
describe.concurrent('bench harness (team app, few leads)', () => {
  it('measures the queue and the dashboard with their floors and writes its section', async () => {
    const json = join(dir, 'app.json');
    const md = join(dir, 'APP.md');
    const sizes = ['--leads', '300', '--queue-leads', '20', '--runs', '3', '--warmup', '1', '--dashboard-runs', '2', '--dashboard-warmup', '0', '--breakdown-runs', '1'];
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', 'bench/app.ts', ...sizes, '--data', join(dir, 'app-data'), '--json', json, '--out', md], { cwd: root, env: { ...process.env, CDK_VALIDATION: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`bench:app failed: ${error.message}\n${stderr}`)) : resolve(),
      ),
    );
    const { app } = JSON.parse(readFileSync(json, 'utf8'));
    expect(app.queue).toMatchObject({ leads: 20, statuses: { 200: 4 }, api: { requests: 3 }, floor: { requests: 3 } });
    expect(app.dashboard).toMatchObject({ leads: 300, statuses: { 200: 2 }, api: { requests: 2 }, floor: { requests: 2 } });
    expect(app.breakdown.leadsRead).toBe(300);
    for (const figure of [app.queue.api.p95, app.queue.floor.p95, app.dashboard.api.p95, app.dashboard.floor.p95, app.breakdown.readMs, app.breakdown.computeMs]) expect(Number.isFinite(figure)).toBe(true);
    expect(readFileSync(md, 'utf8')).toContain('## 6. Team app reads');
    // Sharing the machine with the quick bench above.
  }, 120_000);
});
