/**
 * Why a rep rejects a lead, in the order every list shows them (the email link's page, the
 * team app, the report). No imports, so the browser app takes the same list.
 */
export const REJECT_REASONS = ['no-budget', 'wrong-role', 'bad-fit', 'no-timeline', 'duplicate', 'spam', 'other'] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];
