import type { Clock } from '@domain/clock';
import type { LeadStore } from '@domain/ports';

/**
 * What SES tells us after a send: a hard bounce or a complaint means this address must never
 * get our mail again, or the sending account's reputation (and every other lead's email)
 * suffers. Soft bounces are SES's to retry.
 */
export type SenderEvent =
  | { kind: 'bounce'; leadId: string; permanent: boolean; detail: string }
  | { kind: 'complaint'; leadId: string; detail: string };

export interface SenderEventDeps {
  store: LeadStore;
  clock: Clock;
}

/** Marks the lead and stops its emails; returns what was recorded, if anything. */
export async function recordSenderEvent(deps: SenderEventDeps, event: SenderEvent): Promise<'bounced' | 'complained' | undefined> {
  if (event.kind === 'bounce' && !event.permanent) return undefined;
  const problem = event.kind === 'bounce' ? 'bounced' : 'complained';
  const firstAt = await deps.store.markSenderProblem(event.leadId, problem, deps.clock.now().toISOString(), event.detail);
  if (!firstAt) return undefined;
  // EventBridge delivers at least once and retries a failed invocation: the event is keyed by
  // the first report's time, so a repeat writes it if it is missing, and never twice.
  await deps.store.appendEventOnce(event.leadId, { type: problem, at: firstAt, actor: 'ses', detail: { reason: event.detail } });
  return problem;
}
