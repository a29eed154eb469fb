import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Lead, RepOutcome } from '@domain/lead';
import type { SequenceStep } from '@domain/sequence';
import { firstContactOf, repOf, type Sla } from '@domain/sla';

/**
 * The sales figures as CloudWatch metrics (Powertools, embedded metric format: one JSON line
 * on stdout per measurement, which CloudWatch turns into metrics; no API call, no latency).
 * Handlers say what happened with `measure(context, ...)`; the middleware writes it once the
 * invocation ends. Per invocation, so handlers sharing one process (the local stack) never
 * mix their dimensions.
 */
type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface Measurement {
  /** One dimension set: every metric below is published under these dimensions. */
  dimensions: Record<string, string>;
  metrics: Array<{ name: string; unit: Unit; value: number }>;
}

const pending = new WeakMap<Context, Measurement[]>();

/** Records measurements for the middleware to publish when this invocation ends. */
export function measure(context: Context, ...measurements: Measurement[]): void {
  pending.get(context)?.push(...measurements);
}

function publish(measurements: readonly Measurement[]): void {
  for (const { dimensions, metrics } of measurements) {
    // One Metrics object per dimension set: EMF applies a line's dimensions to all its metrics.
    const emf = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'SpeedToLead', serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'speed-to-lead' });
    for (const [name, value] of Object.entries(dimensions)) emf.addDimension(name, value);
    for (const metric of metrics) emf.addMetric(metric.name, metric.unit, metric.value);
    emf.publishStoredMetrics();
  }
}

/**
 * Publishes what the handler measured, after it returns or throws. Powertools' own
 * `logMetrics` warns on every invocation that measured nothing; most invocations here do not.
 */
export const publishMeasurements = <E, R>(): MiddlewareObj<E, R, Error, Context> => {
  const flush = ({ context }: { context: Context }) => {
    const measurements = pending.get(context) ?? [];
    pending.delete(context);
    publish(measurements);
  };
  return {
    before: ({ context }) => {
      pending.set(context, []);
    },
    after: flush,
    onError: flush,
  };
};

const count = (name: string) => ({ name, unit: MetricUnit.Count, value: 1 });

/** A new lead, by where it came from (utm_source, and the form). */
export const leadSubmitted = (lead: Pick<Lead, 'utm_source' | 'formId'>): Measurement[] => [
  { dimensions: { source: lead.utm_source ?? '(direct)' }, metrics: [count('LeadSubmitted')] },
  { dimensions: { form: lead.formId ?? '(no form)' }, metrics: [count('LeadSubmitted')] },
];

export const duplicateSubmission = (): Measurement[] => [{ dimensions: {}, metrics: [count('DuplicateSubmission')] }];

/**
 * Time to first contact and whether it met the grade's SLA, by rep and grade (and by grade
 * alone, for the team's figure). Only the first response is measured: repeats keep its time.
 */
export function firstContact(lead: Lead, sla: Sla, now: Date): Measurement[] {
  const { seconds, slaStatus } = firstContactOf(lead, sla, now);
  if (seconds === undefined) return [];
  const grade = lead.grade ?? 'ungraded';
  const metrics = [
    { name: 'TimeToFirstContact', unit: MetricUnit.Seconds, value: Math.max(0, seconds) },
    ...(slaStatus === 'met' ? [count('SlaMet')] : slaStatus === 'missed' ? [count('SlaMissed')] : []),
  ];
  return [
    { dimensions: { rep: repOf(lead), grade }, metrics },
    { dimensions: { grade }, metrics },
  ];
}

/** Every response a rep records, by outcome; rejections also by reason. */
export const repResponded = (outcome: RepOutcome, reason?: string): Measurement[] => [
  { dimensions: { outcome }, metrics: [count('RepResponse')] },
  ...(outcome === 'rejected' ? [{ dimensions: { reason: reason ?? 'other' }, metrics: [count('LeadRejected')] }] : []),
];

export const leadUnsubscribed = (): Measurement[] => [{ dimensions: {}, metrics: [count('LeadUnsubscribed')] }];

/** An email of the sequence went out, by step (`confirmation`, `hot-alert`, `follow-up-3`). */
export const emailSent = (step: SequenceStep): Measurement[] => [{ dimensions: { step }, metrics: [count('EmailSent')] }];

/** A hard bounce or complaint that stopped a lead's emails. */
export const senderProblem = (problem: 'bounced' | 'complained'): Measurement[] => [{ dimensions: { problem }, metrics: [count('SenderProblem')] }];

/** A lead scored, by grade: the dashboard's leads per hour. */
export const leadScored = (grade: string): Measurement[] => [{ dimensions: { grade }, metrics: [count('LeadScored')] }];

/** A hot lead nobody contacted within its SLA (escalated). */
export const hotLeadPastSla = (): Measurement[] => [{ dimensions: {}, metrics: [count('HotLeadPastSla')] }];
