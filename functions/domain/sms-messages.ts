import type { Lead } from '@domain/lead';
import { appLeadUrl } from '@domain/slack-messages';

/**
 * What a lead typed, fit for a text: control characters (a newline could fake a second message
 * line), bidirectional overrides (which can reverse what a number or link appears to be) and
 * runs of spaces removed, and cut to `max` characters.
 */
export function plainField(value: string | undefined, max = 40): string {
  if (!value) return '';
  const text = value
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

export interface TextAlertFacts {
  publicBaseUrl: string;
  /** Minutes since the lead asked (the alert), or the SLA that ran out (an escalation). */
  afterMinutes: number;
  /** The rep who had it before, for an escalation. */
  escalatedFrom?: string;
  /** The lead booked a meeting with the rep on the thank-you: when ("Tue 10:30 (Europe/Berlin)"). */
  meetingFor?: string;
}

/**
 * The hot-lead alert in one or two SMS segments: who, how hot, how long they have waited, the
 * number to call, and the lead in the app. The rest (why, what now, their message) is one tap
 * away: a text is read on a lock screen.
 */
export function hotLeadAlertText(lead: Lead, facts: TextAlertFacts): string {
  const name = plainField(lead.name) || 'A lead';
  const about = [plainField(lead.jobTitle, 30), plainField(lead.company, 30)].filter(Boolean).join(', ');
  const who = about ? `${name} (${about})` : name;
  const phone = lead.phone ? plainField(lead.phone, 24).replace(/[^+0-9 ()-]/g, '').trim() : '';
  const lines = [
    facts.escalatedFrom
      ? `Escalated to you: hot lead, score ${lead.score ?? '?'}. ${who}, not contacted by ${plainField(facts.escalatedFrom, 40)} in ${facts.afterMinutes} min.`
      : facts.meetingFor
        ? `Meeting booked for ${facts.meetingFor}: hot lead, score ${lead.score ?? '?'}: ${who}. No need to call now.`
        : `Hot lead, score ${lead.score ?? '?'}: ${who}, waiting ${facts.afterMinutes} min.`,
    phone ? `Call ${phone}` : `Email ${plainField(lead.email, 60)}`,
    appLeadUrl(facts.publicBaseUrl, lead.leadId),
  ];
  return lines.join('\n');
}
