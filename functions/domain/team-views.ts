import type { Lead } from '@domain/lead';
import type { TimelineEvent } from '@domain/ports';
import { recommendedNextAction } from '@domain/handoff';
import { firstContactDueMs, repQueue } from '@domain/queue';
import { REJECT_REASONS } from '@domain/rep-response';
import { type Sla, sourceOf } from '@domain/sla';
import type { Handoff, LeadView, QueueItem, QueueView } from '@domain/team-app';

/**
 * What the team app shows of a lead: the queue's order and time left come from
 * functions/domain/queue.ts (what `npm run queue` prints), the handoff from the same facts the
 * alert email gives the rep.
 */

/** Reps by id, for naming them in the handoff. */
export type RepNames = ReadonlyArray<{ id: string; name: string }>;

const sentence = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

/** Why this lead, why you, what now. */
export function handoffOf(lead: Lead, reps: RepNames = []): Handoff {
  const from = reps.find((rep) => rep.id === lead.escalatedFrom)?.name ?? lead.escalatedFrom ?? 'its first owner';
  return {
    whyThisLead: lead.reasons?.length ? lead.reasons : [lead.score !== undefined ? `Scored ${lead.score}` : 'Not scored yet'],
    whyYou: lead.escalatedAt ? `Escalated to you: ${from} did not answer within the SLA` : sentence(lead.ownerRule ?? 'assigned to you'),
    whatNow: recommendedNextAction(lead),
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, V>));

/** A lead as a queue card, time left measured at `now`. */
function itemOf(lead: Lead, dueAt: string, secondsLeft: number, reps: RepNames): QueueItem {
  return {
    leadId: lead.leadId,
    name: lead.name,
    email: lead.email,
    ...optional('company', lead.company),
    ...optional('jobTitle', lead.jobTitle),
    ...optional('phone', lead.phone),
    ...optional('phoneE164', lead.phoneE164),
    grade: lead.grade ?? 'cold',
    ...optional('score', lead.score),
    submittedAt: lead.submittedAt,
    dueAt,
    secondsLeft,
    escalated: lead.escalatedAt !== undefined,
    source: sourceOf(lead),
    handoff: handoffOf(lead, reps),
  };
}

/** The rep's open leads, soonest due first, as `npm run queue` lists them. */
export function queueView(rep: { id: string; name: string }, leads: readonly Lead[], sla: Sla, now: Date, reps: RepNames = []): QueueView {
  const byId = new Map(leads.map((lead) => [lead.leadId, lead]));
  return {
    asOf: now.toISOString(),
    rep: { id: rep.id, name: rep.name },
    leads: repQueue(leads, sla, now).map((queued) => itemOf(byId.get(queued.leadId)!, queued.dueAt, queued.secondsLeft, reps)),
  };
}

/** One lead with its timeline, oldest event first. */
/** The pipeline as the app shows it: the stage and amount, without the delivery ids kept for idempotency. */
function pipelineOf({ pipeline }: Lead): LeadView['lead']['pipeline'] {
  if (!pipeline) return undefined;
  const { stage, stageAt, opportunityAt, amount, currency, lostReason } = pipeline;
  return Object.fromEntries(Object.entries({ stage, stageAt, opportunityAt, amount, currency, lostReason }).filter(([, v]) => v !== undefined)) as LeadView['lead']['pipeline'];
}

export function leadView(lead: Lead, timeline: readonly TimelineEvent[], sla: Sla, now: Date, reps: RepNames = []): LeadView {
  const due = firstContactDueMs(lead, lead.grade ?? 'cold', sla);
  return {
    lead: {
      ...itemOf(lead, new Date(due).toISOString(), Math.round((due - now.getTime()) / 1000), reps),
      status: lead.status,
      ...optional('ownerId', lead.ownerId),
      ...optional('ownerName', lead.ownerName),
      ...optional('message', lead.message),
      ...optional('country', lead.country),
      ...optional('companySize', lead.companySize),
      ...optional('industry', lead.industry),
      ...optional('formId', lead.formId),
      ...optional('utm_source', lead.utm_source),
      ...optional('utm_campaign', lead.utm_campaign),
      ...optional('contactedAt', lead.contactedAt),
      ...optional('outcome', lead.outcome),
      ...optional('rejectReason', lead.rejectReason),
      ...optional('unsubscribedAt', lead.unsubscribedAt),
      ...optional('pipeline', pipelineOf(lead)),
    },
    timeline: [...timeline].sort((a, b) => a.at.localeCompare(b.at)),
    rejectReasons: REJECT_REASONS,
  };
}
