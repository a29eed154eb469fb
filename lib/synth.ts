import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type DeployConfig, loadConfig } from './config';
import { SpeedToLeadStack } from './speed-to-lead-stack';

/**
 * The stack's CloudFormation template, synthesized in-process: what tests and the local
 * stack run is what `cdk synth` deploys. Unless `bundle`, no Lambda code is bundled, and
 * CloudFormation's built-in validation (~2 s) is skipped, so this takes well under a second.
 */
export function synthTemplate(config: DeployConfig = loadConfig('dev'), opts: { bundle?: boolean } = {}): Record<string, any> {
  const outdir = mkdtempSync(join(tmpdir(), 'speed-to-lead-synth-'));
  try {
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      treeMetadata: false,
      context: opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new SpeedToLeadStack(app, `speed-to-lead-${config.stage}`, { config });
    return Template.fromStack(stack).toJSON();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
