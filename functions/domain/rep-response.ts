import { z } from 'zod';
import type { Clock } from '@domain/clock';
import { LeadNotFound } from '@domain/errors';
import type { Lead } from '@domain/lead';
import { verifyLink } from '@domain/links';
import type { LeadStore, SecretSource } from '@domain/ports';

export const REJECT_REASONS = ['no-budget', 'wrong-role', 'bad-fit', 'no-timeline', 'duplicate', 'spam', 'other'] as const;

/** What a rep sends to mark a lead, from the alert email's page or from a CRM. */
export const RepResponseSchema = z
  .object({
    token: z.string({ error: 'is required' }).min(1, { error: 'is required' }).max(1024),
    outcome: z.enum(['contacted', 'accepted', 'rejected'], { error: 'must be one of contacted, accepted, rejected' }),
    reason: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.enum(REJECT_REASONS, { error: `must be one of ${REJECT_REASONS.join(', ')}` }).optional(),
    ),
    note: z.preprocess((v) => (v === '' ? undefined : v), z.string({ error: 'must be text' }).max(2000, { error: 'must be at most 2000 characters' }).optional()),
  })
  .refine((body) => body.outcome !== 'rejected' || body.reason !== undefined, { path: ['reason'], error: 'is required when the outcome is rejected' });

export type RepResponseRequest = z.infer<typeof RepResponseSchema>;

export interface RepResponseDeps {
  store: LeadStore;
  secrets: SecretSource;
  clock: Clock;
}

/** Checks the rep's link for this lead; throws TokenInvalid (403) or LeadNotFound (404). */
export async function leadForContactLink(deps: RepResponseDeps, leadId: string, token: unknown): Promise<{ lead: Lead; repId?: string }> {
  const claims = verifyLink(token, { leadId, purpose: 'contact' }, await deps.secrets.linkSecret(), deps.clock.now());
  const lead = await deps.store.getLead(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  return { lead, ...(claims.repId ? { repId: claims.repId } : {}) };
}

/**
 * Marks the lead contacted (or accepted / rejected). The first contact time is kept on
 * repeats; the lead's sequence sees the new status at its next step and stops.
 */
export async function respondToLead(deps: RepResponseDeps, leadId: string, request: RepResponseRequest) {
  const { repId } = await leadForContactLink(deps, leadId, request.token);
  const at = deps.clock.now().toISOString();
  const lead = await deps.store.recordRepResponse(leadId, {
    outcome: request.outcome,
    at,
    ...(repId ? { repId } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.note ? { note: request.note } : {}),
  });
  await deps.store.appendEvent(leadId, { type: request.outcome, at, actor: repId ? `rep:${repId}` : 'rep', detail: { reason: request.reason } });
  return { leadId, contactedAt: lead.contactedAt ?? at, outcome: lead.outcome ?? request.outcome };
}
