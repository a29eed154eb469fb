import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keptWebhookSecret, openLocalData } from '../../local/data-dir';

/**
 * The local data folder keeps the CRM webhook's secret between runs, readable by a local tool
 * (`npm run seed` signs the CRM's outcomes with it), and `--fresh` makes a new one.
 */
const dir = mkdtempSync(join(tmpdir(), 'local-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the kept webhook secret', () => {
  it('is made on the first start, kept on the next, readable by a tool, replaced by --fresh, and only its owner may read it', () => {
    expect(keptWebhookSecret(dir)).toBeUndefined();
    const first = openLocalData(dir);
    first.release();
    expect(first.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.webhookSecret).not.toBe(first.linkSecret);
    expect(keptWebhookSecret(dir)).toBe(first.webhookSecret);
    expect(statSync(join(dir, 'crm-webhook-secret')).mode & 0o077).toBe(0);
    const again = openLocalData(dir);
    again.release();
    expect(again.webhookSecret).toBe(first.webhookSecret);
    const fresh = openLocalData(dir, { fresh: true });
    fresh.release();
    expect(fresh.webhookSecret).not.toBe(first.webhookSecret);
    expect(keptWebhookSecret(dir)).toBe(fresh.webhookSecret);
  });
});
