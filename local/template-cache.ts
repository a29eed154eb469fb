import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DeployConfig } from '../lib/config';
import type { CfnTemplate } from './template';

/**
 * The template lib/synth.ts synthesizes for a config, kept in
 * `node_modules/.cache/speed-to-lead/template-<hash>.json`, the hash taken over everything
 * synth reads: the config, lib/ (with its config files), functions/ and web/ (the bundles'
 * entries and assets), the lockfile (CDK's version) and the TypeScript and CDK settings.
 * Each test file starts a stack; they all ran the same synth (2-4 s on 2 cores, and importing
 * aws-cdk-lib's constructs for it), so it runs once per change of its inputs instead.
 */
const inputs = ['lib', 'functions', 'web', 'package-lock.json', 'tsconfig.json', 'cdk.json'];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
}

/** The cache file's key: any change to what synth reads makes another. */
export function templateKey(projectRoot: string, config: DeployConfig): string {
  const hash = createHash('sha256').update(projectRoot).update('\0').update(JSON.stringify(config)).update('\0');
  for (const input of inputs) {
    for (const file of files(join(projectRoot, input))) hash.update(relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function cachedTemplate(projectRoot: string, config: DeployConfig): Promise<CfnTemplate> {
  const dir = join(projectRoot, 'node_modules', '.cache', 'speed-to-lead');
  const file = join(dir, `template-${templateKey(projectRoot, config)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
  // Imported only on a miss: the constructs are most of what a stack's start would import.
  const { synthTemplate } = await import('../lib/synth');
  const template = synthTemplate(config) as CfnTemplate;
  mkdirSync(dir, { recursive: true });
  // Written beside it, then moved in at once: stacks starting in parallel never read half a file.
  const writing = `${file}.${process.pid}-${Date.now()}`;
  writeFileSync(writing, JSON.stringify(template));
  try {
    renameSync(writing, file);
  } catch {
    rmSync(writing, { force: true });
  }
  return template;
}
