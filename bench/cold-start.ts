import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { eventHandlers, routeHandlers, workflowSteps } from '../lib/routes';
import { median, repoRoot } from './util';

/**
 * Cold start per Lambda: each function bundled as CDK bundles it (lib/lead-functions.ts:
 * minified, CJS, node22, source map without sources, AWS SDK bundled), its size, and the time
 * a fresh `node` process takes to require it. The floor is a bundle, built the same way, that
 * imports only the AWS SDK clients the function calls (`clientsUsed`).
 */
export interface ColdStartRow {
  name: string;
  kb: number;
  floorKb: number;
  initMs: number;
  floorInitMs: number;
  /** SDK client packages found in the bundle. */
  clients: string[];
  /** SDK client packages the function calls (what the floor imports). */
  used: string[];
  top: Array<{ module: string; kb: number }>;
}

const outDir = join(repoRoot, 'bench', '.out');

const bundleOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: 'node22',
  platform: 'node' as const,
  format: 'cjs' as const,
  metafile: true,
  tsconfig: join(repoRoot, 'tsconfig.json'),
  logLevel: 'silent' as const,
};

/** Packages (or source folders) by their share of the output. */
function contributors(meta: Metafile, outfile: string): Array<{ module: string; kb: number }> {
  const output = outputOf(meta, outfile);
  if (!output) return [];
  const byModule = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const nm = path.lastIndexOf('node_modules/');
    let module: string;
    if (nm >= 0) {
      const parts = path.slice(nm + 'node_modules/'.length).split('/');
      module = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    } else {
      module = path.split('/').slice(0, 2).join('/');
    }
    byModule.set(module, (byModule.get(module) ?? 0) + bytesInOutput);
  }
  return [...byModule.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([module, bytes]) => ({ module, kb: Math.round(bytes / 102.4) / 10 }));
}

/** One bundle's entry in a metafile of several: its output, named by its file. */
function outputOf(meta: Metafile, outfile: string): Metafile['outputs'][string] | undefined {
  const file = `/${outfile.split('/').pop()!}`;
  return Object.entries(meta.outputs).find(([path]) => `/${path}`.endsWith(file))?.[1];
}

/** A metafile of several bundles cut down to one: its output and the inputs it contains. */
function metafileOf(meta: Metafile, outfile: string): Metafile {
  const file = `/${outfile.split('/').pop()!}`;
  const outputs = Object.fromEntries(Object.entries(meta.outputs).filter(([path]) => `/${path}`.endsWith(file) || `/${path}`.endsWith(`${file}.map`)));
  const used = new Set(Object.values(outputs).flatMap((output) => Object.keys(output.inputs)));
  return { inputs: Object.fromEntries(Object.entries(meta.inputs).filter(([path]) => used.has(path))), outputs };
}

/** SDK client packages a bundle pulled in (what its floor imports). */
function sdkClients(meta: Metafile, outfile: string): string[] {
  const found = new Set<string>();
  for (const path of Object.keys(outputOf(meta, outfile)?.inputs ?? {})) {
    const m = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(path);
    if (m) found.add(m[1]!);
  }
  return [...found].sort();
}

/**
 * The SDK clients each function calls (lib/lead-functions.ts capabilities: leads -> DynamoDB,
 * email -> SES v2, links -> Secrets Manager; intake starts executions and checks the firewall's
 * origin secret). The floor imports these.
 */
export const clientsUsed: Record<string, string[]> = {
  // Behind the firewall intake reads the origin-verify secret (ORIGIN_VERIFY_SECRET_ID) at cold start.
  intake: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/client-sqs', '@aws-sdk/client-secrets-manager'],
  'rep-response': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-secrets-manager'],
  unsubscribe: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-secrets-manager'],
  'lead-form': [],
  'send-confirmation': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/client-secrets-manager'],
  'score-and-route': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  'alert-rep': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/client-secrets-manager'],
  'escalate-lead': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/client-secrets-manager'],
  'send-follow-up': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/client-secrets-manager'],
  'close-lead': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  'record-failure': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  'sender-events': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  'start-workflow': ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sfn'],
};

const clientExports: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/lib-dynamodb': 'DynamoDBDocumentClient',
  '@aws-sdk/client-sfn': 'SFNClient',
  '@aws-sdk/client-sesv2': 'SESv2Client',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-sqs': 'SQSClient',
};

/** Wall time of one `require(bundle)` in a fresh node process. */
function requireOnce(file: string): number {
  const script = `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true' },
    encoding: 'utf8',
  });
  return Number(out);
}

/**
 * Medians of `runs` requires of a bundle and of its floor, taken in turns, so a noisy spell on
 * the shared machine falls on both rather than on whichever ran during it.
 */
function requireTimes(file: string, floorFile: string, runs: number): { initMs: number; floorInitMs: number } {
  const bundle: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    bundle.push(requireOnce(file));
    floor.push(requireOnce(floorFile));
  }
  return { initMs: median(bundle), floorInitMs: median(floor) };
}

export async function coldStart(runs: number): Promise<ColdStartRow[]> {
  mkdirSync(outDir, { recursive: true });
  const names = [...routeHandlers, ...workflowSteps, ...eventHandlers];
  const outfile = (name: string) => join(outDir, `${name}.cjs`);
  // One esbuild run for all the functions, and one for all the floors: esbuild reads and parses
  // the AWS SDK once for every entry instead of once per bundle, and each entry's output is
  // still a bundle of its own (no code splitting), the same bytes separate builds would write.
  const built = await build({
    ...bundleOptions,
    entryPoints: names.map((name) => ({ in: join(repoRoot, 'functions', name, 'handler.ts'), out: name })),
    outdir: outDir,
    outExtension: { '.js': '.cjs' },
  });
  const metafile = built.metafile!;
  const used = new Map(names.map((name) => [name, [...(clientsUsed[name] ?? sdkClients(metafile, outfile(name)))].sort()]));
  for (const name of names) {
    writeFileSync(
      join(outDir, `${name}.floor-entry.mjs`),
      used.get(name)!.map((c, i) => `import { ${clientExports[c] ?? 'default'} as c${i} } from '${c}';`).join('\n') +
        `\nexport const clients = [${used.get(name)!.map((_, i) => `c${i}`).join(', ')}];\n`,
    );
  }
  await build({
    ...bundleOptions,
    entryPoints: names.map((name) => ({ in: join(outDir, `${name}.floor-entry.mjs`), out: `${name}.floor` })),
    outdir: outDir,
    outExtension: { '.js': '.cjs' },
    metafile: false,
  });
  const rows: ColdStartRow[] = [];
  for (const name of names) {
    const floorFile = join(outDir, `${name}.floor.cjs`);
    // The function's own part of the analysis, as its separate build wrote it.
    writeFileSync(join(outDir, `${name}.meta.json`), JSON.stringify(metafileOf(metafile, outfile(name))));
    rows.push({
      name,
      kb: Math.round(statSync(outfile(name)).size / 1024),
      floorKb: Math.round(statSync(floorFile).size / 1024),
      ...requireTimes(outfile(name), floorFile, runs),
      clients: sdkClients(metafile, outfile(name)),
      used: used.get(name)!,
      top: contributors(metafile, outfile(name)),
    });
  }
  return rows;
}
