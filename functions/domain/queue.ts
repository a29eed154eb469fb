import type { Lead, LeadGrade } from '@domain/lead';
import type { Sla } from '@domain/sla';

/**
 * A rep's queue: the leads they own that still wait for a first answer, the one whose SLA ends
 * soonest (or ended longest ago) first. Escalated leads are in the queue of the rep they went
 * to. `npm run queue` prints it; the team app's queue is meant to show the same list.
 */
export interface QueuedLead {
  leadId: string;
  name: string;
  company?: string;
  jobTitle?: string;
  grade: LeadGrade;
  score?: number;
  submittedAt: string;
  /** When the grade's SLA to first contact ends: submission plus its minutes. */
  dueAt: string;
  /** Seconds until `dueAt`; negative once the lead is overdue. */
  secondsLeft: number;
  /** Came to this rep because its first owner did not answer in time. */
  escalated: boolean;
}

const DAY_MS = 86_400_000;

/** How far back a rep's queue looks by default: a lead unanswered for a month is a report's business, not a call list's. */
export const QUEUE_DAYS = 30;

/** A reader of one rep's leads: the DynamoDB store's byOwner index. */
export interface LeadsByOwner {
  leadsOwnedBy(repId: string, range: { from: string; to: string }): Promise<Lead[]>;
}

/** The rep's leads submitted in the `days` before `now`: what their queue is made from. */
export function recentLeadsOf(source: LeadsByOwner, repId: string, days: number, now: Date): Promise<Lead[]> {
  return source.leadsOwnedBy(repId, { from: new Date(now.getTime() - days * DAY_MS).toISOString(), to: now.toISOString() });
}

/** When a lead's first contact is due (ms): its submission plus its grade's SLA. */
export const firstContactDueMs = (lead: Pick<Lead, 'submittedAt'>, grade: LeadGrade, sla: Sla): number => Date.parse(lead.submittedAt) + sla[grade] * 60_000;

/** Still waiting for the rep: never answered, and neither opted out, undeliverable nor disqualified. */
export function awaitsFirstContact(lead: Lead): boolean {
  return lead.contactedAt === undefined && (lead.status === 'new' || lead.status === 'closed') && lead.grade !== undefined && lead.triage?.decision !== 'disqualify';
}

/** The leads of `leads` that await their first contact, soonest due first. */
export function repQueue(leads: readonly Lead[], sla: Sla, now: Date): QueuedLead[] {
  return leads
    .filter(awaitsFirstContact)
    .map((lead): QueuedLead => {
      const grade = lead.grade!;
      const due = firstContactDueMs(lead, grade, sla);
      return {
        leadId: lead.leadId,
        name: lead.name,
        ...(lead.company ? { company: lead.company } : {}),
        ...(lead.jobTitle ? { jobTitle: lead.jobTitle } : {}),
        grade,
        ...(lead.score !== undefined ? { score: lead.score } : {}),
        submittedAt: lead.submittedAt,
        dueAt: new Date(due).toISOString(),
        secondsLeft: Math.round((due - now.getTime()) / 1000),
        escalated: lead.escalatedAt !== undefined,
      };
    })
    .sort((a, b) => a.secondsLeft - b.secondsLeft || a.submittedAt.localeCompare(b.submittedAt));
}
