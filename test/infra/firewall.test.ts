import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeployConfig, DeployConfigSchema, loadConfig } from '../../lib/config';
import { FIREWALL_REGION, LeadEdge, LeadFirewallStack } from '../../lib/lead-firewall';
import { handlerMetadataKey } from '../../lib/lead-functions';
import { SpeedToLeadStack } from '../../lib/speed-to-lead-stack';
import { flatten, newApp, onlyOfType, resourcesOfType, roleOf, statementsOfRole, type Template } from './template';

const dev = loadConfig('dev');
const prod = loadConfig('prod');
// The firewall on a stage without its own domain: links go to the distribution's domain.
const guarded = DeployConfigSchema.parse({ ...dev, stage: 'guarded', firewall: { ratePerIpPer5Min: 500, leadsPerIpPer5Min: 20 } });


/** The stage's stack and, when its config has a firewall, the firewall's stack, synthesized together. */
function synthStage(config: DeployConfig) {
  const app = newApp();
  const stack = new SpeedToLeadStack(app, `speed-to-lead-${config.stage}`, { config });
  const firewall = stack.edge?.firewallStack;
  return {
    app,
    stack,
    firewall,
    template: CdkTemplate.fromStack(stack).toJSON() as Template,
    firewallTemplate: firewall && (CdkTemplate.fromStack(firewall).toJSON() as Template),
  };
}

/** The stage's dashboard, its body parsed (references become `<Ref:...>`). */
const dashboardOf = (template: Template) => JSON.parse(flatten(onlyOfType(template, 'AWS::CloudWatch::Dashboard')[1].Properties.DashboardBody)) as { widgets: Array<{ properties: { title: string; metrics: unknown[][] } }> };

const ruleNamed = (template: Template, name: string) =>
  (onlyOfType(template, 'AWS::WAFv2::WebACL')[1].Properties.Rules as any[]).find((rule) => rule.Name === name);
/** PUBLIC_BASE_URL of every function that links to the API, flattened. */
const linkBases = (template: Template) =>
  resourcesOfType(template, 'AWS::Lambda::Function')
    .map(([, fn]) => fn.Properties.Environment?.Variables?.PUBLIC_BASE_URL)
    .filter((value) => value !== undefined)
    .map(flatten);

describe('the firewall, off (dev)', () => {
  const { app, stack, template } = synthStage(dev);

  it('adds no distribution, no web ACL and no second stack', () => {
    expect(stack.edge).toBeUndefined();
    expect(resourcesOfType(template, 'AWS::CloudFront::Distribution')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::WAFv2::WebACL')).toEqual([]);
    expect(app.node.children.filter(Stack.isStack)).toEqual([stack]);
  });

  it('graphs no firewall on the dashboard', () => {
    expect(JSON.stringify(dashboardOf(template))).not.toContain('AWS/WAFV2');
  });

  it('requires no origin header', () => {
    for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) expect(fn.Properties.Environment?.Variables?.ORIGIN_VERIFY_SECRET_ID).toBeUndefined();
  });

  it('links to the API itself', () => {
    const bases = linkBases(template);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^<ApiHttpApi[0-9A-F]+\.ApiEndpoint>$/);
  });
});

describe('the firewall, on', () => {
  const { stack, firewall, template, firewallTemplate } = synthStage(guarded);
  const [distributionId, distribution] = onlyOfType(template, 'AWS::CloudFront::Distribution');
  const config = distribution.Properties.DistributionConfig;

  it('puts the web ACL in its own stack in us-east-1, which the stage deploys after', () => {
    expect(firewall).toBeInstanceOf(LeadFirewallStack);
    expect(firewall!.stackName).toBe('speed-to-lead-guarded-firewall');
    expect(firewall!.region).toBe(FIREWALL_REGION);
    expect(stack.dependencies).toContain(firewall);
    // The stage itself stays environment-agnostic: deployed to whatever region ops choose.
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(resourcesOfType(template, 'AWS::WAFv2::WebACL')).toEqual([]);
    // Billed to the same project and stage as the rest.
    expect(onlyOfType(firewallTemplate!, 'AWS::WAFv2::WebACL')[1].Properties.Tags).toEqual(
      expect.arrayContaining([{ Key: 'project', Value: 'speed-to-lead' }, { Key: 'stage', Value: 'guarded' }]),
    );
  });

  it('limits requests per client IP at the configured rates, with a 429 in the API\'s error shape', () => {
    const [, acl] = onlyOfType(firewallTemplate!, 'AWS::WAFv2::WebACL');
    expect(acl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} }, Name: 'speed-to-lead-guarded' });

    const all = ruleNamed(firewallTemplate!, 'RequestsPerIp');
    expect(all.Statement.RateBasedStatement).toEqual({ AggregateKeyType: 'IP', Limit: 500, EvaluationWindowSec: 300 });
    expect(all.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'TooManyRequests' } } });

    const leads = ruleNamed(firewallTemplate!, 'LeadsPerIp');
    expect(leads.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', Limit: 20 });
    const scope = leads.Statement.RateBasedStatement.ScopeDownStatement.AndStatement.Statements.map((s: any) => s.ByteMatchStatement);
    expect(scope).toMatchObject([
      { FieldToMatch: { Method: {} }, PositionalConstraint: 'EXACTLY', SearchString: 'POST' },
      { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'EXACTLY', SearchString: '/leads' },
    ]);
    expect(leads.Action).toEqual(all.Action);
    // The tighter form limit is checked first.
    expect(leads.Priority).toBeLessThan(all.Priority);

    const body = acl.Properties.CustomResponseBodies.TooManyRequests;
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toEqual({ error: 'TooManyRequests', message: expect.stringMatching(/Wait a few minutes/) });
  });

  it('records what AWS\'s common rule set would block, without blocking (count)', () => {
    const common = ruleNamed(firewallTemplate!, 'AwsCommonRules');
    expect(common.OverrideAction).toEqual({ Count: {} });
    expect(common.Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' });
  });

  it('graphs on the stage\'s dashboard what each rule blocked or counted, read in us-east-1 where CloudFront\'s web ACLs report', () => {
    const widget = dashboardOf(template).widgets.find((w) => w.properties.title.startsWith('Firewall:'));
    expect(widget).toBeDefined();
    // [namespace, name, dimension, value, dimension, value, options]
    const metrics = widget!.properties.metrics.map(([namespace, name, k1, v1, k2, v2, options]) => {
      const dimensions = { [String(k1)]: v1, [String(k2)]: v2 };
      return { namespace, name, webAcl: dimensions.WebACL, rule: dimensions.Rule, options: options as { region: string; label: string } };
    });
    for (const metric of metrics) expect(metric).toMatchObject({ namespace: 'AWS/WAFV2', webAcl: 'speed-to-lead-guarded', options: { region: FIREWALL_REGION } });
    // Each rule's metric name, as the web ACL declares it.
    const acl = onlyOfType(firewallTemplate!, 'AWS::WAFv2::WebACL')[1].Properties;
    for (const rule of acl.Rules as Array<{ Name: string; VisibilityConfig: { MetricName: string } }>) {
      expect(metrics).toContainEqual(expect.objectContaining({ name: 'BlockedRequests', rule: rule.VisibilityConfig.MetricName, options: expect.objectContaining({ label: `${rule.Name} blocked` }) }));
      expect(metrics).toContainEqual(expect.objectContaining({ name: 'CountedRequests', rule: rule.VisibilityConfig.MetricName }));
    }
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'AllowedRequests', rule: 'ALL' }));
  });

  it('associates the web ACL with the distribution, read from the firewall stack\'s output in us-east-1', () => {
    expect(config.WebACLId).toEqual({
      'Fn::GetStackOutput': { StackName: 'speed-to-lead-guarded-firewall', OutputName: LeadFirewallStack.webAclArnOutput, Region: 'us-east-1' },
    });
    const [aclId] = onlyOfType(firewallTemplate!, 'AWS::WAFv2::WebACL');
    expect(firewallTemplate!.Outputs?.[LeadFirewallStack.webAclArnOutput]?.Value).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
  });

  it('forwards everything to the HTTP API and caches nothing', () => {
    expect(config.Origins).toHaveLength(1);
    const [origin] = config.Origins;
    expect(origin.DomainName).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [expect.stringMatching(/^ApiHttpApi/), 'ApiEndpoint'] }] }] });
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(origin.OriginCustomHeaders).toEqual([{ HeaderName: LeadEdge.originHeader, HeaderValue: expect.anything() }]);
    const behavior = config.DefaultCacheBehavior;
    expect(behavior.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'OPTIONS']));
    // AWS managed policies: CachingDisabled, AllViewerExceptHostHeader (Origin, query strings, the signing headers).
    expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(behavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    // An error answer (a 503 to retry, a 404 before the lead exists) is never replayed from the edge.
    for (const code of [403, 404, 503]) expect(config.CustomErrorResponses).toContainEqual({ ErrorCode: code, ErrorCachingMinTTL: 0 });
  });

  it('takes leads only through the distribution: the intake requires its header, a generated secret it reads at cold start', () => {
    const [secretId] = resourcesOfType(template, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('EdgeOriginSecret'))!;
    const value = config.Origins[0].OriginCustomHeaders[0].HeaderValue;
    // A dynamic reference CloudFormation resolves into the distribution: the template never holds the value.
    expect(value).toEqual({ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] });
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    // No function's environment holds the value, resolved or not (Lambda shows its environment in plain text).
    for (const [id, fn] of functions) {
      expect(JSON.stringify(fn.Properties.Environment ?? {}), id).not.toContain('{{resolve:');
      expect(fn.Properties.Environment?.Variables?.ORIGIN_VERIFY, id).toBeUndefined();
    }
    const required = functions.filter(([, fn]) => fn.Properties.Environment?.Variables?.ORIGIN_VERIFY_SECRET_ID !== undefined);
    for (const [, fn] of required) expect(fn.Properties.Environment.Variables.ORIGIN_VERIFY_SECRET_ID).toEqual({ Ref: secretId });
    const handlerOf = ([, fn]: (typeof functions)[number]) => fn.Metadata?.[handlerMetadataKey] as string;
    // The links' routes keep answering on the API's own URL: links emailed before the firewall still work.
    expect(required.map(handlerOf)).toEqual(['intake']);
    // Only the intake may read it, and only its value.
    const readers = functions.filter(([id]) => statementsOfRole(template, roleOf(template, id)).some((s) => JSON.stringify(s.Resource).includes(secretId)));
    expect(readers.map(handlerOf)).toEqual(['intake']);
    const statements = statementsOfRole(template, roleOf(template, required[0]![0])).filter((s) => JSON.stringify(s.Resource).includes(secretId));
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } })]);
  });

  it('links and the form go through the distribution', () => {
    const bases = linkBases(template);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toBe(`https://<${distributionId}.DomainName>`);
    const url = Object.entries(template.Outputs ?? {}).find(([id]) => id.startsWith('EdgeUrl'));
    expect(flatten(url?.[1].Value)).toBe(`https://<${distributionId}.DomainName>`);
  });
});

describe('the firewall on the prod example (its own domain)', () => {
  const { template, firewallTemplate } = synthStage(prod);
  const config = onlyOfType(template, 'AWS::CloudFront::Distribution')[1].Properties.DistributionConfig;

  it('answers on publicBaseUrl\'s domain with TLS 1.2 or later, and links use that domain', () => {
    expect(config.Aliases).toEqual(['leads.example.com']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: prod.firewall!.certificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    for (const base of linkBases(template)) expect(base).toBe('https://leads.example.com');
    expect(ruleNamed(firewallTemplate!, 'RequestsPerIp').Statement.RateBasedStatement.Limit).toBe(prod.firewall!.ratePerIpPer5Min);
  });
});

describe('firewall options', () => {
  const aclWith = (firewall: Record<string, unknown>) =>
    synthStage(DeployConfigSchema.parse({ ...guarded, firewall })).firewallTemplate!;

  it('"block" enforces the common rule set, except its 8 KB body cap (the API answers 413 itself)', () => {
    const common = ruleNamed(aclWith({ ratePerIpPer5Min: 100, managedRules: 'block' }), 'AwsCommonRules');
    expect(common.OverrideAction).toEqual({ None: {} });
    expect(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
  });

  it('"off" and no form limit leave only the limit on all requests', () => {
    const rules = onlyOfType(aclWith({ ratePerIpPer5Min: 100, managedRules: 'off' }), 'AWS::WAFv2::WebACL')[1].Properties.Rules as any[];
    expect(rules.map((rule) => rule.Name)).toEqual(['RequestsPerIp']);
  });
});

describe('a bad firewall config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speed-to-lead-firewall-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (firewall: unknown, extra: Record<string, unknown> = {}) => {
    writeFileSync(join(dir, 'edge.json'), JSON.stringify({ ...dev, stage: 'edge', ...extra, firewall }));
    return () => loadConfig('edge', dir);
  };
  const file = join(dir, 'edge.json');

  it('names the file, the field and the fix', () => {
    expect(load({ ratePerIpPer5Min: 5 })).toThrow(`${file}: firewall.ratePerIpPer5Min: AWS WAF limits at least 10 requests per IP in 5 minutes: use 10 or more`);
    expect(load({})).toThrow(`${file}: firewall.ratePerIpPer5Min: `);
    expect(load({ ratePerIpPer5Min: 100, leadsPerIpPer5Min: 200 })).toThrow(`${file}: firewall.leadsPerIpPer5Min: must not exceed ratePerIpPer5Min (100)`);
    expect(load({ ratePerIpPer5Min: 100, managedRules: 'on' })).toThrow(`${file}: firewall.managedRules: `);
    expect(load({ ratePerIpPer5Min: 100, ratePerIp: 100 })).toThrow(/firewall: Unrecognized key: "ratePerIp"/);
  });

  it('refuses links that would go around it, and a certificate CloudFront cannot use', () => {
    expect(load({ ratePerIpPer5Min: 100 }, { publicBaseUrl: 'https://leads.example.com' })).toThrow(
      `${file}: firewall.certificateArn: is needed with publicBaseUrl: an ACM certificate in us-east-1 for leads.example.com`,
    );
    expect(load({ ratePerIpPer5Min: 100, certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b' }, { publicBaseUrl: 'https://leads.example.com' })).toThrow(
      `${file}: firewall.certificateArn: must be the ARN of an ACM certificate in us-east-1`,
    );
    expect(load({ ratePerIpPer5Min: 100, certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b' })).toThrow(`${file}: firewall.certificateArn: needs publicBaseUrl`);
    expect(load({ ratePerIpPer5Min: 100, certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b' }, { publicBaseUrl: 'https://example.com/leads' })).toThrow(
      `${file}: publicBaseUrl: must be https://<domain> with no path`,
    );
  });
});

describe('cdk-nag AwsSolutions with the firewall on', () => {
  it.each([
    ['on the distribution\'s own domain', guarded],
    ['on its own domain (prod)', prod],
  ] as const)('%s: both stacks have no unacknowledged findings', (_, config) => {
    const { app, stack, firewall } = synthStage(config);
    const checks = new AwsSolutionsChecks(app, { verbose: true });
    for (const scope of [stack, firewall!]) {
      const findings = checks.validateScope(scope).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(findings, scope.stackName).toEqual([]);
    }
  });

  it('passes as a validation plugin during synth, as `cdk synth` runs it', () => {
    const app = newApp();
    new SpeedToLeadStack(app, 'speed-to-lead-guarded', { config: guarded });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('acknowledges only CloudFront\'s findings and the origin secret\'s rotation, each with its reason, and TLS only without a certificate', () => {
    const acknowledged = (config: DeployConfig) => {
      const { stack } = synthStage(config);
      return stack.edge!.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        .map(([id, reason]) => [id.slice(id.indexOf('AwsSolutions-')), reason] as const);
    };
    const own = acknowledged(guarded);
    expect(own.map(([id]) => id).sort()).toEqual(['AwsSolutions-CFR1', 'AwsSolutions-CFR3', 'AwsSolutions-CFR4', 'AwsSolutions-SMG4']);
    for (const [id, reason] of own) expect(reason, id).toMatch(/^[A-Z`'].{40,}\.$/);
    expect(acknowledged(prod).map(([id]) => id).sort()).toEqual(['AwsSolutions-CFR1', 'AwsSolutions-CFR3', 'AwsSolutions-SMG4']);
  });
});
