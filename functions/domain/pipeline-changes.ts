import type { Clock } from '@domain/clock';
import { LeadNotFound, RequestInProgress, ValidationError } from '@domain/errors';
import type { Lead } from '@domain/lead';
import { applyPipelineChange, pipelineEvent, PipelineRequestSchema, type Pipeline, type PipelineChange } from '@domain/pipeline';
import type { LeadStore, SecretSource } from '@domain/ports';
import { parseWith } from '@domain/validation';
import { type SignedRequest, verifySignedWebhook, webhookSignatureId } from '@domain/webhook-signature';

export interface PipelineDeps {
  store: Pick<LeadStore, 'getLead' | 'savePipeline' | 'appendEventOnce'>;
  clock: Clock;
}

export interface PipelineChangeResult {
  leadId: string;
  pipeline: Pipeline;
  /** False for a delivery seen before: answered, nothing changed. */
  changed: boolean;
  lead: Lead;
}

/** Concurrent deliveries for one lead retry their write this often before the CRM is told to retry. */
const SAVE_ATTEMPTS = 5;

/**
 * Applies a CRM's change to the lead's pipeline, over the version it read (another delivery
 * saved meanwhile: read again, apply again), then writes its timeline event. The event is
 * keyed by the change's CRM time and stage, so a retry of a delivery whose first attempt died
 * after the save writes it then, once; a delivery seen before changes nothing else.
 */
export async function recordPipelineChange(deps: PipelineDeps, leadId: string, change: PipelineChange): Promise<PipelineChangeResult> {
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const lead = await deps.store.getLead(leadId);
    if (!lead) throw new LeadNotFound(leadId);
    const result = applyPipelineChange(lead.pipeline, change);
    if (!result.changed) {
      if (result.pipeline) await deps.store.appendEventOnce(leadId, pipelineEvent(change));
      return { leadId, pipeline: result.pipeline!, changed: false, lead };
    }
    const saved = await deps.store.savePipeline(leadId, result.pipeline, lead.pipelineRevision ?? 0);
    if (!saved) continue;
    await deps.store.appendEventOnce(leadId, pipelineEvent(change));
    return { leadId, pipeline: result.pipeline, changed: true, lead: saved };
  }
  throw new RequestInProgress(1);
}

/**
 * Our own signed webhook (POST /leads/{id}/outcome), for a CRM without a route of its own:
 * signed as the contact webhook is (X-Signature, X-Timestamp), checked before the body is
 * read (401), then the body (400), then the lead (404). The signature is the delivery's id:
 * the same signed request sent again is answered with the pipeline as it stands.
 */
export async function pipelineFromWebhook(deps: PipelineDeps & { secrets: SecretSource }, leadId: string, signed: SignedRequest, body: unknown): Promise<PipelineChangeResult> {
  await verifySignedWebhook(deps.secrets, signed, deps.clock.now());
  const request = parseWith(PipelineRequestSchema, body);
  if (request.leadId !== leadId) throw new ValidationError('Invalid leadId: not the lead in the URL', [{ path: 'leadId', message: 'must be the lead in the URL' }]);
  const signedAt = new Date(Number((signed.timestamp ?? '').trim()) * 1000).toISOString();
  return recordPipelineChange(deps, leadId, {
    stage: request.stage,
    at: request.at ? new Date(request.at).toISOString() : signedAt,
    source: 'webhook',
    deliveryId: `webhook:${webhookSignatureId(signed)}`,
    ...(request.amount !== undefined ? { amount: request.amount, currency: request.currency } : {}),
    ...(request.lostReason ? { lostReason: request.lostReason } : {}),
  });
}
