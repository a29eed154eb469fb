import { createHash } from 'node:crypto';
import type { LeadSubmission } from '@domain/lead';

/** How long a repeat of the same submission returns the first lead instead of a new one. */
export const DEDUPE_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * The identity of a submission: the client's Idempotency-Key when it sent one, else the same
 * person on the same form. Hashed, so the guard item holds no email address.
 */
export function submissionFingerprint(lead: Pick<LeadSubmission, 'email' | 'formId'>, idempotencyKey?: string): string {
  const identity = idempotencyKey ? `key:${idempotencyKey}` : `lead:${lead.email}|${lead.formId ?? ''}`;
  return createHash('sha256').update(identity).digest('hex');
}
