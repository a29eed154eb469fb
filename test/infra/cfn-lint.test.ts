import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeployConfig, DeployConfigSchema, loadConfig } from '../../lib/config';
import { SpeedToLeadStack } from '../../lib/speed-to-lead-stack';
import { companyLogin } from './company-login';

/**
 * AWS's own CloudFormation linter over every template a deploy sends: each stage's stack, and
 * prod's firewall stack in us-east-1. It checks what CDK's types do not: property values
 * against CloudFormation's resource schemas, region availability, references and limits.
 */
const cfnLint = (() => {
  try {
    return execFileSync('cfn-lint', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();

/** Findings we accept, each for a reason that holds for every occurrence. */
const accepted: Array<{ rule: string; on?: string; why: string }> = [
  {
    rule: 'W3005',
    why: "CDK's NodejsFunction and StateMachine add DependsOn their role next to the GetAtt of its ARN (and its policy, which is the dependency that matters): a redundant edge, harmless to CloudFormation",
  },
  {
    rule: 'E3002',
    on: 'AWS::CloudWatch::Dashboard',
    why: "cfn-lint's bundled schema lags CloudFormation, which takes Tags on dashboards (CDK tags every resource of the stack)",
  },
];

interface Finding {
  Filename: string;
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location: { Path: Array<string | number> };
}

const out = mkdtempSync(join(tmpdir(), 'speed-to-lead-lint-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Writes every stack of a stage's app, as `cdk synth` would (without bundling the functions). */
function synthStage(stage: string, config: DeployConfig = loadConfig(stage)): string[] {
  const dir = join(out, stage);
  const app = new App({ outdir: dir, builtinCloudFormationValidation: false, treeMetadata: false, context: { 'aws:cdk:bundling-stacks': [] } });
  new SpeedToLeadStack(app, `speed-to-lead-${stage}`, { config });
  app.synth();
  return readdirSync(dir).filter((file) => file.endsWith('.template.json')).map((file) => join(dir, file));
}

const resourceType = (finding: Finding): string | undefined => {
  const [section, id] = finding.Location.Path;
  if (section !== 'Resources' || typeof id !== 'string') return undefined;
  return (JSON.parse(readFileSync(finding.Filename, 'utf8')) as { Resources: Record<string, { Type: string }> }).Resources[id]?.Type;
};

describe.skipIf(!cfnLint)(`cfn-lint${cfnLint ? ` (${cfnLint})` : ': not installed here (pip install cfn-lint), so these checks are skipped'}`, () => {
  it('finds nothing in the templates of dev (with a company login connected) and prod (with its firewall stack) but the findings accepted above', async () => {
    // Dev with the company login connected (a hosted domain, Google and SAML providers): dev's
    // resources and those, in one template, so the lint takes no longer than before.
    const devWithCompanyLogin = DeployConfigSchema.parse({ ...loadConfig('dev'), teamSignIn: companyLogin });
    const templates = [...synthStage('dev', devWithCompanyLogin), ...synthStage('prod')];
    expect(templates.map((file) => file.slice(out.length + 1)).sort()).toEqual(['dev/speed-to-lead-dev.template.json', 'prod/speed-to-lead-prod-firewall.template.json', 'prod/speed-to-lead-prod.template.json']);
    // cfn-lint exits non-zero whenever it finds anything: read its findings, not its exit code.
    const { stdout } = await promisify(execFile)('cfn-lint', ['--format', 'json', ...templates], { maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string }) => {
      if (typeof error.stdout !== 'string' || !error.stdout.trim().startsWith('[')) throw error;
      return { stdout: error.stdout };
    });
    const findings = JSON.parse(stdout) as Finding[];
    const unexpected = findings
      .filter((finding) => !accepted.some((rule) => rule.rule === finding.Rule.Id && (rule.on === undefined || rule.on === resourceType(finding))))
      .map((finding) => `${finding.Rule.Id} ${finding.Location.Path.join('/')}: ${finding.Message} (${finding.Filename.slice(out.length + 1)})`);
    expect(unexpected).toEqual([]);
  });
});
