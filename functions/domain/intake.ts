import type { Clock } from '@domain/clock';
import { DEDUPE_WINDOW_SECONDS, submissionFingerprint } from '@domain/dedupe';
import { TransientError } from '@domain/errors';
import { countryCode } from '@domain/countries';
import type { Lead, LeadSubmission, WorkflowInput } from '@domain/lead';
import type { PageFact } from '@domain/lead-submission';
import { normalizePhone } from '@domain/phone';
import type { LeadStore, StartQueue, WorkflowStarter } from '@domain/ports';
import { scheduleFor, type Sequence } from '@domain/sequence';

export interface IntakeDeps {
  store: LeadStore;
  workflow: WorkflowStarter;
  /** Where a start Step Functions cannot take now (throttled in a burst) waits its turn. */
  startQueue: StartQueue;
  clock: Clock;
  sequence: Sequence;
  /** Minutes a hot lead may wait for first contact before it is escalated. */
  hotSlaMinutes: number;
  newLeadId: () => string;
}

/** `startQueued`: Step Functions would not take the start now; it waits in the start queue. */
export type IntakeResult = { leadId: string; duplicate: boolean; startQueued: boolean };

/** Page facts the submission came with that were invalid: dropped, or clipped to fit (`readLeadSubmission`). */
export interface PageFactNotes {
  dropped: readonly PageFact[];
  clipped: readonly PageFact[];
}
const noNotes: PageFactNotes = { dropped: [], clipped: [] };

export const workflowInput = (lead: Pick<Lead, 'leadId' | 'submittedAt' | 'schedule'>): WorkflowInput => ({
  leadId: lead.leadId,
  submittedAt: lead.submittedAt,
  schedule: lead.schedule,
});

/**
 * Stores a new lead and starts its sequence; a repeat of the same submission gets the first
 * lead back. The lead is durable before its workflow starts, and the start is named after the
 * lead, so a retried request can start it again without ever running two sequences.
 *
 * Three round trips in a row: the dedupe guard; the lead and its `submitted` event together;
 * the start. The execution's ARN is stored with the lead (it is named after the lead, so it is
 * known before it starts) instead of being written back after the start.
 */
export async function submitLead(deps: IntakeDeps, submission: LeadSubmission, idempotencyKey?: string, notes: PageFactNotes = noNotes): Promise<IntakeResult> {
  const now = deps.clock.now();
  const leadId = deps.newLeadId();
  const guard = await deps.store.claimSubmission(submissionFingerprint(submission, idempotencyKey), leadId, now, DEDUPE_WINDOW_SECONDS);
  if (!guard.first) {
    const [, stored] = await Promise.all([
      deps.store.appendEvent(guard.leadId, { type: 'duplicate-submission', at: now.toISOString(), actor: 'lead' }),
      deps.store.getLead(guard.leadId),
    ]);
    // The first request may have died between its guard and its lead (the form then got no
    // 202 and the person tried again): this repeat stores the lead under the guarded id, so
    // nothing is lost. It may also have stored the lead and failed to start it: starting
    // again with the same name and input is a no-op when it did start.
    const lead = stored ?? (await storeLead(deps, newLead(deps, submission, guard.leadId, now), notes));
    const startQueued = await startSequence(deps, lead);
    return { leadId: guard.leadId, duplicate: true, startQueued };
  }

  const lead = await storeLead(deps, newLead(deps, submission, leadId, now), notes);
  const startQueued = await startSequence(deps, lead);
  return { leadId, duplicate: false, startQueued };
}

function newLead(deps: IntakeDeps, submission: LeadSubmission, leadId: string, now: Date): Lead {
  // Read in the lead's country when typed without a country code; kept as typed when it cannot be read.
  const phone = submission.phone ? normalizePhone(submission.phone, countryCode(submission.country)) : undefined;
  return {
    ...submission,
    ...(phone ? { phoneE164: phone.e164, ...(phone.extension ? { phoneExtension: phone.extension } : {}) } : {}),
    leadId,
    submittedAt: now.toISOString(),
    status: 'new',
    schedule: scheduleFor(now, deps.sequence, submission.timezone, deps.hotSlaMinutes),
    steps: {},
    executionArn: deps.workflow.executionArnOf(leadId),
  };
}

/**
 * Writes the lead and its `submitted` event together. Two requests can race to store the same
 * guarded lead (a repeat while the first is still between its guard and its write): the lead
 * is written once, and the loser carries on with the one that was stored.
 */
async function storeLead(deps: IntakeDeps, lead: Lead, notes: PageFactNotes): Promise<Lead> {
  // What the website sent that could not be kept as sent: its owner reads why on the timeline.
  const facts = { ...(notes.dropped.length ? { dropped: [...notes.dropped] } : {}), ...(notes.clipped.length ? { clipped: [...notes.clipped] } : {}) };
  const [created] = await Promise.all([
    deps.store.createLead(lead),
    deps.store.appendEvent(lead.leadId, { type: 'submitted', at: lead.submittedAt, actor: 'lead', detail: { formId: lead.formId, source: lead.utm_source, ...facts } }),
  ]);
  if (created) return lead;
  const stored = await deps.store.getLead(lead.leadId);
  if (!stored) throw new TransientError(`Lead ${lead.leadId} was stored by another request and is gone`);
  return stored;
}

/**
 * Starts the lead's workflow now, or, when Step Functions will not take it (throttled past the
 * SDK's own retries in a burst, or down), queues the start durably: the lead is stored, so the
 * queue's consumer needs only its id. Only when the queue fails too does the form hear of it
 * (TransientError: 503), and a repeat of the submission starts the stored lead. True: queued.
 */
async function startSequence(deps: IntakeDeps, lead: Pick<Lead, 'leadId' | 'submittedAt' | 'schedule'>): Promise<boolean> {
  try {
    await deps.workflow.start(lead.leadId, workflowInput(lead));
    return false;
  } catch (startError) {
    try {
      await deps.startQueue.enqueue(lead.leadId);
      return true;
    } catch (queueError) {
      throw new TransientError('Could not start or queue the lead workflow', { cause: new AggregateError([startError, queueError]) });
    }
  }
}

export type QueuedStartResult = 'started' | 'lead-gone';

/**
 * Starts the sequence of a lead whose start was queued. The execution is named after the lead,
 * so a start that already happened (a repeat of the submission, a redelivered message) is a
 * no-op. A lead erased since (`npm run forget`) has nothing left to start.
 */
export async function startQueuedLead(
  deps: Pick<IntakeDeps, 'store' | 'workflow' | 'clock'>,
  leadId: string,
  attempt: number,
): Promise<QueuedStartResult> {
  const lead = await deps.store.getLead(leadId);
  if (!lead) return 'lead-gone';
  await deps.workflow.start(leadId, workflowInput(lead));
  // The lead's record of the delay: when its sequence really started, and after how many tries.
  await deps.store.appendEvent(leadId, { type: 'sequence-started', at: deps.clock.now().toISOString(), actor: 'system', detail: { via: 'start-queue', attempt } });
  return 'started';
}
