import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readLeadConfig } from '@commons/env';
import { loadConfig } from '../../lib/config';
import { teamAppFolderName } from '../../lib/team-app-assets';
import { leadConfigFileName, leadConfigOf } from '../../lib/lead-config';

/**
 * `cdk synth` as ops run it: offline, with no AWS credentials, bundling every function with
 * the local esbuild (no Docker), and with cdk-nag's checks registered on the app.
 */
const out = mkdtempSync(join(tmpdir(), 'speed-to-lead-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const withoutAws = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|REGION|DEFAULT_REGION)$/.test(name)));

describe('cdk synth', () => {
  it('succeeds offline and bundles every function into a loadable CommonJS handler', async () => {
    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
      env: { ...withoutAws, CDK_DISABLE_VERSION_CHECK: '1', AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 120_000,
    });
    const manifest = JSON.parse(readFileSync(join(out, 'speed-to-lead-dev.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string; packaging?: string } }> };
    const bundles = Object.values(manifest.files).filter((file) => file.source.packaging === 'zip').map((file) => join(out, file.source.path, 'index.js'));
    // One per function: the API handlers (the team app's two, Slack's clicks and the bookings among them), the workflow steps, sender-events and start-workflow.
    expect(bundles).toHaveLength(17);
    const require = createRequire(import.meta.url);
    for (const bundle of bundles) {
      // No SDK client is left for the runtime to provide: each bundle carries what it calls
      // (the CRT signer is the SDK's own optional, lazily required add-on for SigV4a).
      expect(readFileSync(bundle, 'utf8').match(/require\("@aws-sdk\/(?!signature-v4-crt")[^"]+"\)/)?.[0]).toBeUndefined();
      expect(typeof (require(bundle) as { handler?: unknown }).handler).toBe('function');
    }
    // Beside each bundle but the two static ones': the stage's lead configuration, which LEAD_CONFIG_FILE names.
    const configFiles = bundles.map((bundle) => join(dirname(bundle), leadConfigFileName)).filter((file) => existsSync(file));
    expect(configFiles).toHaveLength(15);
    for (const file of configFiles) expect(readLeadConfig(file)).toEqual(leadConfigOf(loadConfig('dev')));
    // Beside the app page's: the team app, built from web/ (APP_ASSETS_DIR).
    const appFolders = bundles.map((bundle) => join(dirname(bundle), teamAppFolderName)).filter((dir) => existsSync(join(dir, 'index.html')));
    expect(appFolders).toHaveLength(1);
    for (const asset of ['app.js', 'app.css']) expect(existsSync(join(appFolders[0]!, asset))).toBe(true);
  }, 180_000);
});
