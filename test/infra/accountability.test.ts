import { describe, expect, it } from 'vitest';
import { LeadConfigSchema } from '@commons/env';
import { defaultSla } from '@domain/sla';
import { DeployConfigSchema, loadConfig } from '../../lib/config';
import { bundledLeadConfigFile, leadConfigOf } from '../../lib/lead-config';
import { synthTemplate } from '../../lib/synth';
import { flatten, resourcesOfType, type Template } from './template';

/** What issue 4 adds to the stack: the SLA config, metrics, and the CRM webhook's secret. */
const dev = loadConfig('dev');
const strict = DeployConfigSchema.parse({ ...dev, stage: 'strict', slaMinutes: { hot: 10, warm: 60, cold: 480 } });

const functionsOf = (template: Template) =>
  resourcesOfType(template, 'AWS::Lambda::Function').map(([id, fn]) => ({
    id,
    handler: String(fn.Metadata?.['SpeedToLead:Handler']),
    env: (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
  }));

describe('SLA and metrics configuration', () => {
  it.each([
    ['dev', dev],
    ['a stricter stage', strict],
  ] as const)('%s: every lead function gets the SLA of its stage and a per-stage metrics namespace', (_, config) => {
    const template = synthTemplate(config) as Template;
    const withLeads = functionsOf(template).filter((fn) => fn.env.TABLE_NAME !== undefined);
    expect(withLeads.map((fn) => fn.handler)).toContain('rep-response');
    for (const fn of withLeads) {
      // The SLA is in the lead configuration file bundled with each of them.
      expect(fn.env.LEAD_CONFIG_FILE, fn.handler).toBe(bundledLeadConfigFile);
      expect(fn.env.POWERTOOLS_METRICS_NAMESPACE, fn.handler).toBe(`SpeedToLead/${config.stage}`);
    }
    expect(leadConfigOf(config).slaMinutes).toEqual(config.slaMinutes);
  });

  it('defaults to hot 15 min, warm 4 h, cold 24 h, and refuses a bad SLA naming the field', () => {
    const { slaMinutes: _, ...withoutSla } = dev;
    expect(DeployConfigSchema.parse(withoutSla).slaMinutes).toEqual({ hot: 15, warm: 240, cold: 1440 });
    expect(dev.slaMinutes).toEqual(defaultSla);
    const bad = DeployConfigSchema.safeParse({ ...dev, slaMinutes: { hot: 0, warm: 240, cold: 1440 } });
    expect([...new Set(bad.error?.issues.map((i) => i.path.join('.')))]).toEqual(['slaMinutes.hot']);
    const typo = DeployConfigSchema.safeParse({ ...dev, slaMinutes: { hot: 15, warm: 240, cold: 1440, luke: 1 } });
    expect(typo.success).toBe(false);
  });

  it('functions read the SLA from their lead configuration file, with the defaults when it is absent', () => {
    const base = { sequence: dev.sequence, reps: dev.reps };
    expect(LeadConfigSchema.parse(base).slaMinutes).toEqual(defaultSla);
    expect(LeadConfigSchema.parse({ ...base, slaMinutes: { hot: 5, warm: 60, cold: 480 } }).slaMinutes).toEqual({ hot: 5, warm: 60, cold: 480 });
    expect(LeadConfigSchema.safeParse({ ...base, slaMinutes: { hot: 'soon' } }).success).toBe(false);
  });
});

describe("the CRM webhook's secret", () => {
  const template = synthTemplate(dev) as Template;

  it('is told only to rep-response, and is an output for ops to hand to the CRM', () => {
    const [webhookSecretId] = resourcesOfType(template, 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('WebhookSigningSecret'))!;
    for (const fn of functionsOf(template)) {
      if (fn.handler === 'rep-response') expect(flatten(fn.env.WEBHOOK_SECRET_ID)).toBe(`<Ref:${webhookSecretId}>`);
      else expect(fn.env.WEBHOOK_SECRET_ID, fn.handler).toBeUndefined();
    }
    const output = Object.entries(template.Outputs ?? {}).find(([id]) => id.startsWith('WebhookSecretArn'));
    expect(flatten(output?.[1].Value)).toBe(`<Ref:${webhookSecretId}>`);
  });
});
