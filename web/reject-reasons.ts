/**
 * The reasons a rep may give for rejecting a lead, in the order the lists show them. The same
 * list as REJECT_REASONS in functions/domain/rep-response.ts, which the browser cannot import
 * (that module brings zod and node:crypto); test/unit/web-format.test.ts keeps them equal. A
 * lead's page uses the list its API answer carries.
 */
export const REJECT_REASONS: readonly string[] = ['no-budget', 'wrong-role', 'bad-fit', 'no-timeline', 'duplicate', 'spam', 'other'];
