import * as z from '@domain/zod';
import { isTimeZone } from '@domain/business-hours';
import type { Triage } from '@domain/scoring';
import type { Schedule, SequenceStep } from '@domain/sequence';

// Anything a lead types may end up in an email or a header: single-line fields refuse control
// characters (CR/LF would let a value break out of a header), and lengths are capped.
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Forms send empty inputs as "": treat them as not given. */
const blankAsMissing = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const requiredText = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : 'must be text');

const singleLine = (max: number, error: string | ((issue: { input?: unknown }) => string) = 'must be text') =>
  z.string({ error }).check(
    z.trim(),
    z.maxLength(max, { error: `must be at most ${max} characters` }),
    z.refine((s) => !CONTROL.test(s), { error: 'must be a single line without control characters' }),
  );

const optional = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform(blankAsMissing), z.optional(schema));

const webUrl = z.string({ error: 'must be text' }).check(
  z.trim(),
  z.maxLength(2048, { error: 'must be at most 2048 characters' }),
  z.refine(
    (s) => {
      try {
        const url = new URL(s);
        return url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { error: 'must be an http(s) URL' },
  ),
);

const ianaTimeZone = z
  .string({ error: 'must be text' })
  .check(z.trim(), z.maxLength(64), z.refine(isTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin"' }));

const TRUE_WORDS = new Set(['true', 'on', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'off', 'no', '0']);
const consentFlag = z.pipe(
  z.transform((value: unknown) => {
    if (typeof value !== 'string') return value;
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return value;
  }),
  z.boolean({ error: 'must be true or false' }),
);

/**
 * What a website form may submit. Unknown fields are dropped (zod strips them), so nothing
 * the form adds is ever stored raw.
 */
export const LeadSubmissionSchema = z.object({
  email: z.pipe(
    z.transform((v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v)),
    z.pipe(
      z.string({ error: requiredText }).check(z.maxLength(254, { error: 'must be at most 254 characters' })),
      z.email({ error: 'must be a valid email address' }),
    ),
  ),
  name: z.pipe(z.transform(blankAsMissing), singleLine(120, requiredText)),
  company: optional(singleLine(200)),
  jobTitle: optional(singleLine(120)),
  companySize: optional(singleLine(40)),
  industry: optional(singleLine(100)),
  country: optional(singleLine(100)),
  phone: optional(
    z
      .string({ error: 'must be text' })
      .check(z.trim(), z.regex(/^[+0-9 ().\-/x]{3,40}$/i, { error: 'must be a phone number (digits, spaces, + ( ) - .)' })),
  ),
  message: optional(
    z.string({ error: 'must be text' }).check(
      z.trim(),
      z.maxLength(5000, { error: 'must be at most 5000 characters' }),
      z.refine((s) => !CONTROL_EXCEPT_NEWLINES.test(s), { error: 'must not contain control characters' }),
    ),
  ),
  formId: optional(
    z
      .string({ error: 'must be text' })
      .check(z.trim(), z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, { error: 'must be 1-64 letters, digits, or - _ . :' })),
  ),
  pageUrl: optional(webUrl),
  referrer: optional(webUrl),
  utm_source: optional(singleLine(200)),
  utm_medium: optional(singleLine(200)),
  utm_campaign: optional(singleLine(200)),
  utm_term: optional(singleLine(200)),
  utm_content: optional(singleLine(200)),
  consent: optional(consentFlag),
  timezone: optional(ianaTimeZone),
  /** Honeypot: hidden from people, filled in by bots. */
  website: optional(z.string().check(z.maxLength(2048))),
});

export type LeadSubmission = Omit<z.infer<typeof LeadSubmissionSchema>, 'website'>;

export type LeadGrade = 'hot' | 'warm' | 'cold';
export type LeadStatus = 'new' | 'contacted' | 'unsubscribed' | 'disqualified' | 'bounced' | 'complained' | 'closed' | 'failed';
export type RepOutcome = 'contacted' | 'accepted' | 'rejected';

export interface StepRecord {
  status: 'claimed' | 'sent' | 'failed' | 'skipped';
  claimedAt: string;
  sentAt?: string;
  messageId?: string;
  error?: string;
}

/** A rep's answer to a lead, from the alert email's link or the CRM. */
export interface RepResponse {
  outcome: RepOutcome;
  at: string;
  /** Where it came from, and who for the timeline: `rep:<id>`, `crm:<id>` or `crm`. */
  via: 'email-link' | 'crm';
  actor: string;
  repId?: string;
  reason?: string;
  note?: string;
}

/** A lead as the product knows it: what they sent, what we decided, and what happened. */
export interface Lead extends LeadSubmission {
  leadId: string;
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
}

/** A lead's first name for a greeting; the whole name when it has one word. */
export const firstName = (lead: Pick<LeadSubmission, 'name'>): string => lead.name.split(/\s+/)[0] ?? lead.name;

/** The execution input of the lead workflow: the schedule is fixed at submission. */
export interface WorkflowInput {
  leadId: string;
  submittedAt: string;
  schedule: Schedule;
}
