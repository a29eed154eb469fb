import { type Lead, requestedThing } from '@domain/lead';

/**
 * What the rep should do next, from what the lead did: the third question of a handoff after
 * "why this lead" (score and reasons) and "why me" (the owner rule).
 */
export function recommendedNextAction(lead: Pick<Lead, 'formId' | 'phone' | 'accountActivity'>): string {
  const form = lead.formId ?? '';
  if (lead.accountActivity) return `Account review: ${lead.accountActivity}. Align with whoever else talks to them, then call.`;
  if (/demo|pricing|quote|trial|contact|sales/i.test(form)) return `Call now${lead.phone ? ` on ${lead.phone}` : ''}: they asked for ${requestedThing(lead)}.`;
  if (/download|ebook|whitepaper|report|webinar/i.test(form)) return `Email them about the ${form} they downloaded and offer a short call.`;
  return `Call or email today: they asked for ${requestedThing(lead)}.`;
}
