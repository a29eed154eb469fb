import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type DeployConfig, loadConfig } from '../lib/config';
import { compileEmails } from '../lib/emails';
import { SpeedToLeadStack } from '../lib/speed-to-lead-stack';

/** The stage's deploy config (and its email templates, checked), or a one-line-per-problem message and exit (no stack trace). */
function configFor(stage: string): DeployConfig {
  try {
    const config = loadConfig(stage);
    // The email templates are checked with the config they are sent with (the stack compiles them again from memory).
    compileEmails(config);
    return config;
  } catch (error) {
    console.error(`Cannot synthesize stage "${stage}":\n${(error as Error).message}`);
    process.exit(1);
  }
}

// `cdk synth -c stage=prod` deploys lib/config/prod.json. The stack is environment-agnostic,
// so synth needs no AWS credentials and does no lookups.
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
new SpeedToLeadStack(app, `speed-to-lead-${stage}`, { config: configFor(stage) });

// cdk-nag 3 runs as a validation plugin: an unacknowledged finding fails the synth. Each
// acknowledgment sits beside the construct it is about, with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
