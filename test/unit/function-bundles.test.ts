import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * What stays out of the Lambda bundles because it cost cold start for nothing: full `zod` (it
 * cannot be tree-shaken: about 440 KB in every bundle) and, in the form script's function,
 * everything the API's body handling and tracing load.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const functionsDir = join(root, 'functions');
const sources = (readdirSync(functionsDir, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => join(functionsDir, file));

/** The npm packages a bundle of `entry` is made of, as esbuild resolves them for Lambda. */
async function packagesIn(entry: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [entry], bundle: true, write: false, metafile: true, minify: true, platform: 'node', format: 'cjs', target: 'node22',
    tsconfig: join(root, 'tsconfig.json'), logLevel: 'silent',
  });
  const names = Object.keys(metafile.inputs).flatMap((path) => {
    const parts = path.split('node_modules/').at(-1)!.split('/');
    return path.includes('node_modules/') ? [parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!] : [];
  });
  return [...new Set(names)].sort();
}

describe('the Lambda bundles', () => {
  it('take zod only as zod/mini, through @domain/zod', () => {
    const zodImport = /\bfrom\s+['"]zod(\/[^'"]*)?['"]|\brequire\(\s*['"]zod/;
    const importers = sources.filter((file) => zodImport.test(readFileSync(file, 'utf8'))).map((file) => relative(root, file));
    expect(importers).toEqual(['functions/domain/zod.ts']);
  });

  it.each(['lead-form', 'app-page'])('serve static files (%s) without zod, body parsers, the X-Ray SDK or an AWS client', async (handler) => {
    const packages = await packagesIn(join(functionsDir, handler, 'handler.ts'));
    expect(packages.filter((name) => /^(zod|aws-xray-sdk-core|@middy\/http-.*|@aws-sdk\/.*)$/.test(name))).toEqual([]);
  }, 30_000);

  it("keep the phone metadata (libphonenumber-js, about 120 KB) in intake, the one function that reads a typed phone", async () => {
    /** Bytes a package adds to the bundle's output (a tree-shaken input still appears in the metafile, with none). */
    const bytesOf = async (handler: string, pkg: string) => {
      const { metafile } = await build({
        entryPoints: [join(functionsDir, handler, 'handler.ts')], bundle: true, write: false, metafile: true, minify: true, platform: 'node', format: 'cjs', target: 'node22',
        tsconfig: join(root, 'tsconfig.json'), logLevel: 'silent', outfile: 'out.js',
      });
      const output = Object.values(metafile.outputs).find((o) => o.entryPoint)!;
      return Object.entries(output.inputs).filter(([path]) => path.includes(`node_modules/${pkg}/`)).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    };
    expect(await bytesOf('intake', 'libphonenumber-js')).toBeGreaterThan(50_000);
    for (const emailing of ['alert-rep', 'send-confirmation', 'rep-response', 'app-api']) expect(await bytesOf(emailing, 'libphonenumber-js'), emailing).toBe(0);
  }, 30_000);

  it("keep Slack's client and the SMS client out of the lead's own emails (the confirmation and the follow-ups): only the team's alerts load them", async () => {
    for (const handler of ['send-confirmation', 'send-follow-up']) {
      const packages = await packagesIn(join(functionsDir, handler, 'handler.ts'));
      expect(packages.filter((name) => /^(@slack\/.*|axios|@aws-sdk\/client-pinpoint-sms-voice-v2)$/.test(name)), handler).toEqual([]);
    }
    for (const handler of ['alert-rep', 'escalate-lead']) {
      const packages = await packagesIn(join(functionsDir, handler, 'handler.ts'));
      expect(packages, handler).toEqual(expect.arrayContaining(['@slack/web-api', '@aws-sdk/client-pinpoint-sms-voice-v2']));
    }
  }, 60_000);
});
