import type { Pipeline } from '@domain/pipeline';
import type { Lead, RepResponse, StepRecord } from '@domain/lead';
import type { SequenceStep } from '@domain/sequence';
import type { EmailContent } from '@domain/templates';
import type { LeadHistory, LeadScore } from '@domain/scoring';
import type { Rep } from '@domain/rep';
import type { TeamRep } from '@domain/team';
import type { TeamChange } from '@domain/team-app';
import type { OutgoingText } from '@domain/sms';

export type { RepResponse };

/**
 * What the domain needs from the outside world. DynamoDB, SES, Step Functions and Secrets
 * Manager implement these in functions/adapters; the choice is made once, at the edge.
 */
export type StepClaim =
  /** The step is ours to send now. */
  | { kind: 'claimed' }
  /** Sent before (a retried step): do nothing. */
  | { kind: 'already-sent' }
  /** The lead was contacted, unsubscribed, closed or failed: no more emails. */
  | { kind: 'stopped'; status: Lead['status'] };

/** What claiming a CRM's signed request found; `claimToken` completes or releases the claim. */
export type WebhookClaim = { kind: 'claimed'; claimToken: string } | { kind: 'in-progress' } | { kind: 'recorded' };

export interface TimelineEvent {
  type: string;
  at: string;
  actor: string;
  detail?: Record<string, string | number | boolean | string[] | undefined>;
}

export interface LeadStore {
  /** Guards a submission for the dedupe window; tells the first lead's id when it repeats. */
  claimSubmission(fingerprint: string, leadId: string, now: Date, windowSeconds: number): Promise<{ first: true } | { first: false; leadId: string }>;
  /** False when a lead with this id is stored already (the write changed nothing). */
  createLead(lead: Lead): Promise<boolean>;
  getLead(leadId: string): Promise<Lead | undefined>;
  /** The score and triage, scored at `at`; the owner and the rule that chose them, unless the lead was disqualified. */
  recordScore(leadId: string, score: LeadScore, assignment: { owner: Rep; rule: string } | undefined, at: string): Promise<void>;
  /** The same person's earlier visits and how many people from their company wrote in, since `since`. */
  leadHistory(lead: Pick<Lead, 'leadId' | 'email'>, since: string): Promise<LeadHistory>;
  /**
   * Moves a hot lead nobody contacted to another rep, once: a lead contacted or escalated
   * already is left as it is (the caller reads the lead back to see which).
   */
  escalateTo(leadId: string, owner: Rep, at: string): Promise<void>;
  /** An atomic counter: each call returns a new turn, in order. */
  nextRoutingTurn(pool: string): Promise<number>;
  /**
   * Claims an email step while the lead is `new` (the sequence), or `nurture` for the nurture
   * track's emails (`whileStatus`). `whenBooked`: a lead contacted by booking a meeting (still
   * booked) may have this step too (the rep's alert says so).
   */
  claimStep(leadId: string, step: SequenceStep, at: string, options?: { whenBooked?: boolean; whileStatus?: 'new' | 'nurture' }): Promise<StepClaim>;
  markStepSent(leadId: string, step: SequenceStep, record: Required<Pick<StepRecord, 'sentAt' | 'messageId'>>): Promise<void>;
  /** A send failed after the claim: let a retry claim the step again. */
  releaseStep(leadId: string, step: SequenceStep, error: string): Promise<void>;
  markUndeliverable(leadId: string, step: SequenceStep, error: string, at: string): Promise<void>;
  /**
   * A hard bounce or a complaint: no email to this lead again. Returns when this problem was
   * first recorded (a repeated report keeps it), undefined when the lead is unknown.
   */
  markSenderProblem(leadId: string, problem: 'bounced' | 'complained', at: string, detail: string): Promise<string | undefined>;
  /**
   * Claims a CRM's signed request (its signature's hex, lowercased) for recording, in one
   * conditional write: `claimed` when no attempt holds it (none yet, or one whose lock passed
   * without completing: it crashed); `in-progress` while another attempt holds its lock;
   * `recorded` once one completed. Holds no personal data and no lead id; expires by TTL at
   * `rememberUntil`.
   */
  claimWebhook(signature: string, at: { now: Date; lockUntil: Date; rememberUntil: Date }): Promise<WebhookClaim>;
  /** The claimed request was recorded: a replay while its signature is still accepted changes nothing. */
  completeWebhook(signature: string, claimToken: string): Promise<void>;
  /** The claimed request failed part-way: its retry (the same signed request) may claim it at once. */
  releaseWebhook(signature: string, claimToken: string): Promise<void>;
  /** Records the rep's response; the first contact (its time, and the whole first response) is kept on repeats. */
  recordRepResponse(leadId: string, response: RepResponse): Promise<Lead>;
  markUnsubscribed(leadId: string, at: string): Promise<Lead>;
  /**
   * Saves the lead's pipeline over revision `revision` (0: none yet), in one conditional write,
   * and returns the lead as saved; undefined when another change was saved since it was read
   * (read again, apply again) or the lead is unknown.
   */
  savePipeline(leadId: string, pipeline: Pipeline, revision: number): Promise<Lead | undefined>;
  /** Ends the sequence; returns when it closed (the first close's time on a repeat). */
  closeLead(leadId: string, at: string): Promise<string>;
  /** A rejected lead whose reason means "not now" goes to the nurture track: false when it is no longer a rejected, reachable lead. */
  returnToNurture(leadId: string, at: string): Promise<boolean>;
  recordFailure(leadId: string, failure: { error: string; cause?: string; at: string }): Promise<void>;
  appendEvent(leadId: string, event: TimelineEvent): Promise<void>;
  /**
   * An event a retry may write again, at a time the lead's record keeps (a step's `-sent` at
   * the step's sentAt, `scored` at scoredAt, `escalated`, `unsubscribed`, `closed`): one
   * per time and type, so writing it twice keeps one. True when this call wrote it.
   */
  appendEventOnce(leadId: string, event: TimelineEvent): Promise<boolean>;
  listEvents(leadId: string): Promise<TimelineEvent[]>;
}

/**
 * The team's runtime settings and the day's lead counts: what routing reads per lead and the
 * team page changes. Its own port (not the LeadStore's): routing, the team page and nothing
 * else need it.
 */
export interface TeamStore {
  /** Every rep of the team, as the table holds them; seeded from the stage config on first read. */
  readTeam(): Promise<TeamRep[]>;
  /**
   * Stores the rep (at `rep.version`, one more than the version read) and its audit entry.
   * Throws TeamChanged when the stored version is no longer the one read: another manager's
   * change landed in between, and this one must not overwrite it.
   */
  saveMember(rep: TeamRep, change: TeamChange): Promise<void>;
  /** The team's audit trail, newest first. */
  listChanges(limit: number): Promise<TeamChange[]>;
  /** Leads routed to each of these reps on `day` (YYYY-MM-DD, UTC); a rep with none is 0. */
  countLeadsToday(repIds: readonly string[], day: string): Promise<Record<string, number>>;
  /**
   * Counts one more lead for the rep on `day`, atomically. With a cap, only while the count is
   * under it: false when the rep reached the cap (another lead took the last slot).
   */
  countAssignment(repId: string, day: string, cap?: number): Promise<boolean>;
}

export interface OutgoingEmail extends EmailContent {
  to: string;
  replyTo?: string;
  /** Extra headers (List-Unsubscribe); values are built by us, never raw input. */
  headers?: Record<string, string>;
  /** Tags SES returns with bounce and complaint events, so they find their lead. */
  tags?: Record<string, string>;
}

export interface Mailer {
  /** Returns the provider's message id; throws TransientError or PermanentSendError. */
  send(email: OutgoingEmail): Promise<string>;
}

/** Text messages to reps (End User Messaging SMS). */
export interface TextMessenger {
  /** Returns the provider's message id; throws when the text could not be sent (after the client's retries). */
  sendText(text: OutgoingText): Promise<string>;
}

export interface WorkflowStarter {
  /**
   * Starts the lead's sequence; idempotent for the same lead and input (an execution that
   * exists already counts as started). Throws TransientError when it cannot start now.
   */
  start(leadId: string, input: object): Promise<string>;
  /** The execution's ARN, known before it starts: it is named after the lead. */
  executionArnOf(leadId: string): string;
}

export interface StartQueue {
  /**
   * Durably queues the start of a stored lead's sequence, for when Step Functions will not
   * take it now (throttled in a burst); its consumer starts it. Throws TransientError.
   */
  enqueue(leadId: string): Promise<void>;
}

/**
 * A signing secret across a rotation: sign with `current`; accept what `previous` signed too,
 * so what went out before the rotation keeps working until the next one.
 */
export interface SecretVersions {
  current: string;
  previous?: string;
}

/** `fresh`: read again now rather than from the cache (at most every few seconds), for a signature neither value matched. */
export interface SecretRead {
  fresh?: boolean;
}

export interface SecretSource {
  /** Signs rep and unsubscribe links. */
  linkSecrets(read?: SecretRead): Promise<SecretVersions>;
  /** Shared with CRMs that sign webhook requests; only the rep-response function has it. */
  webhookSecrets(read?: SecretRead): Promise<SecretVersions>;
  /** The token in the endpoint URL Salesforce's outbound messages are sent to. */
  salesforceTokens(read?: SecretRead): Promise<SecretVersions>;
  /** Pipedrive's webhook HTTP Auth, as the JSON `{"user", "password"}`. */
  pipedriveCredentials(read?: SecretRead): Promise<SecretVersions>;
  /** The HubSpot app's client secret, which HubSpot signs its requests with (signature v3). */
  hubspotClientSecrets(read?: SecretRead): Promise<SecretVersions>;
  /** The Slack app's signing secret: only the slack-interactions function has it. */
  slackSigningSecrets(read?: SecretRead): Promise<SecretVersions>;
  /** The secret of the Cal.com webhook (X-Cal-Signature-256): only the booking function has it. */
  calcomWebhookSecrets(read?: SecretRead): Promise<SecretVersions>;
  /** The signing key of the Calendly webhook subscription (Calendly-Webhook-Signature): only the booking function has it. */
  calendlySigningKeys(read?: SecretRead): Promise<SecretVersions>;
  /** The Slack app's bot token (`xoxb-...`), for the functions that post to Slack. */
  slackBotToken(read?: SecretRead): Promise<string>;
}

/** A message Slack holds: its channel (a DM's id for a person) and timestamp id. */
export interface PostedSlackMessage {
  channel: string;
  ts: string;
}

/**
 * Slack's Web API as the alerts and the clicks use it (`@slack/web-api` behind it). Each call
 * throws once Slack's client gave up (its bounded retries): the caller decides what a failure
 * costs (an alert falls back to email; an update of an answered message is only logged).
 */
export interface SlackNotifier {
  /** `channel`: a member id (the bot's DM with them) or a channel id. */
  postMessage(channel: string, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<PostedSlackMessage>;
  updateMessage(posted: PostedSlackMessage, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<void>;
  /** A note only `user` sees, in the channel they clicked in. */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** The member with this email; undefined when the workspace has none. */
  userIdByEmail(email: string): Promise<string | undefined>;
}

/** Slack member ids found by email, kept so each is looked up once. */
export interface SlackUserDirectory {
  keptSlackUserId(email: string): Promise<string | undefined>;
  keepSlackUserId(email: string, slackUserId: string): Promise<void>;
}
