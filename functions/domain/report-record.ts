import type { Lead, LeadGrade, RepOutcome } from '@domain/lead';
import type { PipelineStage } from '@domain/pipeline';
import { awaitsFirstContact } from '@domain/queue';
import { NO_CAMPAIGN, NO_FORM, NO_SOURCE, UNASSIGNED } from '@domain/sla';

/**
 * What the reports count of one lead, and nothing else: when it came, where from, its score,
 * grade and owner, when it was first contacted, what the rep decided, what the CRM made of it
 * (its pipeline stage and amount), and whether it unsubscribed, bounced, complained or still
 * waits for its rep. No name, no address, no message: the lead
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
  /** 0-100; absent while it is not scored. */
  score?: number;
  /** The first contact, ms since the epoch; absent while nobody has contacted the lead. */
  contactedMs?: number;
  outcome?: RepOutcome;
  /** Why it was rejected, "other" when no reason was given; only with the outcome `rejected`. */
  rejectReason?: string;
  /** Where the CRM says the deal stands (pipeline.ts); absent while it is no opportunity. */
  pipelineStage?: PipelineStage;
  /** The deal's latest amount, in `pipelineCurrency`; on a won deal, the amount won. */
  pipelineAmount?: number;
  /** ISO 4217; absent when the CRM sent an amount without one. */
  pipelineCurrency?: string;
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
    ...(typeof lead.score === 'number' ? { score: lead.score } : {}),
    ...(lead.contactedAt ? { contactedMs: Date.parse(lead.contactedAt) } : {}),
    ...(lead.outcome ? { outcome: lead.outcome } : {}),
    ...(lead.outcome === 'rejected' ? { rejectReason: lead.rejectReason ?? 'other' } : {}),
    ...(lead.pipeline ? { pipelineStage: lead.pipeline.stage } : {}),
    ...(lead.pipeline?.amount !== undefined ? { pipelineAmount: lead.pipeline.amount } : {}),
    ...(lead.pipeline?.amount !== undefined && lead.pipeline.currency ? { pipelineCurrency: lead.pipeline.currency } : {}),
    unsubscribed: Boolean(lead.unsubscribedAt),
    bounced: lead.status === 'bounced' || lead.bouncedAt !== undefined,
    complained: lead.status === 'complained' || lead.complainedAt !== undefined,
    awaitsFirstContact: awaitsFirstContact(lead),
  };
}
