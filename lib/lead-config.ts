import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LeadConfigSchema, type LeadConfig } from '@commons/env';
import type { DeployConfig } from './config';

/**
 * The stage's lead configuration (sequence, reps, routing, SLA) reaches the functions as a
 * JSON file beside each bundle, named by LEAD_CONFIG_FILE, not as environment values: Lambda
 * caps a function's whole environment at 4 KB, which a few dozen reps with working hours fill.
 * The local stack writes the same file from the same function and points LEAD_CONFIG_FILE at it.
 */

/** The file's name inside each function's bundle. */
export const leadConfigFileName = 'lead-config.json';

/** Where Lambda unpacks a zip function's code (LAMBDA_TASK_ROOT), so where the bundled file is. */
export const bundledLeadConfigFile = `/var/task/${leadConfigFileName}`;

/** The part of the deploy config the functions read at cold start, validated by their own schema. */
export function leadConfigOf(config: DeployConfig): LeadConfig {
  return LeadConfigSchema.parse({
    sequence: config.sequence,
    reps: config.reps,
    ...(config.routing ? { routing: config.routing } : {}),
    slaMinutes: config.slaMinutes,
    ...(config.crm ? { crm: config.crm } : {}),
    ...(config.sms ? { sms: config.sms } : {}),
    ...(config.bookingOffer ? { bookingOffer: config.bookingOffer } : {}),
  });
}

/** Writes the stage's lead configuration as `<dir>/<name>` and returns the file's path. */
export function writeLeadConfig(config: DeployConfig, dir: string, name: string = leadConfigFileName): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(leadConfigOf(config)));
  return file;
}

/**
 * Writes the stage's lead configuration where bundling copies it from, named by its content
 * (`node_modules/.cache/speed-to-lead/lead-config-<hash>.json`, outside git and outside the
 * assets' source hash), and returns that path relative to the project root.
 */
export function stagedLeadConfig(config: DeployConfig, projectRoot: string): string {
  const text = JSON.stringify(leadConfigOf(config));
  const relativePath = `node_modules/.cache/speed-to-lead/lead-config-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`;
  const file = join(projectRoot, relativePath);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return relativePath;
}

/** A path as one POSIX shell word. */
export const shellWord = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
