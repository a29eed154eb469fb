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
      const due = Date.parse(lead.submittedAt) + sla[grade] * 60_000;
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
