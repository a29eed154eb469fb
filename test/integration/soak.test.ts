import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'soak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `npm run soak` in small: 60 leads over 6 s on every path, with transient faults in the
 * functions' SES and DynamoDB requests; the reconciliation must find every lead's emails and
 * timeline exactly as its path requires, and no lead stuck. Nothing about time is asserted.
 */
describe('soak (small)', () => {
  it('drives every path through faults, and every lead reconciles', async () => {
    const json = join(dir, 'soak.json');
    const md = join(dir, 'SOAK.md');
    const args = ['--import', 'tsx', 'bench/soak.ts', '--leads', '60', '--minutes', '0.1', '--day-seconds', '1', '--fault-rate', '0.03', '--quiet', '--json', json, '--out', md];
    const exit = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, args, { cwd: root, env: { ...process.env, CDK_VALIDATION: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      ),
    );
    const results = JSON.parse(readFileSync(json, 'utf8'));
    const problems = [...results.reconciliation.mismatched, ...results.reconciliation.stuck, ...results.soakProblems];
    expect(problems, `${exit.stderr}\n${readFileSync(md, 'utf8')}`).toEqual([]);
    expect(exit.code).toBe(0);
    expect(results.passed).toBe(true);
    expect(results.reconciliation).toMatchObject({ leads: 60, ok: 60, mismatchedCount: 0, stuckCount: 0 });
    expect(results.executions).toEqual({ SUCCEEDED: 60 });
    // Faults of every service were injected and ridden out.
    for (const service of ['ses', 'dynamodb']) {
      const injected = ['throttling', 'unavailable', 'reset', 'timeout'].reduce((sum, kind) => sum + results.faults[service][kind], 0);
      expect(injected, service).toBeGreaterThan(0);
    }
    // Every planned path was driven, each found as planned or, for the timed ones, on a neighbouring step.
    expect(Object.keys(results.realized).sort()).toEqual([
      'cold, never contacted',
      'cold, submitted twice',
      'disqualified (noreply@)',
      'hot, contacted by the CRM within minutes',
      'hot, contacted from the alert link within minutes',
      'hot, not contacted',
      'warm, contacted on day 2',
      'warm, unsubscribed on day 4',
    ]);
    expect(results.realized['hot, not contacted']).toEqual({ 'hot: never contacted': expect.any(Number) });
    expect(Object.keys(results.realized['hot, contacted by the CRM within minutes']).every((path) => path.startsWith('hot: contacted '))).toBe(true);
    expect(readFileSync(md, 'utf8')).toContain('## Reconciliation');
  }, 180_000);
});
