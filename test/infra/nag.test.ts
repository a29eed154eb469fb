import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { DeployConfigSchema, loadConfig } from '../../lib/config';
import { SpeedToLeadStack } from '../../lib/speed-to-lead-stack';
import { companyLogin } from './company-login';
import { newApp } from './template';

const dev = loadConfig('dev');
// Optional parts switched on, so their resources are checked too.
const full = DeployConfigSchema.parse({
  ...dev,
  stage: 'full',
  sender: { ...dev.sender, configurationSet: 'lead-mail' },
  alarmEmail: 'ops@example.com',
  teamSignIn: companyLogin,
});


/**
 * cdk-nag 3 reports through CDK's validation plugins (not annotations): an unacknowledged
 * finding, error or warning, fails `cdk synth`. Every acknowledgment in lib/ carries its reason.
 */
describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['dev', dev],
    ['with configuration set, alarm email and company login', full],
  ] as const)('%s: no unacknowledged findings', (_, config) => {
    const app = newApp();
    const stack = new SpeedToLeadStack(app, `speed-to-lead-${config.stage}`, { config });
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.description}\n  at ${v.violatingResources.map((r) => r.constructPath).join('\n  at ')}`,
    );
    if (findings.length > 0) console.error(findings.join('\n'));
    expect(findings).toEqual([]);
  });

  it('passes as a validation plugin during synth, as `cdk synth` runs it', () => {
    const app = newApp();
    new SpeedToLeadStack(app, 'speed-to-lead-dev', { config: dev });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('every acknowledgment gives a reason in a sentence', () => {
    const app = newApp();
    const stack = new SpeedToLeadStack(app, 'speed-to-lead-dev', { config: dev });
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/AwsSolutions-(IAM5\[.+\]|L1|SMG4|APIG4|SF1|SQS3|COG2|COG8)$/);
      expect(reason, id).toMatch(/^[A-Z`'].{40,}\.$/);
    }
  });
});
