import type { Clock } from '@domain/clock';
import { LeadNotFound, PermanentSendError } from '@domain/errors';
import type { Lead } from '@domain/lead';
import { expiryAfterDays, signLink, type LinkPurpose } from '@domain/links';
import type { LeadStore, Mailer, OutgoingEmail, PostedSlackMessage, SecretSource, SlackNotifier, SlackUserDirectory, TeamStore, TextMessenger } from '@domain/ports';
import type { AlertContact, Rep } from '@domain/rep';
import { hotLeadAlertMessage, type SlackMessage, teamLeadNoticeMessage } from '@domain/slack-messages';
import { alertChannelsOf, slackUserIdOf } from '@domain/slack-users';
import { meetingWhen } from '@domain/booking';
import { recommendedNextAction } from '@domain/handoff';
import { nextRepAfter, poolOf, routeLead, type Routing } from '@domain/routing';
import { hotLeadAlertText } from '@domain/sms-messages';
import { timeToLive } from '@domain/sms';
import { scoreLead } from '@domain/scoring';
import { readTeamToday, utcDay } from '@domain/team';
import type { ScoringModel } from '@domain/scoring-model';
import { returnsToNurture } from '@domain/recycling';
import { audienceOf, followUpStep, nurtureStep, type Sequence, type SequenceStep } from '@domain/sequence';
import { confirmationEmail, type EmailCatalog, escalationEmail, followUpEmail, hotLeadAlertEmail, nurtureEmail, teamLeadEscalationEmail } from '@domain/templates';

/** The steps of a lead's timed sequence, each called by one task of the state machine. */
export interface SequenceDeps {
  store: LeadStore;
  mailer: Mailer;
  secrets: SecretSource;
  clock: Clock;
  sequence: Sequence;
  reps: readonly Rep[];
  routing: Routing;
  /** Minutes a hot lead may wait for first contact before it is escalated. */
  hotSlaMinutes: number;
  publicBaseUrl: string;
  linkTtlDays: number;
  /** The sender's postal address, in every lead email's footer (CAN-SPAM). */
  postalAddress: string;
  /** The messages' templates and the resources per form (compiled at synth from lib/config/emails/). */
  emails: EmailCatalog;
  /** Slack, for the functions CDK gave the bot token: alerts go there to the people who want them. */
  slack?: { slack: SlackNotifier; directory: SlackUserDirectory };
  /** Text messages, where the stage names an origination identity: hot-lead alerts to reps who gave their mobile. */
  texts?: TextMessenger;
}

/** A team alert beyond its email: to whom, the Slack message, and where else it goes. */
interface TeamAlert {
  person: AlertContact;
  message: SlackMessage;
  /** The lead's pool's Slack channel, which sees every hot lead of the pool. */
  poolChannel?: string | undefined;
  /** The alert as a text message, for a person who opted in to them (`smsAlertsTo`). */
  text?: string;
}

export interface SendResult {
  sent: boolean;
  /** True when the lead's sequence should end: contacted, unsubscribed, closed or undeliverable. */
  stop: boolean;
}

async function loadLead(store: LeadStore, leadId: string): Promise<Lead> {
  const lead = await store.getLead(leadId);
  if (!lead) throw new LeadNotFound(leadId);
  return lead;
}

async function signedUrl(deps: SequenceDeps, lead: Lead, purpose: LinkPurpose, repId?: string): Promise<string> {
  // A rep's link expires; a lead's unsubscribe link works as long as the lead exists.
  const expiry = purpose === 'unsubscribe' ? {} : { expiresAt: expiryAfterDays(deps.clock.now(), deps.linkTtlDays) };
  const token = signLink({ leadId: lead.leadId, purpose, ...expiry, ...(repId ? { repId } : {}) }, (await deps.secrets.linkSecrets()).current);
  return `${deps.publicBaseUrl.replace(/\/+$/, '')}/leads/${encodeURIComponent(lead.leadId)}/${purpose}?token=${token}`;
}

/** Headers that let mail clients offer one-click unsubscribe (RFC 8058). */
const unsubscribeHeaders = (url: string): Record<string, string> => ({
  'List-Unsubscribe': `<${url}>`,
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
});

/**
 * Sends one step's email at most once per claim: the step is claimed with a conditional write
 * (lead still new, step not sent) before the send, so a rep's response recorded before the
 * claim always wins, and a retried step that was sent does nothing.
 *
 * Guarantee: at-least-once per step, deduplicated by the claim. A send that fails releases the
 * claim so the retry sends; a step that dies between its claim and its send leaves a claim
 * without a `sent` mark, which the retry claims again and sends. Only a crash (or a timeout)
 * after SES accepted the message and before the `sent` mark is written can repeat it.
 *
 * Why not at-most-once: SES has no idempotency key, so a claim without a `sent` mark cannot
 * tell "never sent" from "sent, then died". At-most-once would have to treat every such claim
 * as sent, which drops the email after every crash or timeout anywhere between claim and
 * mark; at-least-once repeats it only in the one window of a single DynamoDB write after SES
 * answered. A lost minute-5 alert costs a hot lead; a repeated one costs a second email.
 */
async function sendOnce(deps: SequenceDeps, leadId: string, step: SequenceStep, compose: (lead: Lead) => Promise<OutgoingEmail>, toTeam?: (lead: Lead) => TeamAlert, whileStatus: 'new' | 'nurture' = 'new'): Promise<SendResult> {
  const lead = await loadLead(deps.store, leadId);
  // The rep's alert goes to a lead who booked a meeting too: it says the meeting instead of "call now".
  const claim = await deps.store.claimStep(leadId, step, deps.clock.now().toISOString(), step === 'hot-alert' ? { whenBooked: true } : { whileStatus });
  if (claim.kind === 'stopped') return { sent: false, stop: true };
  if (claim.kind === 'already-sent') {
    // The attempt that sent it may have died before its timeline event: write it now (once).
    const sent = lead.steps[step];
    if (sent?.status === 'sent' && sent.sentAt) await deps.store.appendEventOnce(leadId, sentEvent(deps.sequence, step, sent.sentAt));
    return { sent: false, stop: false };
  }

  const alert = toTeam?.(lead);
  const slack = alert && deps.slack ? alert : undefined;
  const channels = slack ? alertChannelsOf(slack.person) : { slack: false, email: true };
  // Email first when both go: a failed email is retried with its step, and must not post twice to Slack.
  let posted: PostedSlackMessage | undefined;
  let slackDown = false;
  if (slack && channels.slack && !channels.email) slackDown = !(posted = await postToSlack(deps, leadId, step, slack));
  const emailToo = channels.email || !posted;
  let messageId = posted ? `slack:${posted.channel}/${posted.ts}` : '';
  if (emailToo) messageId = await sendEmail(deps, lead, step, compose);
  if (!messageId) return { sent: false, stop: true };
  if (slack && channels.slack && channels.email) slackDown = !(await postToSlack(deps, leadId, step, slack));
  // The pool's channel and the rep's phone come after the alert itself went, and never hold it up.
  if (slack?.poolChannel) await postToPoolChannel(deps, leadId, step, slack, slackDown);
  if (alert?.text && alert.person.smsAlertsTo && deps.texts) await textTo(deps, leadId, step, alert.person.smsAlertsTo, alert.text);
  const sentAt = deps.clock.now().toISOString();
  await deps.store.markStepSent(leadId, step, { sentAt, messageId });
  await deps.store.appendEventOnce(leadId, sentEvent(deps.sequence, step, sentAt));
  return { sent: true, stop: false };
}

const failureOf = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);

/**
 * Posts a team alert to Slack; a failure past the client's retries is on the timeline and
 * answered with undefined: the caller sends the email instead (an alert is never lost to Slack).
 */
async function postToSlack(deps: SequenceDeps, leadId: string, step: SequenceStep, alert: TeamAlert): Promise<PostedSlackMessage | undefined> {
  const at = () => deps.clock.now().toISOString();
  try {
    const user = await slackUserIdOf(deps.slack!, alert.person);
    if (!user) throw new Error(`Slack has no member with the email ${alert.person.email}`);
    const posted = await deps.slack!.slack.postMessage(user, alert.message);
    await deps.store.appendEvent(leadId, { type: 'slack-posted', at: at(), actor: 'system', detail: { step, channel: posted.channel, ts: posted.ts } });
    return posted;
  } catch (error) {
    const fallback = alertChannelsOf(alert.person).email ? 'email sent too' : 'sent by email instead';
    await deps.store.appendEvent(leadId, { type: 'slack-failed', at: at(), actor: 'system', detail: { step, error: failureOf(error), fallback } });
    return undefined;
  }
}

/**
 * The same alert in the pool's channel, where the team sees what waits (its buttons answer only
 * for the lead's rep or the team lead). When Slack just failed the rep's own alert, it is not
 * tried again: the step's time goes to the email, not to a second wait on Slack.
 */
async function postToPoolChannel(deps: SequenceDeps, leadId: string, step: SequenceStep, alert: TeamAlert, slackDown: boolean): Promise<void> {
  const at = () => deps.clock.now().toISOString();
  const channel = alert.poolChannel!;
  if (slackDown) {
    await deps.store.appendEvent(leadId, { type: 'slack-failed', at: at(), actor: 'system', detail: { step, channel, error: 'not tried: Slack failed for the rep\'s own alert just before', fallback: 'the rep\'s alert went by email' } });
    return;
  }
  try {
    const posted = await deps.slack!.slack.postMessage(channel, alert.message);
    await deps.store.appendEvent(leadId, { type: 'slack-posted', at: at(), actor: 'system', detail: { step, channel: posted.channel, ts: posted.ts, pool: true } });
  } catch (error) {
    await deps.store.appendEvent(leadId, { type: 'slack-failed', at: at(), actor: 'system', detail: { step, channel, error: failureOf(error), fallback: 'the rep was alerted anyway' } });
  }
}

/** The alert as a text to the rep's mobile: on the timeline either way, and never in the way of the rest. */
async function textTo(deps: SequenceDeps, leadId: string, step: SequenceStep, to: string, body: string): Promise<void> {
  const at = () => deps.clock.now().toISOString();
  try {
    const messageId = await deps.texts!.sendText({ to, body, timeToLiveSeconds: timeToLive(deps.hotSlaMinutes), context: { leadId, step } });
    await deps.store.appendEvent(leadId, { type: 'texted', at: at(), actor: 'system', detail: { step, messageId } });
  } catch (error) {
    await deps.store.appendEvent(leadId, { type: 'text-failed', at: at(), actor: 'system', detail: { step, error: failureOf(error) } });
  }
}

/** The step's email; '' when SES refused the address for good (the lead is marked undeliverable). */
async function sendEmail(deps: SequenceDeps, lead: Lead, step: SequenceStep, compose: (lead: Lead) => Promise<OutgoingEmail>): Promise<string> {
  const { leadId } = lead;
  const email = { ...(await compose(lead)), tags: { leadId, step } };
  try {
    return await deps.mailer.send(email);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof PermanentSendError) {
      await deps.store.markUndeliverable(leadId, step, message, deps.clock.now().toISOString());
      await deps.store.appendEvent(leadId, { type: 'email-rejected', at: deps.clock.now().toISOString(), actor: 'system', detail: { step, error: message } });
      return '';
    }
    await deps.store.releaseStep(leadId, step, message);
    throw error;
  }
}

/** A step's `-sent` event, at the time its step record says it was sent, so a retry can write it again. */
const sentEvent = (sequence: Sequence, step: SequenceStep, sentAt: string) =>
  ({ type: `${step}-sent`, at: sentAt, actor: 'system', detail: { to: audienceOf(sequence, step) === 'team' ? 'rep' : 'lead' } }) as const;

async function leadEmail(deps: SequenceDeps, lead: Lead, content: (unsubscribeUrl: string) => Omit<OutgoingEmail, 'to'>): Promise<OutgoingEmail> {
  const unsubscribeUrl = await signedUrl(deps, lead, 'unsubscribe');
  return {
    to: lead.email,
    ...(lead.ownerEmail ? { replyTo: lead.ownerEmail } : {}),
    headers: unsubscribeHeaders(unsubscribeUrl),
    ...content(unsubscribeUrl),
  };
}

export function sendConfirmation(deps: SequenceDeps, leadId: string): Promise<SendResult> {
  return sendOnce(deps, leadId, 'confirmation', (lead) => leadEmail(deps, lead, (unsubscribeUrl) => confirmationEmail(deps.emails, lead, { unsubscribeUrl, postalAddress: deps.postalAddress })));
}

/** What scoring and routing work with: no mailer, no secrets. */
export interface RoutingDeps extends Pick<SequenceDeps, 'store' | 'clock' | 'routing'> {
  /** Who takes leads now: read for every lead, so a manager's change applies to the next one. */
  team: TeamStore;
  scoringModel: ScoringModel;
}

/** The pool's turns from the lead store, the daily counts (today, UTC) from the team store. */
const routingCounters = (deps: Pick<RoutingDeps, 'store' | 'team'>, now: Date) => ({
  nextTurn: (pool: string) => deps.store.nextRoutingTurn(pool),
  countAssignment: (repId: string, cap?: number) => deps.team.countAssignment(repId, utcDay(now), cap),
});

/** What the state machine branches on after scoring. */
export interface RoutingDecision {
  score: number;
  grade: NonNullable<Lead['grade']>;
  ownerId: string | null;
  /** Hot and routed (not nurtured): page the owner at minute 5. */
  alert: boolean;
  /** Dropped by triage: no emails at all. */
  disqualified: boolean;
}

const DAY_MS = 86_400_000;

const decisionOf = (lead: Required<Pick<Lead, 'score' | 'grade' | 'triage'>> & Pick<Lead, 'ownerId'>): RoutingDecision => ({
  score: lead.score,
  grade: lead.grade,
  ownerId: lead.ownerId ?? null,
  alert: lead.grade === 'hot' && lead.triage.decision === 'route',
  disqualified: lead.triage.decision === 'disqualify',
});

/**
 * Scores the lead against the model and its history, triages it, and gives it an owner. A
 * retried call returns the first decision: a lead is scored and routed once, and its events
 * carry the time it was scored, so a retry writes the ones its first attempt missed, once.
 */
export async function scoreAndRoute(deps: RoutingDeps, leadId: string): Promise<RoutingDecision> {
  const lead = await loadLead(deps.store, leadId);
  if (lead.score !== undefined && lead.grade && lead.triage) {
    const scored = { ...lead, score: lead.score, grade: lead.grade, triage: lead.triage };
    if (lead.scoredAt) await appendScoringEvents(deps.store, leadId, scored, lead.scoredAt);
    return decisionOf(scored);
  }

  const { intent, triage } = deps.scoringModel;
  const windowDays = Math.max(intent.repeatVisit.withinDays, triage.accountActivity.withinDays);
  const history = await deps.store.leadHistory(lead, new Date(Date.parse(lead.submittedAt) - windowDays * DAY_MS).toISOString());
  const score = scoreLead(lead, deps.scoringModel, history);
  const now = deps.clock.now();
  // A retry that died after counting and before recording counts the lead again: a cap errs
  // towards one lead fewer for that rep that day, never towards an unowned lead.
  const assignment =
    score.triage.decision === 'disqualify' ? undefined : await routeLead(lead, await readTeamToday(deps.team, now), deps.routing, routingCounters(deps, now), now);
  const at = deps.clock.now().toISOString();
  await deps.store.recordScore(leadId, score, assignment, at);
  const scored = { ...score, scoreModel: score.model, ownerId: assignment?.owner.id, ownerRule: assignment?.rule };
  await appendScoringEvents(deps.store, leadId, scored, at);
  return decisionOf(scored);
}

type ScoredLead = Required<Pick<Lead, 'score' | 'grade' | 'triage'>> & Pick<Lead, 'fit' | 'intent' | 'reasons' | 'scoreModel' | 'ownerId' | 'ownerRule'>;

/** `scored`, then `disqualified` or `nurtured` when triage said so, then `assigned` when it has an owner. */
async function appendScoringEvents(store: LeadStore, leadId: string, lead: ScoredLead, at: string): Promise<void> {
  const { score, grade, fit, intent, reasons, scoreModel: model, triage, ownerId, ownerRule: rule } = lead;
  await store.appendEventOnce(leadId, { type: 'scored', at, actor: 'system', detail: { score, grade, fit, intent, reasons, model } });
  if (triage.decision !== 'route') {
    await store.appendEventOnce(leadId, { type: triage.decision === 'disqualify' ? 'disqualified' : 'nurtured', at, actor: 'system', detail: { reason: triage.reason } });
  }
  if (ownerId && triage.decision !== 'disqualify') await store.appendEventOnce(leadId, { type: 'assigned', at, actor: 'system', detail: { ownerId, rule } });
}

const ownerOf = (deps: SequenceDeps, lead: Lead): Rep => {
  const owner = deps.reps.find((rep) => rep.id === lead.ownerId);
  if (!owner) throw new Error(`Lead ${lead.leadId} has no configured owner (${lead.ownerId ?? 'none'})`);
  return owner;
};

/** When the lead's booked meeting is, in the rep's zone ("Tue 10:30 (Europe/Berlin)"); undefined without one. */
const bookedFor = (deps: SequenceDeps, lead: Lead, owner: Rep): string | undefined =>
  lead.meeting?.status === 'booked' ? meetingWhen(lead.meeting.startsAt, owner.workingHours?.defaultTimeZone ?? deps.sequence.businessHours?.defaultTimeZone ?? 'UTC') : undefined;

export function alertRep(deps: SequenceDeps, leadId: string): Promise<SendResult> {
  const afterMinutes = deps.sequence.hotAlertAfterMinutes;
  return sendOnce(
    deps,
    leadId,
    'hot-alert',
    async (lead) => {
      const owner = ownerOf(deps, lead);
      const contactUrl = await signedUrl(deps, lead, 'contact', owner.id);
      return { to: owner.email, ...hotLeadAlertEmail(deps.emails, lead, { contactUrl }, afterMinutes, recommendedNextAction(lead), bookedFor(deps, lead, owner)) };
    },
    (lead) => {
      const owner = ownerOf(deps, lead);
      const meetingFor = bookedFor(deps, lead, owner);
      return {
        person: owner,
        message: hotLeadAlertMessage(lead, { publicBaseUrl: deps.publicBaseUrl, afterMinutes, nextAction: recommendedNextAction(lead), ...(meetingFor ? { meetingFor } : {}) }),
        poolChannel: poolChannelOf(deps, lead),
        text: hotLeadAlertText(lead, { publicBaseUrl: deps.publicBaseUrl, afterMinutes, ...(meetingFor ? { meetingFor } : {}) }),
      };
    },
  );
}

/** The Slack channel of the lead's pool, when the routing names one. */
const poolChannelOf = (deps: SequenceDeps, lead: Lead): string | undefined => deps.routing.slackChannels?.[poolOf(lead, deps.routing)];

/** An escalation routes the lead again: it reads the team as routing does. */
export interface EscalationDeps extends SequenceDeps {
  team: TeamStore;
}

/**
 * A hot lead still not contacted when its SLA runs out goes to the next rep of its pool, who
 * gets the alert; the team lead is told. Once: the move is conditional (still new, not
 * escalated yet), and each email is claimed like every other send. The move counts toward the
 * new owner's day once it happened (after it: a lead contacted meanwhile moves nowhere).
 */
export async function escalateLead(deps: EscalationDeps, leadId: string): Promise<{ escalated: boolean; pastSla: boolean }> {
  let lead = await loadLead(deps.store, leadId);
  if (lead.status !== 'new') return { escalated: false, pastSla: false };
  const firstOwner = lead.escalatedFrom ?? lead.ownerId;
  const firstOwnerName = deps.reps.find((rep) => rep.id === firstOwner)?.name ?? firstOwner ?? 'the owner';
  if (!lead.escalatedAt) {
    const now = deps.clock.now();
    const next = await nextRepAfter(lead, lead.ownerId, await readTeamToday(deps.team, now), deps.routing, (pool) => deps.store.nextRoutingTurn(pool), now);
    const at = deps.clock.now().toISOString();
    if (next) await deps.store.escalateTo(leadId, next, at);
    lead = await loadLead(deps.store, leadId);
    if (next && lead.escalatedAt === at && lead.ownerId === next.id) await deps.team.countAssignment(next.id, utcDay(now));
  }
  // Keyed by the move's time: a retry writes it if its first attempt died before, once.
  if (lead.escalatedAt) {
    await deps.store.appendEventOnce(leadId, { type: 'escalated', at: lead.escalatedAt, actor: 'system', detail: { from: firstOwner, to: lead.ownerId, afterMinutes: deps.hotSlaMinutes } });
  }
  const newOwner = lead.escalatedAt ? deps.reps.find((rep) => rep.id === lead.ownerId) : undefined;
  let escalated = false;
  if (newOwner) {
    const sent = await sendOnce(
      deps,
      leadId,
      'escalation',
      async (current) => {
        const contactUrl = await signedUrl(deps, current, 'contact', newOwner.id);
        return { to: newOwner.email, ...escalationEmail(deps.emails, current, firstOwnerName, { contactUrl }, deps.hotSlaMinutes, recommendedNextAction(current)) };
      },
      (current) => ({
        person: newOwner,
        message: hotLeadAlertMessage(current, { publicBaseUrl: deps.publicBaseUrl, afterMinutes: deps.hotSlaMinutes, nextAction: recommendedNextAction(current), escalatedFrom: firstOwnerName }),
        poolChannel: poolChannelOf(deps, current),
        text: hotLeadAlertText(current, { publicBaseUrl: deps.publicBaseUrl, afterMinutes: deps.hotSlaMinutes, escalatedFrom: firstOwnerName }),
      }),
    );
    escalated = sent.sent;
  }
  const teamLead = deps.routing.teamLead;
  if (teamLead) {
    await sendOnce(
      deps,
      leadId,
      'team-lead-notice',
      async (current) => ({ to: teamLead.email, ...teamLeadEscalationEmail(deps.emails, current, teamLead.name, firstOwnerName, newOwner?.name, deps.hotSlaMinutes) }),
      (current) => ({
        person: teamLead,
        message: teamLeadNoticeMessage(current, { publicBaseUrl: deps.publicBaseUrl, from: firstOwnerName, ...(newOwner ? { to: newOwner.name } : {}), slaMinutes: deps.hotSlaMinutes }),
      }),
    );
  }
  return { escalated, pastSla: true };
}

export function sendFollowUp(deps: SequenceDeps, leadId: string, day: number): Promise<SendResult> {
  return sendOnce(deps, leadId, followUpStep(day), (lead) => leadEmail(deps, lead, (unsubscribeUrl) => followUpEmail(deps.emails, lead, day, { unsubscribeUrl, postalAddress: deps.postalAddress })));
}

/**
 * Ends the sequence: a lead nobody answered is closed; a lead rejected for a reason that means
 * "not now" (sequence.nurture.reasons) returns to marketing, and the workflow goes on to the
 * nurture track. A retried step finds it in nurture already and answers the same.
 */
export async function closeLead(deps: Pick<SequenceDeps, 'store' | 'clock' | 'sequence'>, leadId: string): Promise<{ nurture: boolean }> {
  const at = deps.clock.now().toISOString();
  const lead = await loadLead(deps.store, leadId);
  if (returnsToNurture(lead, deps.sequence) && (await deps.store.returnToNurture(leadId, at))) {
    const nurtured = (await loadLead(deps.store, leadId)).nurturedAt ?? at;
    await deps.store.appendEventOnce(leadId, { type: 'returned-to-nurture', at: nurtured, actor: 'system', detail: { reason: lead.rejectReason!, emails: deps.sequence.nurture!.afterDays.length } });
    return { nurture: true };
  }
  const closedAt = await deps.store.closeLead(leadId, at);
  await deps.store.appendEventOnce(leadId, { type: 'closed', at: closedAt, actor: 'system' });
  return { nurture: false };
}

/** The nurture track's n-th email, while the lead is still in nurture (not answered, unsubscribed or undeliverable since). */
export async function sendNurture(deps: SequenceDeps, leadId: string, touch: number): Promise<SendResult> {
  const total = deps.sequence.nurture?.afterDays.length ?? touch;
  // A recycled lead that submitted again is scored and routed afresh as a new lead: this track ends.
  const lead = await loadLead(deps.store, leadId);
  const { previousVisits } = await deps.store.leadHistory(lead, lead.submittedAt);
  const again = previousVisits.filter((at) => at > lead.submittedAt).sort()[0];
  if (again) {
    await deps.store.appendEventOnce(leadId, { type: 'left-nurture', at: again, actor: 'lead', detail: { why: 'submitted again' } });
    return { sent: false, stop: true };
  }
  return sendOnce(deps, leadId, nurtureStep(touch), (lead) => leadEmail(deps, lead, (unsubscribeUrl) => nurtureEmail(deps.emails, lead, touch, total, { unsubscribeUrl, postalAddress: deps.postalAddress })), undefined, 'nurture');
}

export async function recordFailure(deps: Pick<SequenceDeps, 'store' | 'clock'>, leadId: string, error: string, cause?: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  const failure = { error, at, ...(cause ? { cause: cause.slice(0, 1000) } : {}) };
  await deps.store.recordFailure(leadId, failure);
  await deps.store.appendEvent(leadId, { type: 'failed', at, actor: 'system', detail: { error } });
}
