import type { Lead, StepRecord } from '@domain/lead';
import type { TimelineEvent } from '@domain/ports';
import type { Rep } from '@domain/rep';
import { type SequenceStep, type Touch, type TouchEmail, touchOf, type TouchTask } from '@domain/sequence';
import { confirmationEmail, type EmailCatalog, escalationEmail, followUpEmail, hotLeadAlertEmail, teamLeadEscalationEmail } from '@domain/templates';

/**
 * What a lead's path requires: from its record alone (grade, triage, the steps it claimed,
 * when it was contacted, unsubscribed or bounced), which emails it must have got and which
 * timeline events it must have, checked against what the email provider stored and what the
 * timeline says. The reconciliation of a soak run (and of `npm start`'s data) is this rule
 * applied to every lead.
 *
 * The rule follows the product's promise: a step is sent once, and only while the lead is
 * still new (its claim is a conditional write on the lead, like the rep's response). So the
 * steps the lead got are the first steps of its sequence, with no gap; all of them when
 * nothing stopped it, and when something did, only steps claimed before the stop.
 */
export interface PathRules {
  /** The sequence's touches (`touchesOf` the stage's sequence): the steps a lead can get, in order. */
  touches: readonly Touch[];
  hotSlaMinutes: number;
  reps: readonly Pick<Rep, 'id' | 'name' | 'email'>[];
  teamLead?: { name: string; email: string };
  /**
   * How long (ms) a rep's response or an unsubscribe may take from its clock reading to its
   * write: a claim read that much later can still have landed first. Used only when the time
   * the person got the answer is not known (see LeadFacts.stopAnsweredAt).
   */
  raceMs: number;
  /** The messages' templates, to know each step's subject. */
  emails: EmailCatalog;
}

/** An email as the provider stored it. */
export interface StoredEmail {
  messageId: string;
  to: readonly string[];
  subject: string;
}

/** The workflow's task behind each email step (the escalation task sends two emails). */
export type StepTask = TouchTask;

export interface LeadFacts {
  lead: Lead;
  timeline: readonly TimelineEvent[];
  /** The stored emails about this lead: to the lead, or to a rep or the team lead about it. */
  emails: readonly StoredEmail[];
  /**
   * When each step's task finished (ms on the same clock as the record), when the execution's
   * history is at hand. A step skipped because of the stop tried its claim after the stop was
   * written, so it finished after the stop's time: one that finished before was skipped while
   * the lead was still new.
   */
  stepsFinishedAt?: Partial<Record<StepTask, number>>;
  /**
   * When the rep or the lead who stopped the sequence got the answer (ms): their write had
   * landed by then, so a claim read after it cannot have won.
   */
  stopAnsweredAt?: number;
  /** The stack has gone idle: a lead whose sequence has not closed by now is stuck. */
  settled: boolean;
}

export interface LeadVerdict {
  leadId: string;
  /** The path the record shows, e.g. "warm: contacted after the day-1 follow-up". */
  path: string;
  /** The emails it must have got, in order. */
  required: SequenceStep[];
  problems: string[];
  /** Its sequence never closed although the stack went idle. */
  stuck: boolean;
}

/** What ended a lead's emails before its sequence did. */
interface Stop {
  kind: 'contacted' | 'unsubscribed' | 'bounced' | 'complained' | 'undeliverable';
  at: string;
}

const REP_RESPONSES = new Set(['contacted', 'accepted', 'rejected']);


const stepWords = (step: SequenceStep): string => {
  if (step === 'confirmation') return 'the confirmation';
  if (step === 'hot-alert') return 'the hot-lead alert';
  if (step === 'escalation' || step === 'team-lead-notice') return 'the escalation';
  return `the day-${step.replace('follow-up-', '')} follow-up`;
};

const ms = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));

/** Hot and routed leads page a rep; nurtured and disqualified ones do not. */
const alerts = (lead: Lead) => lead.grade === 'hot' && lead.triage?.decision === 'route';

/** Every email step the lead's sequence would send if nothing stopped it, in order. */
export function sequenceSteps(lead: Lead, rules: PathRules): SequenceStep[] {
  if (lead.triage?.decision === 'disqualify') return [];
  const due = (email: TouchEmail) => (email.onlyIf === 'escalated' ? lead.escalatedAt !== undefined : email.onlyIf === 'team-lead' ? rules.teamLead !== undefined : true);
  return rules.touches.filter((touch) => !touch.hotOnly || alerts(lead)).flatMap((touch) => touch.emails.filter(due).map((email) => email.step));
}

function stopOf(lead: Lead): Stop | undefined {
  const problemAt = lead.emailProblemAt;
  const stops: Stop[] = [];
  if (lead.contactedAt) stops.push({ kind: 'contacted', at: lead.contactedAt });
  if (lead.unsubscribedAt) stops.push({ kind: 'unsubscribed', at: lead.unsubscribedAt });
  if (problemAt) stops.push({ kind: lead.status === 'complained' ? 'complained' : 'bounced', at: problemAt });
  if (lead.failure?.error === 'EmailRejected') stops.push({ kind: 'undeliverable', at: lead.failure.at });
  return stops.sort((a, b) => ms(a.at) - ms(b.at))[0];
}

/** Who must have received a step's email, and with which subject. */
function expectedEmail(lead: Lead, step: SequenceStep, rules: PathRules): { to: string | undefined; subject: string } {
  const noLink = { unsubscribeUrl: '', contactUrl: '', postalAddress: '' };
  const { emails } = rules;
  const firstOwner = rules.reps.find((rep) => rep.id === (lead.escalatedFrom ?? lead.ownerId));
  if (step === 'confirmation') return { to: lead.email, subject: confirmationEmail(emails, lead, noLink).subject };
  if (step === 'hot-alert') return { to: firstOwner?.email, subject: hotLeadAlertEmail(emails, lead, noLink, 0, '').subject };
  if (step === 'escalation') return { to: lead.ownerEmail, subject: escalationEmail(emails, lead, '', noLink, rules.hotSlaMinutes, '').subject };
  if (step === 'team-lead-notice') {
    return { to: rules.teamLead?.email, subject: teamLeadEscalationEmail(emails, lead, rules.teamLead?.name ?? '', '', undefined, rules.hotSlaMinutes).subject };
  }
  const day = Number(step.replace('follow-up-', ''));
  return { to: lead.email, subject: followUpEmail(emails, lead, day, noLink).subject };
}

/** The path in words, for the summary: which grade, and where (if anywhere) it stopped. */
function pathName(lead: Lead, stop: Stop | undefined, lastSent: SequenceStep | undefined, closed: boolean): string {
  if (lead.triage?.decision === 'disqualify') return 'disqualified';
  const grade = lead.grade ? `${lead.grade}${lead.triage?.decision === 'nurture' ? ' (nurtured)' : ''}` : 'not scored';
  const running = closed ? '' : ' (sequence not closed)';
  if (lead.failure && lead.failure.error !== 'EmailRejected') return `${grade}: failed${running}`;
  if (!stop || (closed && ms(stop.at) >= ms(lead.closedAt))) return `${grade}: ${stop ? `whole sequence, then ${stop.kind}` : 'never contacted'}${running}`;
  return `${grade}: ${stop.kind} ${lastSent ? `after ${stepWords(lastSent)}` : 'before the confirmation'}${running}`;
}

const count = (timeline: readonly TimelineEvent[], type: string) => timeline.filter((event) => event.type === type).length;

function timelineProblems(lead: Lead, timeline: readonly TimelineEvent[], sent: ReadonlySet<SequenceStep>, stepsOfPath: readonly SequenceStep[]): string[] {
  const problems: string[] = [];
  const exactly = (type: string, wanted: number, why: string) => {
    const got = count(timeline, type);
    if (got !== wanted) problems.push(`timeline has ${got} "${type}" event${got === 1 ? '' : 's'}, expected ${wanted} (${why})`);
  };
  exactly('submitted', 1, 'every lead');
  exactly('scored', lead.grade ? 1 : 0, lead.grade ? 'it was scored' : 'it was not scored');
  exactly('disqualified', lead.triage?.decision === 'disqualify' ? 1 : 0, `triage: ${lead.triage?.decision ?? 'none'}`);
  exactly('nurtured', lead.triage?.decision === 'nurture' ? 1 : 0, `triage: ${lead.triage?.decision ?? 'none'}`);
  const assigned = lead.triage !== undefined && lead.triage.decision !== 'disqualify' && lead.ownerId !== undefined;
  exactly('assigned', assigned ? 1 : 0, assigned ? 'it has an owner' : 'it has no owner');
  exactly('escalated', lead.escalatedAt ? 1 : 0, lead.escalatedAt ? 'it was escalated' : 'it was not escalated');
  exactly('unsubscribed', lead.unsubscribedAt ? 1 : 0, lead.unsubscribedAt ? 'it unsubscribed' : 'it did not unsubscribe');
  exactly('closed', lead.closedAt ? 1 : 0, lead.closedAt ? 'its sequence closed' : 'its sequence did not close');
  const sentEvents = timeline.filter((event) => event.type.endsWith('-sent')).map((event) => event.type.slice(0, -'-sent'.length));
  for (const step of new Set([...stepsOfPath, ...Object.keys(lead.steps), ...sentEvents] as SequenceStep[])) {
    exactly(`${step}-sent`, sent.has(step) ? 1 : 0, sent.has(step) ? 'the record says sent' : 'the record says not sent');
  }
  // Each event is written at the time the record keeps for it: one at another time was written
  // by a retry that did not know the first attempt's (or the record was overwritten).
  const atRecordTime = (type: string, when: string | undefined) => {
    const event = timeline.find((candidate) => candidate.type === type);
    if (when && event && event.at !== when) problems.push(`timeline's "${type}" is at ${event.at}, the record says ${when}`);
  };
  atRecordTime('scored', lead.scoredAt);
  atRecordTime('escalated', lead.escalatedAt);
  atRecordTime('unsubscribed', lead.unsubscribedAt);
  atRecordTime('bounced', lead.bouncedAt);
  atRecordTime('complained', lead.complainedAt);
  atRecordTime('closed', lead.closedAt);
  for (const step of sent) atRecordTime(`${step}-sent`, lead.steps[step]?.sentAt);
  const responses = timeline.filter((event) => REP_RESPONSES.has(event.type));
  if (lead.contactedAt && !responses.some((event) => event.at === lead.contactedAt)) problems.push(`no rep response on the timeline at ${lead.contactedAt} (the record's first contact)`);
  if (!lead.contactedAt && responses.length > 0) problems.push(`timeline has ${responses.length} rep response(s) but the record has no contact`);
  if (lead.failure && count(timeline, 'failed') === 0 && lead.failure.error !== 'EmailRejected') problems.push('the record has a failure the timeline does not show');
  return problems;
}

function emailProblems(lead: Lead, emails: readonly StoredEmail[], sent: readonly SequenceStep[], rules: PathRules): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const step of sent) {
    const record = lead.steps[step]!;
    const { to, subject } = expectedEmail(lead, step, rules);
    const email = emails.find((candidate) => candidate.messageId === record.messageId);
    if (!email) {
      problems.push(`missing email: ${step} (the record says sent as ${record.messageId ?? 'no message id'}, the inbox has no such message)`);
      continue;
    }
    used.add(email.messageId);
    if (!to || !email.to.includes(to)) problems.push(`${step} went to ${email.to.join(', ')}, expected ${to ?? 'a configured recipient'}`);
    if (email.subject !== subject) problems.push(`${step} has subject "${email.subject}", expected "${subject}"`);
  }
  for (const email of emails) {
    if (used.has(email.messageId)) continue;
    const twin = sent.find((step) => expectedEmail(lead, step, rules).subject === email.subject);
    problems.push(twin ? `duplicate email: a second ${twin} ("${email.subject}" to ${email.to.join(', ')})` : `unexpected email: "${email.subject}" to ${email.to.join(', ')}`);
  }
  return problems;
}

/** Checks one lead against what its path requires; see the module comment for the rule. */
export function reconcileLead(facts: LeadFacts, rules: PathRules): LeadVerdict {
  const { lead, timeline, emails } = facts;
  const problems: string[] = [];
  const closed = lead.closedAt !== undefined;
  const steps = sequenceSteps(lead, rules);
  const stateOf = (step: SequenceStep): StepRecord['status'] | undefined => lead.steps[step]?.status;
  const sent = steps.filter((step) => stateOf(step) === 'sent');
  for (const step of Object.keys(lead.steps) as SequenceStep[]) {
    if (!steps.includes(step)) problems.push(`${step} was ${stateOf(step)} although this path has no such step`);
  }

  // A stop after the sequence closed did not cut it short: the whole sequence was due.
  const stopped = stopOf(lead);
  const stop = stopped && !(closed && ms(stopped.at) >= ms(lead.closedAt)) ? stopped : undefined;
  const reached = steps.reduce((last, step, i) => (stateOf(step) !== undefined ? i : last), -1);
  // A failed sequence is reported as such; the steps it never reached are not listed again.
  const failed = lead.failure !== undefined && lead.failure.error !== 'EmailRejected';
  const required = stop || failed || !closed ? steps.slice(0, reached + 1) : steps;

  if (!lead.grade && closed && lead.triage?.decision !== 'disqualify') problems.push('closed without a score');
  if (failed && lead.failure) problems.push(`sequence failed: ${lead.failure.error}${lead.failure.cause ? ` (${lead.failure.cause.slice(0, 120)})` : ''}`);
  if (lead.status === 'new' && closed) problems.push('closed but still "new"');

  required.forEach((step, i) => {
    const state = stateOf(step);
    if (state === 'sent') return;
    // The last step reached may have failed and been released, then found the lead stopped on retry.
    if (i === reached && state === 'failed' && stop) return;
    if (state === undefined) problems.push(i < reached ? `missing step: ${step} (the sequence went on to ${steps[reached]})` : `missing step: ${step} (nothing stopped the sequence)`);
    else if (closed) problems.push(`${step} was ${state} and never sent`);
  });

  if (stop) {
    const stopAt = ms(stop.at);
    // No claim after the stop: certain past the moment the person got the answer, else within the race allowance.
    const latest = facts.stopAnsweredAt ?? stopAt + rules.raceMs;
    for (const step of sent) {
      const claimedAt = lead.steps[step]!.claimedAt;
      if (ms(claimedAt) > latest) {
        problems.push(`${step} was claimed at ${claimedAt}, after the lead was ${stop.kind} at ${stop.at}${facts.stopAnsweredAt === undefined ? '' : ` (answered at ${new Date(facts.stopAnsweredAt).toISOString()})`}`);
      }
    }
    // A step whose task finished before the stop ran while the lead was still new: it must have been sent.
    for (const step of steps.slice(reached + 1)) {
      const task = touchOf(rules.touches, step)?.task;
      const finished = task === undefined ? undefined : facts.stepsFinishedAt?.[task];
      if (finished !== undefined && finished < stopAt) {
        problems.push(`missing step: ${step} (its task finished at ${new Date(finished).toISOString()}, before the lead was ${stop.kind} at ${stop.at})`);
      }
    }
  }

  // A sequence still under way may be between a send and its record or its timeline event:
  // its emails and timeline are checked once it has closed.
  if (closed) {
    problems.push(...emailProblems(lead, emails, sent, rules));
    problems.push(...timelineProblems(lead, timeline, new Set(sent), steps));
  }
  const lastSent = sent[sent.length - 1];
  return { leadId: lead.leadId, path: pathName(lead, stopped, lastSent, closed), required, problems, stuck: facts.settled && !closed };
}
