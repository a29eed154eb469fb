import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readLeadConfig } from '@commons/env';
import { Stack } from 'aws-cdk-lib';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { awsLimitIssues, awsLimits, environmentBytes, referenceBytes } from '../../lib/aws-limits';
import { type DeployConfig, DeployConfigSchema, loadConfig } from '../../lib/config';
import { leadConfigOf, writeLeadConfig } from '../../lib/lead-config';
import { synthTemplate } from '../../lib/synth';
import { newApp, resourcesOfType, type Template as CfnTemplate } from './template';

/**
 * The lead configuration (sequence, reps, routing, SLA) travels as a file in each bundle, not
 * in the functions' environment, which Lambda caps at 4 KB per function; `cdk synth` refuses
 * an environment that would not fit, naming the function, the limit and the fix.
 */
const dev = loadConfig('dev');

/** A team of `count` reps, each with working hours in their own zone. */
const teamOf = (count: number): DeployConfig =>
  DeployConfigSchema.parse({
    ...dev,
    stage: 'team',
    reps: Array.from({ length: count }, (_, i) => ({
      id: `rep-${String(i).padStart(3, '0')}`,
      name: `Representative Number ${i}`,
      email: `representative.number.${i}@sales.example.com`,
      workingHours: { start: '08:30', end: '17:30', days: [1, 2, 3, 4, 5], defaultTimeZone: i % 2 ? 'America/New_York' : 'Europe/Berlin' },
    })),
    routing: { ...dev.routing, accountOwners: {}, pools: { default: Array.from({ length: count }, (_, i) => `rep-${String(i).padStart(3, '0')}`) }, slackChannels: {} },
  });

const environments = (template: CfnTemplate) =>
  resourcesOfType(template, 'AWS::Lambda::Function').map(([id, fn]) => [id, (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>] as const);

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lead-config-'));
  dirs.push(dir);
  return dir;
};

describe('a team of 200 reps with working hours', () => {
  const team = teamOf(200);

  it('synthesizes, and every function\'s environment stays the size it is with 5 reps, well under 4 KB', () => {
    const small = new Map(environments(synthTemplate(teamOf(5)) as CfnTemplate).map(([id, env]) => [id, environmentBytes(env)]));
    const large = environments(synthTemplate(team) as CfnTemplate);
    expect(large.length).toBe(small.size);
    for (const [id, env] of large) {
      const bytes = environmentBytes(env);
      expect(bytes, id).toBe(small.get(id));
      // A quarter of the limit left over: rep-response holds five secrets' ARNs (the links', ours,
      // HubSpot's, Pipedrive's, Salesforce's), each counted as a 256-byte deploy-time value.
      expect(bytes, id).toBeLessThan(awsLimits.lambdaEnvironmentBytes * 0.75);
      expect(JSON.stringify(env), id).not.toContain('rep-199');
    }
    // The reps alone would be many times the limit.
    expect(JSON.stringify(team.reps).length).toBeGreaterThan(10 * awsLimits.lambdaEnvironmentBytes);
  });

  it('reach the functions: their config loader reads all 200 from the file LEAD_CONFIG_FILE names', async () => {
    const file = writeLeadConfig(team, tempDir());
    expect(readLeadConfig(file).reps).toHaveLength(200);

    vi.resetModules();
    vi.stubEnv('TABLE_NAME', 'speed-to-lead-team');
    vi.stubEnv('SENDER', 'Example Sales <leads@example.com>');
    vi.stubEnv('SENDER_POSTAL_ADDRESS', '1 Example Street, Springfield, IL 62701, USA');
    vi.stubEnv('PUBLIC_BASE_URL', 'https://leads.example.com');
    vi.stubEnv('LINK_SECRET_ID', 'link-secret');
    vi.stubEnv('LEAD_CONFIG_FILE', file);
    try {
      const { config, routingOf } = await import('@commons/config');
      expect(config().REPS).toEqual(team.reps);
      expect(config().REPS[199]!.workingHours?.defaultTimeZone).toBe('America/New_York');
      expect(config().SEQUENCE).toEqual(team.sequence);
      expect(config().SLA_MINUTES).toEqual(team.slaMinutes);
      expect(routingOf().pools.default).toHaveLength(200);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the lead configuration file', () => {
  it('is the deploy config\'s sequence, reps, routing, SLA and where texts come from, as the functions\' own schema reads them', () => {
    expect(leadConfigOf(dev)).toEqual({ sequence: dev.sequence, reps: dev.reps, routing: dev.routing, slaMinutes: dev.slaMinutes, sms: dev.sms });
    expect(readLeadConfig(writeLeadConfig(dev, tempDir()))).toEqual(leadConfigOf(dev));
  });

  it('that is missing or wrong stops the function at cold start, naming the file and the field', () => {
    const dir = tempDir();
    expect(() => readLeadConfig(join(dir, 'nothing.json'))).toThrow(`Invalid lead configuration: ${join(dir, 'nothing.json')} (LEAD_CONFIG_FILE) is not readable JSON`);
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...leadConfigOf(dev), reps: [{ ...dev.reps[0]!, email: 'not-an-email' }] }));
    expect(() => readLeadConfig(file)).toThrow(`Invalid lead configuration in ${file}: reps.0.email: `);
  });
});

describe('cdk synth refuses what AWS would refuse at deploy', () => {
  it('an environment over Lambda\'s 4 KB, naming the function, the limit, the size and the fix', () => {
    // What a config can still put in the environment: the links' base URL is one.
    const long = DeployConfigSchema.parse({ ...dev, stage: 'long', publicBaseUrl: `https://leads.example.com/${'a'.repeat(4000)}` });
    const synth = () => synthTemplate(long);
    expect(synth).toThrow(/speed-to-lead-long\/Functions\/Intake: its environment would be about [\d,]+ bytes \(each deploy-time reference counted as 256\), over Lambda's limit of 4 KB \(4,096 bytes\)/);
    expect(synth).toThrow(/Largest: PUBLIC_BASE_URL 4,0\d\d bytes.*Move large values out of the environment/);
  });

  it('a state machine definition over Step Functions\' 1 MB', () => {
    const stack = new Stack(newApp(), 'big-machine');
    new CfnStateMachine(stack, 'Machine', { roleArn: 'arn:aws:iam::123456789012:role/x', definitionString: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Comment: 'x'.repeat(awsLimits.stateMachineDefinitionBytes), End: true } } }) });
    expect(awsLimitIssues(stack)).toEqual([expect.stringMatching(/^big-machine: its definition would be about 1,048,6\d\d bytes, over Step Functions' limit of 1 MB \(1,048,576 bytes\)/)]);
  });

  it('counts each deploy-time reference at its plausible maximum, and pseudo parameters at their longest', () => {
    expect(environmentBytes({ A: 'x' })).toBe('{"A":"x"}'.length);
    expect(environmentBytes({ A: { Ref: 'SomeTable' } })).toBe('{"A":""}'.length + referenceBytes);
    expect(environmentBytes({ A: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':', { Ref: 'AWS::Region' }]] } })).toBe('{"A":"arn::"}'.length + 10 + 14);
    // Multi-byte characters count as the bytes they are.
    expect(environmentBytes({ A: 'Zürich' })).toBe('{"A":"Zürich"}'.length + 1);
  });
});
