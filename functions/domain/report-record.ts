import type { Lead, LeadGrade, RepOutcome } from '@domain/lead';
import { awaitsFirstContact } from '@domain/queue';
import { NO_CAMPAIGN, NO_FORM, NO_SOURCE, UNASSIGNED } from '@domain/sla';

/**
 * What the reports count of one lead, and nothing else: when it came, where from, its grade
 * and owner, when it was first contacted, what the rep decided, and whether it unsubscribed,
 * bounced, complained or still waits for its rep. No name, no address, no message: the lead
 * store keeps one per lead as the lead changes (the dashboard's digest), and `dashboard()`
 * and `npm run report` count these, never whole leads.
 */
export interface ReportRecord {
  leadId: string;
  /** When it was submitted, ms since the epoch. */
  submittedMs: number;
  /** Where from and who owns it, as the dashboard's rows and menus name them: utm_source or "(direct)". */
  source: string;
  /** utm_campaign, or "(none)". */
  campaign: string;
  /** formId, or "(no form)". */
  form: string;
  /** The owner's rep id, or "(unassigned)". */
  rep: string;
  /** Absent while it is not scored. */
  grade?: LeadGrade;
  /** The first contact, ms since the epoch; absent while nobody has contacted the lead. */
  contactedMs?: number;
  outcome?: RepOutcome;
  /** Why it was rejected, "other" when no reason was given; only with the outcome `rejected`. */
  rejectReason?: string;
  unsubscribed: boolean;
  bounced: boolean;
  complained: boolean;
  /** Not contacted yet, and still the rep's to call (queue.ts's rule): ignored once past its SLA. */
  awaitsFirstContact: boolean;
}

/** A lead as the reports count it. */
export function reportRecordOf(lead: Lead): ReportRecord {
  return {
    leadId: lead.leadId,
    submittedMs: Date.parse(lead.submittedAt),
    source: lead.utm_source ?? NO_SOURCE,
    campaign: lead.utm_campaign ?? NO_CAMPAIGN,
    form: lead.formId ?? NO_FORM,
    rep: lead.ownerId ?? UNASSIGNED,
    ...(lead.grade ? { grade: lead.grade } : {}),
    ...(lead.contactedAt ? { contactedMs: Date.parse(lead.contactedAt) } : {}),
    ...(lead.outcome ? { outcome: lead.outcome } : {}),
    ...(lead.outcome === 'rejected' ? { rejectReason: lead.rejectReason ?? 'other' } : {}),
    unsubscribed: Boolean(lead.unsubscribedAt),
    bounced: lead.status === 'bounced' || lead.bouncedAt !== undefined,
    complained: lead.status === 'complained' || lead.complainedAt !== undefined,
    awaitsFirstContact: awaitsFirstContact(lead),
  };
}
