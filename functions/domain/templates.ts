import type { Lead } from '@domain/lead';
import { firstName } from '@domain/lead';
import { telUriOf } from '@domain/phone';

/**
 * The emails of the sequence. Everything a lead typed is HTML-escaped in the HTML part, and
 * subjects are folded to one line, so no input can add markup or a header.
 */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A header value: one line, no control characters, bounded. */
export const headerSafe = (value: string, max = 200): string =>
  value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);

/** What the lead asked for, in words, from the form they used. */
export function requestedThing(lead: Pick<Lead, 'formId'>): string {
  const form = lead.formId ?? '';
  if (/demo/i.test(form)) return 'a demo';
  if (/(pricing|quote|trial)/i.test(form)) return 'pricing information';
  if (/(download|ebook|whitepaper|report|webinar)/i.test(form)) return 'the content you requested';
  if (/newsletter/i.test(form)) return 'our newsletter';
  return 'a conversation with our team';
}

interface Layout {
  paragraphs: string[];
  /** Lines a lead typed, quoted back as-is (escaped). */
  quote?: string;
  links?: Array<{ label: string; url: string }>;
  footer?: { label: string; url: string };
  /** The sender's postal address, under the footer (lines kept). */
  address?: string;
}

function render(subject: string, layout: Layout): EmailContent {
  const html = [
    '<!doctype html><html><body style="font-family:Arial,sans-serif;line-height:1.5;color:#222">',
    ...layout.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    layout.quote ? `<blockquote style="border-left:3px solid #ccc;margin:0;padding-left:12px">${escapeHtml(layout.quote).replace(/\n/g, '<br>')}</blockquote>` : '',
    ...(layout.links ?? []).map((l) => `<p><a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a></p>`),
    layout.footer ? `<p style="font-size:12px;color:#777"><a href="${escapeHtml(layout.footer.url)}">${escapeHtml(layout.footer.label)}</a></p>` : '',
    layout.address ? `<p style="font-size:12px;color:#777">${escapeHtml(layout.address).replace(/\n/g, '<br>')}</p>` : '',
    '</body></html>',
  ].join('');
  const text = [
    ...layout.paragraphs,
    ...(layout.quote ? [layout.quote.split('\n').map((line) => `> ${line}`).join('\n')] : []),
    ...(layout.links ?? []).map((l) => `${l.label}: ${l.url}`),
    ...(layout.footer ? [`${layout.footer.label}: ${layout.footer.url}`] : []),
    ...(layout.address ? [layout.address] : []),
  ].join('\n\n');
  return { subject: headerSafe(subject), html, text };
}

/** What every email to a lead carries: commercial email, so an unsubscribe link and the sender's postal address (CAN-SPAM). */
export interface LeadEmailLinks {
  unsubscribeUrl: string;
  postalAddress: string;
}

const leadFooter = (links: LeadEmailLinks): Pick<Layout, 'footer' | 'address'> => ({
  footer: { label: 'Unsubscribe from these emails', url: links.unsubscribeUrl },
  ...(links.postalAddress ? { address: links.postalAddress } : {}),
});

export function confirmationEmail(lead: Lead, links: LeadEmailLinks): EmailContent {
  const what = requestedThing(lead);
  return render(`Thanks, ${firstName(lead)}: we received your request`, {
    paragraphs: [
      `Hi ${firstName(lead)},`,
      `thank you for reaching out${lead.company ? ` on behalf of ${lead.company}` : ''}. We received your request for ${what}, and someone from our team will get back to you shortly.`,
      ...(lead.message ? ['You wrote:'] : []),
    ],
    ...(lead.message ? { quote: lead.message } : {}),
    ...leadFooter(links),
  });
}

const FOLLOW_UP_COPY: Record<string, (lead: Lead) => string> = {
  first: (lead) => `we wanted to make sure your request for ${requestedThing(lead)} did not get lost. Is there a good time to talk this week?`,
  middle: () => 'we have not managed to connect yet. If it helps, just reply with a time that suits you and we will call you then.',
  last: () => 'this is our last note for now. If the timing is not right, no problem: reply whenever you are ready and we will pick it up from there.',
};

export function followUpEmail(lead: Lead, day: number, position: 'first' | 'middle' | 'last', links: LeadEmailLinks): EmailContent {
  return render(`${firstName(lead)}, following up on your request (day ${day})`, {
    paragraphs: [`Hi ${firstName(lead)},`, FOLLOW_UP_COPY[position]!(lead), lead.ownerName ? `Best regards,\n${lead.ownerName}` : 'Best regards'],
    ...leadFooter(links),
  });
}

/** The rep's one-tap call, when the lead's phone could be read as a full number. */
const callLink = (lead: Lead): Array<{ label: string; url: string }> => {
  const url = telUriOf(lead);
  return url ? [{ label: `Call ${lead.phone ?? lead.phoneE164}`, url }] : [];
};

/** `meetingFor`: the lead booked a meeting with the rep on the thank-you ("Tue 10:30 (Europe/Berlin)"): the alert says so instead of "call now". */
export function hotLeadAlertEmail(lead: Lead, links: { contactUrl: string }, afterMinutes: number, nextAction: string, meetingFor?: string): EmailContent {
  const who = [lead.name, lead.jobTitle, lead.company].filter(Boolean).join(', ');
  return render(`${meetingFor ? 'Meeting booked' : 'Hot lead'}: ${lead.name}${lead.company ? ` at ${lead.company}` : ''} (score ${lead.score ?? '?'})`, {
    paragraphs: [
      meetingFor
        ? `${lead.ownerName ?? 'Hi'}, a hot lead asked for ${requestedThing(lead)} and booked a meeting with you for ${meetingFor} on the thank-you page: no need to call now.`
        : `${lead.ownerName ?? 'Hi'}, a hot lead asked for ${requestedThing(lead)} ${afterMinutes} minutes ago and has not been contacted yet.`,
      `Who: ${who}`,
      `Email: ${lead.email}${lead.phone ? `, phone: ${lead.phone}` : ''}`,
      `Why this lead: score ${lead.score ?? '?'} (${lead.grade ?? 'ungraded'}): ${(lead.reasons ?? []).join('; ') || 'no signals'}`,
      ...(lead.accountActivity ? [`Account activity: ${lead.accountActivity}`] : []),
      `Why you: ${lead.ownerRule ?? 'assigned'}`,
      `What now: ${meetingFor ? `prepare for the meeting (${meetingFor})` : nextAction}`,
      ...(lead.message ? ['Their message:'] : []),
    ],
    ...(lead.message ? { quote: lead.message } : {}),
    links: [...callLink(lead), { label: 'Mark as contacted', url: links.contactUrl }],
  });
}

export function escalationEmail(lead: Lead, previousOwner: string, links: { contactUrl: string }, slaMinutes: number, nextAction: string): EmailContent {
  const alert = hotLeadAlertEmail(lead, links, slaMinutes, nextAction);
  return render(`Escalated to you: ${alert.subject}`, {
    paragraphs: [
      `${lead.ownerName ?? 'Hi'}, ${previousOwner} did not respond to this hot lead within ${slaMinutes} minutes, so it is yours now.`,
      `Who: ${[lead.name, lead.jobTitle, lead.company].filter(Boolean).join(', ')}`,
      `Email: ${lead.email}${lead.phone ? `, phone: ${lead.phone}` : ''}`,
      `Why this lead: score ${lead.score ?? '?'} (${lead.grade ?? 'ungraded'}): ${(lead.reasons ?? []).join('; ') || 'no signals'}`,
      `What now: ${nextAction}`,
    ],
    links: [...callLink(lead), { label: 'Mark as contacted', url: links.contactUrl }],
  });
}

export function teamLeadEscalationEmail(lead: Lead, teamLead: string, from: string, to: string | undefined, slaMinutes: number): EmailContent {
  return render(`Hot lead not contacted in ${slaMinutes} minutes: ${lead.name}${lead.company ? ` at ${lead.company}` : ''}`, {
    paragraphs: [
      `${teamLead}, the hot lead ${lead.name}${lead.company ? ` (${lead.company})` : ''} was not contacted within its ${slaMinutes}-minute SLA by ${from}.`,
      to ? `It has been reassigned to ${to}.` : 'Nobody else in the pool is available: it stays with the first owner.',
      `Lead: ${lead.email}${lead.phone ? `, ${lead.phone}` : ''}`,
      `Score ${lead.score ?? '?'}: ${(lead.reasons ?? []).join('; ') || 'no signals'}`,
    ],
  });
}
