import type { Pipeline } from '@domain/pipeline';
import type * as z from '@domain/zod';
import type { LeadSubmissionSchema } from '@domain/lead-submission';
import type { Triage } from '@domain/scoring';
import type { Schedule, SequenceStep } from '@domain/sequence';

/** What a lead sent, as read from the form (`@domain/lead-submission`), without the honeypot. */
export type LeadSubmission = Omit<z.infer<typeof LeadSubmissionSchema>, 'website'>;

export type LeadGrade = 'hot' | 'warm' | 'cold';
/** `nurture`: rejected as "not now" and back with marketing (the nurture track's emails). */
export type LeadStatus = 'new' | 'contacted' | 'unsubscribed' | 'disqualified' | 'bounced' | 'complained' | 'closed' | 'failed' | 'nurture';
export type RepOutcome = 'contacted' | 'accepted' | 'rejected';

export interface StepRecord {
  status: 'claimed' | 'sent' | 'failed' | 'skipped';
  claimedAt: string;
  sentAt?: string;
  messageId?: string;
  error?: string;
}

/** A rep's answer to a lead, from the alert email's link, the team app, Slack or the CRM. */
export interface RepResponse {
  outcome: RepOutcome;
  at: string;
  /** Where it came from, and who for the timeline: `rep:<id>`, `crm:<id>` or `crm`. */
  via: 'email-link' | 'crm' | 'app' | 'slack' | 'booking';
  actor: string;
  repId?: string;
  reason?: string;
  note?: string;
}

/** A meeting the lead booked with their rep on the thank-you (functions/domain/booking.ts). */
export interface Meeting {
  tool: 'calcom' | 'calendly';
  /** The tool's id of the booking (Cal.com's uid, Calendly's invitee URI). */
  bookingId: string;
  startsAt: string;
  status: 'booked' | 'cancelled';
  /** When the tool said so (its signed send time). */
  at: string;
}

/** A lead as the product knows it: what they sent, what we decided, and what happened. */
export interface Lead extends LeadSubmission {
  leadId: string;
  /** The phone in E.164, read in the lead's country when typed without a country code: for `tel:` links. */
  phoneE164?: string;
  phoneExtension?: string;
  submittedAt: string;
  status: LeadStatus;
  schedule: Schedule;
  steps: Partial<Record<SequenceStep, StepRecord>>;
  score?: number;
  /** When it was scored and routed: the time its `scored`, triage and `assigned` events carry. */
  scoredAt?: string;
  grade?: LeadGrade;
  reasons?: string[];
  scoreModel?: string;
  fit?: number;
  intent?: number;
  triage?: Triage;
  accountActivity?: string;
  ownerId?: string;
  /** Why this owner: "account owner (acme.io)", "territory dach (round-robin)", "round-robin". */
  ownerRule?: string;
  /** Set when a hot lead was not contacted within its SLA and moved to another rep. */
  escalatedAt?: string;
  escalatedFrom?: string;
  ownerName?: string;
  ownerEmail?: string;
  executionArn?: string;
  contactedAt?: string;
  /** The rep whose link first recorded contact. */
  contactedBy?: string;
  /** The response that first recorded contact, as it came: its timeline event is written from it. */
  firstResponse?: RepResponse;
  outcome?: RepOutcome;
  rejectReason?: string;
  repNote?: string;
  unsubscribedAt?: string;
  /** SES reported the address: a hard bounce or a complaint (the first of them stops the emails). */
  emailProblem?: string;
  emailProblemAt?: string;
  bouncedAt?: string;
  complainedAt?: string;
  closedAt?: string;
  failure?: { error: string; cause?: string; at: string };
  /** The meeting booked on the thank-you, as the scheduling tool last said. */
  meeting?: Meeting;
  /** What the CRM said after the first answer: opportunity, won or lost (see pipeline.ts). */
  pipeline?: Pipeline;
  /** Counts the pipeline's writes: a change is saved only over the version it was computed from. */
  pipelineRevision?: number;
  /** When it was returned to nurture (a "not now" rejection). */
  nurturedAt?: string;
}

/** A lead's first name for a greeting; the whole name when it has one word. */
export const firstName = (lead: Pick<LeadSubmission, 'name'>): string => lead.name.split(/\s+/)[0] ?? lead.name;

/** What the lead asked for, in words, from the form they used. */
export function requestedThing(lead: Pick<Lead, 'formId'>): string {
  const form = lead.formId ?? '';
  if (/demo/i.test(form)) return 'a demo';
  if (/(pricing|quote|trial)/i.test(form)) return 'pricing information';
  if (/(download|ebook|whitepaper|report|webinar)/i.test(form)) return 'the content you requested';
  if (/newsletter/i.test(form)) return 'our newsletter';
  return 'a conversation with our team';
}

/** The execution input of the lead workflow: the schedule is fixed at submission. */
export interface WorkflowInput {
  leadId: string;
  submittedAt: string;
  schedule: Schedule;
}
