import type { Clock } from '@domain/clock';
import { LeadNotFound } from '@domain/errors';
import { verifySignedLink } from '@domain/links';
import type { LeadStore, SecretSource } from '@domain/ports';

export interface UnsubscribeDeps {
  store: LeadStore;
  secrets: SecretSource;
  clock: Clock;
}

export async function checkUnsubscribeLink(deps: UnsubscribeDeps, leadId: string, token: unknown): Promise<void> {
  await verifySignedLink(deps.secrets, token, { leadId, purpose: 'unsubscribe' }, deps.clock.now());
  if (!(await deps.store.getLead(leadId))) throw new LeadNotFound(leadId);
}

/** Stops every email to the lead, for good; repeating it changes nothing. */
export async function unsubscribeLead(deps: UnsubscribeDeps, leadId: string, token: unknown): Promise<{ unsubscribedAt: string; firstTime: boolean }> {
  await checkUnsubscribeLink(deps, leadId, token);
  const at = deps.clock.now().toISOString();
  const lead = await deps.store.markUnsubscribed(leadId, at);
  const unsubscribedAt = lead.unsubscribedAt ?? at;
  // Keyed by the first unsubscribe's time: a repeat writes it if the first died before, once.
  await deps.store.appendEventOnce(leadId, { type: 'unsubscribed', at: unsubscribedAt, actor: 'lead' });
  return { unsubscribedAt, firstTime: unsubscribedAt === at };
}
