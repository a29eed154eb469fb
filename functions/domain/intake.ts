import type { Clock } from '@domain/clock';
import { DEDUPE_WINDOW_SECONDS, submissionFingerprint } from '@domain/dedupe';
import type { Lead, LeadSubmission, WorkflowInput } from '@domain/lead';
import type { LeadStore, WorkflowStarter } from '@domain/ports';
import { scheduleFor, type Sequence } from '@domain/sequence';

export interface IntakeDeps {
  store: LeadStore;
  workflow: WorkflowStarter;
  clock: Clock;
  sequence: Sequence;
  /** Minutes a hot lead may wait for first contact before it is escalated. */
  hotSlaMinutes: number;
  newLeadId: () => string;
}

export type IntakeResult = { leadId: string; duplicate: boolean };

const workflowInput = (lead: Pick<Lead, 'leadId' | 'submittedAt' | 'schedule'>): WorkflowInput => ({
  leadId: lead.leadId,
  submittedAt: lead.submittedAt,
  schedule: lead.schedule,
});

/**
 * Stores a new lead and starts its sequence; a repeat of the same submission gets the first
 * lead back. The lead is durable before its workflow starts, and the start is named after the
 * lead, so a retried request can start it again without ever running two sequences.
 */
export async function submitLead(deps: IntakeDeps, submission: LeadSubmission, idempotencyKey?: string): Promise<IntakeResult> {
  const now = deps.clock.now();
  const leadId = deps.newLeadId();
  const guard = await deps.store.claimSubmission(submissionFingerprint(submission, idempotencyKey), leadId, now, DEDUPE_WINDOW_SECONDS);
  if (!guard.first) {
    await deps.store.appendEvent(guard.leadId, { type: 'duplicate-submission', at: now.toISOString(), actor: 'lead' });
    await ensureSequenceStarted(deps, guard.leadId);
    return { leadId: guard.leadId, duplicate: true };
  }

  const lead: Lead = {
    ...submission,
    leadId,
    submittedAt: now.toISOString(),
    status: 'new',
    schedule: scheduleFor(now, deps.sequence, submission.timezone, deps.hotSlaMinutes),
    steps: {},
  };
  await deps.store.createLead(lead);
  await deps.store.appendEvent(leadId, { type: 'submitted', at: lead.submittedAt, actor: 'lead', detail: { formId: lead.formId, source: lead.utm_source } });
  const executionArn = await deps.workflow.start(leadId, workflowInput(lead));
  await deps.store.recordExecution(leadId, executionArn);
  return { leadId, duplicate: false };
}

/**
 * A repeat may follow a first request that stored the lead but failed to start its workflow;
 * starting again with the same name and input is a no-op when it did start.
 */
async function ensureSequenceStarted(deps: IntakeDeps, leadId: string): Promise<void> {
  const lead = await deps.store.getLead(leadId);
  if (!lead || lead.executionArn) return;
  const executionArn = await deps.workflow.start(leadId, workflowInput(lead));
  await deps.store.recordExecution(leadId, executionArn);
}
