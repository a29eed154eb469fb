import type { Lead } from '@domain/lead';
import { REJECT_REASONS } from '@domain/rep-response';
import { telUriOf } from '@domain/phone';
import { escapeHtml } from '@domain/markup';

/**
 * The small HTML pages behind email links. They work without JavaScript: a GET only shows,
 * because mail scanners open links, and the buttons POST.
 */
const page = (title: string, body: string): string =>
  [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:Arial,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem;margin:.25rem}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  ].join('');

const hiddenToken = (token: string) => `<input type="hidden" name="token" value="${escapeHtml(token)}">`;

export function contactPage(lead: Lead, token: string, actionUrl: string): string {
  const who = [lead.name, lead.jobTitle, lead.company].filter(Boolean).map((v) => escapeHtml(v!)).join(', ');
  const reasons = (lead.reasons ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  const contacted = lead.contactedAt ? `<p><strong>Already marked ${escapeHtml(lead.outcome ?? 'contacted')} at ${escapeHtml(lead.contactedAt)}.</strong></p>` : '';
  // The phone as the lead typed it, linked for a one-tap call when it could be read as a full number.
  const tel = telUriOf(lead);
  const phone = lead.phone ? (tel ? `<a href="${escapeHtml(tel)}">${escapeHtml(lead.phone)}</a>` : escapeHtml(lead.phone)) : '';
  const options = REJECT_REASONS.map((r) => `<option value="${r}">${r.replace('-', ' ')}</option>`).join('');
  return page(
    `Lead: ${lead.name}`,
    `<p>${who}<br>${escapeHtml(lead.email)}${phone ? ` &middot; ${phone}` : ''}</p>` +
      `<p>Score ${lead.score ?? '?'} (${escapeHtml(lead.grade ?? 'ungraded')})</p><ul>${reasons}</ul>${contacted}` +
      `<form method="post" action="${escapeHtml(actionUrl)}">${hiddenToken(token)}` +
      `<button name="outcome" value="contacted">Contacted</button><button name="outcome" value="accepted">Accept</button></form>` +
      `<form method="post" action="${escapeHtml(actionUrl)}">${hiddenToken(token)}<input type="hidden" name="outcome" value="rejected">` +
      `<label>Reason <select name="reason">${options}</select></label> <button>Reject</button></form>`,
  );
}

export const responseRecordedPage = (outcome: string, contactedAt: string): string =>
  page('Thanks, recorded', `<p>This lead is marked <strong>${escapeHtml(outcome)}</strong>. First contact: ${escapeHtml(contactedAt)}. Follow-up emails to the lead have stopped.</p>`);

export const unsubscribePage = (token: string, actionUrl: string): string =>
  page(
    'Unsubscribe',
    `<p>Stop all further emails about your request?</p><form method="post" action="${escapeHtml(actionUrl)}">${hiddenToken(token)}<button>Unsubscribe</button></form>`,
  );

export const unsubscribedPage = (): string => page('You are unsubscribed', '<p>You will not receive any more emails about this request.</p>');

export const errorPage = (title: string, message: string): string => page(title, `<p>${escapeHtml(message)}</p>`);
