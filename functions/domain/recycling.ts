import type { Lead } from '@domain/lead';
import type { Sequence } from '@domain/sequence';

/**
 * Recycling: a lead the rep rejected because it is "not now" (no timeline, no budget: the
 * reasons the sequence config names) goes back to marketing, to the nurture track, instead of
 * silence. `spam` and `duplicate` can never be such reasons (the config refuses them), so they
 * end the lead; so does an unsubscribe, a bounce, or any later answer of the rep.
 */
export function returnsToNurture(lead: Pick<Lead, 'outcome' | 'rejectReason' | 'unsubscribedAt' | 'status'>, sequence: Pick<Sequence, 'nurture'>): boolean {
  if (!sequence.nurture || lead.outcome !== 'rejected' || lead.unsubscribedAt) return false;
  if (lead.status !== 'contacted' && lead.status !== 'nurture') return false;
  return lead.rejectReason !== undefined && sequence.nurture.reasons.includes(lead.rejectReason);
}
