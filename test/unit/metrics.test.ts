import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lead } from '@domain/lead';
import { defaultSla } from '@domain/sla';
import { emailSent, firstContact, leadSubmitted, measure, type Measurement, publishMeasurements, repResponded } from '@commons/metrics';

/** The sales figures as CloudWatch EMF lines, written by middleware after the handler. */
const context = () => ({ functionName: 'rep-response', awsRequestId: 'r-1' }) as Context;

const hotLead = {
  leadId: 'L1',
  submittedAt: '2026-11-02T09:00:00.000Z',
  contactedAt: '2026-11-02T09:07:12.000Z',
  grade: 'hot',
  ownerId: 'rep-ana',
} as Lead;

describe('what is measured', () => {
  it('first contact: seconds and SLA met, by rep and grade and by grade alone', () => {
    const metrics = [
      { name: 'TimeToFirstContact', unit: 'Seconds', value: 432 },
      { name: 'SlaMet', unit: 'Count', value: 1 },
    ];
    expect(firstContact(hotLead, defaultSla, new Date())).toEqual([
      { dimensions: { rep: 'rep-ana', grade: 'hot' }, metrics },
      { dimensions: { grade: 'hot' }, metrics },
    ]);
    const late = { ...hotLead, contactedAt: '2026-11-02T10:00:00.000Z' };
    expect(firstContact(late, defaultSla, new Date())[0]!.metrics.map((m) => m.name)).toEqual(['TimeToFirstContact', 'SlaMissed']);
    expect(firstContact({ ...hotLead, contactedAt: undefined } as Lead, defaultSla, new Date())).toEqual([]);
  });

  it('responses by outcome, rejections by reason, leads by source and form, emails by step', () => {
    expect(repResponded('rejected', 'no-budget').map((m) => [m.dimensions, m.metrics[0]!.name])).toEqual([
      [{ outcome: 'rejected' }, 'RepResponse'],
      [{ reason: 'no-budget' }, 'LeadRejected'],
    ]);
    expect(leadSubmitted({ utm_source: 'google' }).map((m) => m.dimensions)).toEqual([{ source: 'google' }, { form: '(no form)' }]);
    expect(emailSent('follow-up-3')).toEqual([{ dimensions: { step: 'follow-up-3' }, metrics: [{ name: 'EmailSent', unit: 'Count', value: 1 }] }]);
  });
});

describe('publishMeasurements', () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'SpeedToLead/test');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const handlerMeasuring = (measurements: Measurement[], fail = false) =>
    middy<unknown, string, Error, Context>()
      .use(publishMeasurements())
      .handler(async (_, ctx) => {
        measure(ctx, ...measurements);
        if (fail) throw new Error('after measuring');
        return 'ok';
      });

  it('writes one EMF line per dimension set once the handler returns', async () => {
    await handlerMeasuring(firstContact(hotLead, defaultSla, new Date()))({}, context());
    const lines = written.map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'SpeedToLead/test', Dimensions: [['service', 'rep', 'grade']], Metrics: [{ Name: 'TimeToFirstContact', Unit: 'Seconds' }, { Name: 'SlaMet', Unit: 'Count' }] }] },
      rep: 'rep-ana',
      grade: 'hot',
      TimeToFirstContact: 432,
      SlaMet: 1,
    });
    expect(lines[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'grade']]);
  });

  it('also after the handler throws, and says nothing at all when nothing was measured', async () => {
    await expect(handlerMeasuring(emailSent('confirmation'), true)({}, context())).rejects.toThrow('after measuring');
    expect(written).toHaveLength(1);
    written.length = 0;
    await handlerMeasuring([])({}, context());
    expect(written).toEqual([]);
  });

  it('stays quiet when metrics are disabled (the local stack and tests)', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    await handlerMeasuring(emailSent('confirmation'))({}, context());
    expect(written).toEqual([]);
  });
});
