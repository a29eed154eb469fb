import * as z from '@domain/zod';

/**
 * What happens to a lead after the rep's first answer, as the CRM tells it: it became an
 * opportunity (with an amount), then was won or lost. This is where marketing-sourced pipeline
 * is measured, so the rules are the ones a CRM's deliveries need:
 *
 * - Order-tolerant: CRMs retry and deliver out of order, so each change carries the time it
 *   happened in the CRM, and the latest one decides the stage. A `won` that arrives before its
 *   `opportunity` stays won; the late opportunity only fills in when it began.
 * - Idempotent: a delivery seen before (its id) changes nothing.
 * - A lead that was won or lost was an opportunity: closing a deal implies one existed.
 */
export const PIPELINE_STAGES = ['opportunity', 'won', 'lost'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Where a change came from: each CRM's own inbound route, or our signed webhook. */
export const PIPELINE_SOURCES = ['hubspot', 'pipedrive', 'salesforce', 'webhook'] as const;
export type PipelineSource = (typeof PIPELINE_SOURCES)[number];

/** The deliveries remembered per lead for idempotency: more than any CRM retries one change. */
const DELIVERIES_KEPT = 25;

export interface PipelineChange {
  stage: PipelineStage;
  /** When it happened in the CRM (ISO 8601), not when it reached us. */
  at: string;
  /** The deal's value in `currency`; on `won`, the amount won. */
  amount?: number;
  /** ISO 4217, upper case. */
  currency?: string;
  /** Why it was lost, as the CRM says it. */
  lostReason?: string;
  source: PipelineSource;
  /** The CRM's id for this delivery (an event id, a signature): the same one twice is one change. */
  deliveryId: string;
}

/** The lead's pipeline as far as every change so far says. */
export interface Pipeline {
  stage: PipelineStage;
  /** When the stage was reached, by the CRM's clock. */
  stageAt: string;
  /** The earliest time the lead is known to have been an opportunity. */
  opportunityAt: string;
  amount?: number;
  currency?: string;
  /** The CRM time of the change the amount came from: an older amount never overwrites a newer one. */
  amountAt?: string;
  lostReason?: string;
  /** The CRM that last changed it. */
  source: PipelineSource;
  /** Recent delivery ids, newest last. */
  deliveries: string[];
}

// At the same instant a closed deal outranks an open one: "won" and "opportunity" stamped
// with one time (a CRM that moves a deal straight to won) must end won, in either order.
const RANK: Record<PipelineStage, number> = { opportunity: 0, won: 1, lost: 1 };

const isLater = (change: PipelineChange, current: Pipeline) =>
  change.at > current.stageAt || (change.at === current.stageAt && RANK[change.stage] >= RANK[current.stage]);

export type PipelineResult = { changed: false; pipeline: Pipeline | undefined } | { changed: true; pipeline: Pipeline; stageChanged: boolean };

/** The pipeline after `change`: pure, so every CRM's route and every retry agree. */
export function applyPipelineChange(current: Pipeline | undefined, change: PipelineChange): PipelineResult {
  if (current?.deliveries.includes(change.deliveryId)) return { changed: false, pipeline: current };

  const deliveries = [...(current?.deliveries ?? []), change.deliveryId].slice(-DELIVERIES_KEPT);
  if (!current) {
    return {
      changed: true,
      stageChanged: true,
      pipeline: withoutUndefined({
        stage: change.stage,
        stageAt: change.at,
        opportunityAt: change.at,
        amount: change.amount,
        currency: change.amount !== undefined ? change.currency : undefined,
        amountAt: change.amount !== undefined ? change.at : undefined,
        lostReason: change.stage === 'lost' ? change.lostReason : undefined,
        source: change.source,
        deliveries,
      }),
    };
  }

  const later = isLater(change, current);
  const newerAmount = change.amount !== undefined && (current.amountAt === undefined || change.at >= current.amountAt);
  const next: Pipeline = withoutUndefined({
    ...current,
    ...(later ? { stage: change.stage, stageAt: change.at, source: change.source, lostReason: change.stage === 'lost' ? change.lostReason : undefined } : {}),
    opportunityAt: change.at < current.opportunityAt ? change.at : current.opportunityAt,
    ...(newerAmount ? { amount: change.amount, currency: change.currency, amountAt: change.at } : {}),
    deliveries,
  });
  return { changed: true, stageChanged: later && change.stage !== current.stage, pipeline: next };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const message = {
  stage: `must be one of ${PIPELINE_STAGES.join(', ')}`,
  amount: 'must be a number of at least 0, in the currency given (e.g. 12000)',
  currency: 'must be a three-letter ISO 4217 code such as EUR or USD',
  at: 'must be an ISO 8601 time with a time zone, e.g. 2026-12-01T10:00:00Z',
};

/**
 * Our own signed webhook's body (POST /leads/{id}/outcome): for a CRM this product has no
 * native route for, or a script. The CRM's own time of the change is optional: without it
 * the time the request was signed stands for it.
 */
export const PipelineRequestSchema = z
  .object({
    leadId: z.string({ error: 'is required: the id of the lead this outcome is about' }).check(z.maxLength(80, { error: 'must be a lead id' })),
    stage: z.enum(PIPELINE_STAGES, { error: message.stage }),
    amount: z.optional(z.number({ error: message.amount }).check(z.minimum(0, { error: message.amount }), z.maximum(1e12, { error: message.amount }))),
    currency: z.optional(z.string({ error: message.currency }).check(z.regex(/^[A-Za-z]{3}$/, { error: message.currency }), z.toUpperCase())),
    lostReason: z.optional(z.string({ error: 'must be text' }).check(z.trim(), z.maxLength(200, { error: 'must be at most 200 characters' }))),
    at: z.optional(z.iso.datetime({ offset: true, error: message.at })),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.amount !== undefined && value.currency === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'is required with an amount: a three-letter ISO 4217 code such as EUR' });
      if (value.lostReason !== undefined && value.stage !== 'lost') ctx.addIssue({ code: 'custom', path: ['lostReason'], message: 'is only for stage "lost"' });
    }),
  );

export type PipelineRequest = z.infer<typeof PipelineRequestSchema>;

/** The timeline's words for a change, and its detail (no personal data: amounts and reasons). */
export function pipelineEvent(change: PipelineChange) {
  return {
    type: `pipeline-${change.stage}` as const,
    at: change.at,
    actor: change.source,
    detail: withoutUndefined({ amount: change.amount, currency: change.currency, lostReason: change.lostReason }),
  };
}
