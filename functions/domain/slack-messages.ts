import type { Lead, RepOutcome } from '@domain/lead';
import { REJECT_REASONS, type RejectReason } from '@domain/reject-reasons';

/**
 * The hot-lead alert as a Slack message (Block Kit), and what it becomes once answered. Every
 * value a lead typed goes through `mrkdwn`, which escapes what Slack's markup gives meaning to:
 * `<!channel>`, `<https://evil|Click>` and `<@U123>` arrive as text, never as a mention or a link.
 */

/** A Block Kit block: what we build is plain data, and Slack (or its stand-in) reads it. */
export type SlackBlock = Record<string, unknown>;

export interface SlackMessage {
  /** The notification's text (and what clients without blocks show); mrkdwn, escaped. */
  text: string;
  blocks: SlackBlock[];
}

/** The action ids our buttons carry; the block id says which lead (`lead:<id>`). */
export const SLACK_ACTIONS = { contacted: 'lead-contacted', accepted: 'lead-accepted', rejected: 'lead-rejected', open: 'lead-open' } as const;
export const LEAD_BLOCK_PREFIX = 'lead:';

/** Slack's own escaping for text it parses: only these three characters, as its docs say. */
export const mrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Text within a section's limit (3,000 characters), cut on a character, not in the middle of an escape. */
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } });
const context = (text: string): SlackBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 3000) }] });
const plain = (text: string) => ({ type: 'plain_text', text: clip(text, 75), emoji: false });

/** A reject reason in words: "no-budget" -> "No budget". */
export const reasonInWords = (reason: string) => reason.charAt(0).toUpperCase() + reason.slice(1).replace(/-/g, ' ');

/** The team app's page of the lead (web/route.ts: `#/leads/<id>`). */
export const appLeadUrl = (publicBaseUrl: string, leadId: string) => `${publicBaseUrl.replace(/\/+$/, '')}/app/#/leads/${encodeURIComponent(leadId)}`;

const whoLine = (lead: Lead) => [lead.name, lead.jobTitle, lead.company].filter(Boolean).map((part) => mrkdwn(String(part))).join(', ');

const contactLine = (lead: Lead) => {
  const phone = lead.phoneE164 ?? lead.phone;
  // Our own link markup around an escaped value: the URL is built from E.164 digits, never raw input.
  const tel = lead.phoneE164 ? `<tel:${lead.phoneE164}|${mrkdwn(lead.phone ?? lead.phoneE164)}>` : phone ? mrkdwn(phone) : undefined;
  return `*Email:* ${mrkdwn(lead.email)}${tel ? `   *Phone:* ${tel}` : ''}`;
};

const buttons = (lead: Lead, appUrl: string): SlackBlock => ({
  type: 'actions',
  block_id: `${LEAD_BLOCK_PREFIX}${lead.leadId}`,
  elements: [
    { type: 'button', action_id: SLACK_ACTIONS.contacted, text: plain('Contacted'), style: 'primary', value: 'contacted' },
    { type: 'button', action_id: SLACK_ACTIONS.accepted, text: plain('Accept'), value: 'accepted' },
    {
      type: 'static_select',
      action_id: SLACK_ACTIONS.rejected,
      placeholder: plain('Reject: why?'),
      options: REJECT_REASONS.map((reason) => ({ text: plain(reasonInWords(reason)), value: reason })),
    },
    { type: 'button', action_id: SLACK_ACTIONS.open, text: plain('Open in the app'), url: appUrl },
  ],
});

export interface AlertFacts {
  /** The team app's base (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  /** Minutes since the lead asked. */
  afterMinutes: number;
  nextAction: string;
  /** An escalation: whose lead it was. */
  escalatedFrom?: string;
  /** The lead booked a meeting with the rep on the thank-you: when ("Tue 10:30 (Europe/Berlin)"). */
  meetingFor?: string;
}

/** The alert a rep answers in Slack: who, why this lead, why you, what now, and the buttons. */
export function hotLeadAlertMessage(lead: Lead, facts: AlertFacts): SlackMessage {
  const title = `${facts.escalatedFrom ? 'Escalated to you: hot lead' : facts.meetingFor ? 'Meeting booked: hot lead' : 'Hot lead'} ${mrkdwn(lead.name)}${lead.company ? ` at ${mrkdwn(lead.company)}` : ''} (score ${lead.score ?? '?'})`;
  const appUrl = appLeadUrl(facts.publicBaseUrl, lead.leadId);
  const reasons = (lead.reasons ?? []).map(mrkdwn).join('; ') || 'no signals';
  return {
    text: title,
    blocks: [
      section(`*${title}*`),
      section(
        [
          facts.escalatedFrom
            ? `${mrkdwn(facts.escalatedFrom)} did not respond within ${facts.afterMinutes} minutes, so it is yours now.`
            : facts.meetingFor
              ? `Booked a meeting with you for ${mrkdwn(facts.meetingFor)} on the thank-you page: no need to call now.`
              : `Asked ${facts.afterMinutes} minutes ago and not contacted yet.`,
          `*Who:* ${whoLine(lead)}`,
          contactLine(lead),
          `*Why this lead:* score ${lead.score ?? '?'} (${lead.grade ?? 'ungraded'}): ${reasons}`,
          `*Why you:* ${mrkdwn(lead.ownerRule ?? 'assigned')}`,
          `*What now:* ${facts.meetingFor ? `prepare for the meeting (${mrkdwn(facts.meetingFor)})` : mrkdwn(facts.nextAction)}`,
        ].join('\n'),
      ),
      ...(lead.message ? [section(`*Their message:*\n${clip(lead.message, 1500).split('\n').map((line) => `> ${mrkdwn(line)}`).join('\n')}`)] : []),
      buttons(lead, appUrl),
    ],
  };
}

/** The team lead's notice of an escalation: to read, with the app's link, nothing to answer. */
export function teamLeadNoticeMessage(lead: Lead, facts: { publicBaseUrl: string; from: string; to?: string; slaMinutes: number }): SlackMessage {
  const title = `Hot lead not contacted in ${facts.slaMinutes} minutes: ${mrkdwn(lead.name)}${lead.company ? ` at ${mrkdwn(lead.company)}` : ''}`;
  return {
    text: title,
    blocks: [
      section(`*${title}*`),
      section(
        [
          `${mrkdwn(facts.from)} did not contact it within its ${facts.slaMinutes}-minute SLA.`,
          facts.to ? `It has been reassigned to ${mrkdwn(facts.to)}.` : 'Nobody else in the pool is available: it stays with the first owner.',
          `*Score:* ${lead.score ?? '?'}: ${(lead.reasons ?? []).map(mrkdwn).join('; ') || 'no signals'}`,
        ].join('\n'),
      ),
      { type: 'actions', block_id: `${LEAD_BLOCK_PREFIX}${lead.leadId}`, elements: [{ type: 'button', action_id: SLACK_ACTIONS.open, text: plain('Open in the app'), url: appLeadUrl(facts.publicBaseUrl, lead.leadId) }] },
    ],
  };
}

const OUTCOME_WORDS: Record<RepOutcome, string> = { contacted: 'marked it contacted', accepted: 'accepted it', rejected: 'rejected it' };

export interface StandingAnswer {
  outcome: RepOutcome;
  reason?: string;
  /** Who answered, in words (a rep's or a manager's name). */
  by: string;
  at: string;
  /** Where: Slack, the email link, the app, a CRM. */
  via: string;
}

const VIA_WORDS: Record<string, string> = { slack: 'in Slack', 'email-link': 'from the email', app: 'in the team app', crm: 'in the CRM', booking: 'by booking a meeting' };

/** The alert once answered: the lead's lines kept, the buttons replaced by who answered what and when. */
export function answeredMessage(original: readonly SlackBlock[] | undefined, lead: Lead, answer: StandingAnswer): SlackMessage {
  const reason = answer.outcome === 'rejected' && answer.reason ? ` (${mrkdwn(reasonInWords(answer.reason))})` : '';
  // Slack shows the time in the reader's zone; the fallback (older clients) is UTC.
  const when = `<!date^${Math.floor(Date.parse(answer.at) / 1000)}^{date_short_pretty} at {time}|${answer.at.slice(0, 16).replace('T', ' ')} UTC>`;
  const line = `:white_check_mark: ${mrkdwn(answer.by)} ${OUTCOME_WORDS[answer.outcome]}${reason} ${VIA_WORDS[answer.via] ?? ''}, ${when}`.replace(/ {2,}/g, ' ');
  // The lead's own blocks as we sent them (the ones with no buttons); the answer in place of the actions.
  const kept = (original ?? []).filter((block) => block.type !== 'actions');
  const blocks = kept.length > 0 ? kept : [section(`*${mrkdwn(lead.name)}${lead.company ? ` at ${mrkdwn(lead.company)}` : ''}*`)];
  // The answer's block keeps the lead's id where the buttons had it: the message still names its lead.
  return { text: `${mrkdwn(lead.name)}: ${mrkdwn(answer.by)} ${OUTCOME_WORDS[answer.outcome]}${reason}`, blocks: [...blocks, { ...context(line), block_id: `${LEAD_BLOCK_PREFIX}${lead.leadId}` }] };
}

export const isRejectReason = (value: string): value is RejectReason => (REJECT_REASONS as readonly string[]).includes(value);
