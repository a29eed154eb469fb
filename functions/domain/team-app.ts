import type { FunnelFigures } from '@domain/funnel';
import type { Pipeline } from '@domain/pipeline';
import type { LeadGrade, LeadStatus, RepOutcome } from '@domain/lead';
import type { TimelineEvent } from '@domain/ports';
import type { QueuedLead } from '@domain/queue';
import type { ReportRow, Sla } from '@domain/sla';

/**
 * The team app's HTTP contract: what functions/app-api answers and web/ reads. Types only, so
 * the browser bundle imports them without any server code. Every route is under /app/api and
 * behind the JWT authorizer (a Cognito ID token as `Authorization: Bearer <token>`): 401
 * without a valid token, 403 for the wrong group or another rep's lead.
 */

export type TeamRole = 'rep' | 'manager';

/** GET /app/api/me: who is signed in. A rep is a `reps` user whose email is a rep's; a manager is in `managers`. */
export interface Me {
  email: string;
  name: string;
  role: TeamRole;
  /** The rep this user is (a manager may be a rep too). */
  repId?: string;
}

/** Why this lead, why you, what now: the handoff a rep reads before the call. */
export interface Handoff {
  /** Why this lead: the score's reasons, in words. */
  whyThisLead: string[];
  /** Why you: the routing rule that picked the owner ("territory dach (round-robin)"). */
  whyYou: string;
  /** What now: the recommended next action. */
  whatNow: string;
}

/** One lead in a rep's queue (GET /app/api/queue): what `npm run queue` lists, and what a rep needs to act. */
export interface QueueItem extends QueuedLead {
  email: string;
  /** As typed, for reading; `phoneE164` is for the `tel:` link. */
  phone?: string;
  phoneE164?: string;
  /** `<utm_source> / <formId>`, as the report names sources. */
  source: string;
  handoff: Handoff;
}

/** GET /app/api/queue[?rep=<repId>] (a manager may ask for any rep's). */
export interface QueueView {
  asOf: string;
  rep: { id: string; name: string };
  leads: QueueItem[];
}

/** GET /app/api/leads/{id}: the lead, its handoff and its timeline, oldest event first. */
export interface LeadView {
  lead: QueueItem & {
    status: LeadStatus;
    ownerId?: string;
    ownerName?: string;
    message?: string;
    country?: string;
    companySize?: string;
    industry?: string;
    formId?: string;
    utm_source?: string;
    utm_campaign?: string;
    contactedAt?: string;
    outcome?: RepOutcome;
    rejectReason?: string;
    unsubscribedAt?: string;
    /** What the CRM said since: opportunity, won or lost, with the amount. */
    pipeline?: Pick<Pipeline, 'stage' | 'stageAt' | 'opportunityAt' | 'amount' | 'currency' | 'lostReason'>;
  };
  timeline: TimelineEvent[];
  /** The reject reasons a response may give, in the order to list them. */
  rejectReasons: readonly string[];
}

/** POST /app/api/leads/{id}/response: the same decision the email link records. */
export interface ResponseRequest {
  outcome: RepOutcome;
  /** Required with `rejected`, refused otherwise. */
  reason?: string;
  note?: string;
}

/** The answer to a response: the first contact's time is kept on repeats. */
export interface ResponseResult {
  leadId: string;
  contactedAt: string;
  outcome: RepOutcome;
}

/** A rep as the team page shows and edits them (GET /app/api/team). */
export interface TeamMember {
  id: string;
  name: string;
  email: string;
  /** False: off the team's routing until set active again. */
  active: boolean;
  /** Away until this day (YYYY-MM-DD, the first day back); routing skips them before it. */
  awayUntil?: string;
  pools: string[];
  /** Share of their pools' leads, 1 to 10 (weighted round-robin). */
  weight: number;
  /** At most this many new leads a day (UTC); none: no cap. */
  dailyCap?: number;
  /** Leads routed to them today (UTC), what the cap counts. */
  leadsToday: number;
  /** What routing does with them now. */
  availability: 'available' | 'away' | 'inactive' | 'at-cap';
  /** Counts the saved changes: send it back with a change, so one made meanwhile by someone else is not overwritten. */
  version: number;
}

/** One change to the team, on the audit trail: who changed what, when. */
export interface TeamChange {
  at: string;
  /** The manager's email. */
  actor: string;
  repId: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}

export interface TeamView {
  reps: TeamMember[];
  pools: string[];
  /** Newest first. */
  audit: TeamChange[];
}

/**
 * PUT /app/api/team/reps/{repId}: the fields to change (null clears `awayUntil` or `dailyCap`),
 * and the `version` the page showed: when another manager's change landed since, the answer is
 * 409 and nothing is saved.
 */
export interface TeamMemberChange {
  version?: number;
  active?: boolean;
  awayUntil?: string | null;
  pools?: string[];
  weight?: number;
  dailyCap?: number | null;
}

/** The dashboard's filters (query parameters of GET /app/api/dashboard and /app/api/dashboard.csv). */
export interface DashboardFilters {
  /** utm_source, `(direct)` for none. */
  source?: string;
  /** utm_campaign, `(none)` for none. */
  campaign?: string;
  /** formId, `(no form)` for none. */
  form?: string;
  /** ownerId. */
  rep?: string;
  grade?: LeadGrade;
}

/** GET /app/api/dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD&source=&campaign=&form=&rep=&grade= (managers). */
export interface DashboardView extends FunnelFigures {
  from: string;
  to: string;
  asOf: string;
  sla: Sla;
  filters: DashboardFilters;
  /** The values each filter can take over the period, for its menu. */
  options: { sources: string[]; campaigns: string[]; forms: string[]; reps: Array<{ id: string; name: string }>; grades: LeadGrade[] };
  /** All leads of the period that pass the filters; the same row `npm run report` prints as "all". */
  total: ReportRow & {
    /** accepted / (accepted + rejected), percent with one decimal. */
    acceptancePercent?: number;
    bounced: number;
    complained: number;
  };
  /** % contacted within SLA per ISO week (its Monday), oldest first, for the chart. */
  weekly: Array<{ week: string; leads: number; slaMet: number; slaMissed: number; withinSlaPercent?: number }>;
  byRep: ReportRow[];
  bySource: ReportRow[];
  rejectionReasons: Array<{ reason: string; count: number }>;
  /** Open past their SLA right now, per rep, most first. */
  ignoredNow: Array<{ repId: string; repName: string; leads: number; longestOverdueSeconds: number }>;
}

/** GET /app/config.json (no sign-in needed): where the app signs in. */
export interface AppConfig {
  region: string;
  userPoolId: string;
  clientId: string;
  /** Cognito's endpoint for InitiateAuth (the emulator's locally). */
  cognitoEndpoint: string;
  /** Cognito's hosted sign-in, when the stage connects a company identity provider (or locally, the emulator's). */
  hostedSignIn?: HostedSignInConfig;
}

/** The hosted domain's /oauth2 endpoints, the one address it returns to, and a button per provider. */
export interface HostedSignInConfig {
  /** `https://<prefix>.auth.<region>.amazoncognito.com` (the emulator's URL locally). */
  domain: string;
  /** `<app base>/app/`, as registered on the app client. */
  redirectUri: string;
  /** Cognito's provider name (`identity_provider`) and the words after "Sign in with". */
  providers: Array<{ id: string; label: string }>;
}
