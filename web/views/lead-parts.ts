import type { Handoff, LeadGradeName, QueueItem } from '../contract';
import { h, icon, replace } from '../dom';
import { timeLeftText, urgencyOf } from '../format';
import { mailtoHref, telHref } from '../links';

const GRADE_WORDS: Record<LeadGradeName, string> = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };

export const gradeBadge = (grade: LeadGradeName | undefined): HTMLElement =>
  h('span', { class: `badge grade-${grade ?? 'none'}`, 'data-testid': 'grade' }, grade ? GRADE_WORDS[grade] : 'Ungraded');

/** The countdown's pill: colour, an icon and the words, so no one needs the colour. */
export function timeLeftPill(): { el: HTMLElement; set(secondsLeft: number): void } {
  const el = h('span', { class: 'time-left', 'data-testid': 'time-left' });
  let last = '';
  return {
    el,
    set(secondsLeft) {
      const text = timeLeftText(secondsLeft);
      if (text === last) return;
      last = text;
      const urgency = urgencyOf(secondsLeft);
      el.className = `time-left time-${urgency}`;
      el.dataset.urgency = urgency;
      replace(el, icon(urgency === 'overdue' ? 'alert' : 'clock'), ' ', text);
    },
  };
}

/** Big tap targets to call and to email the lead. */
export function contactLinks(lead: Pick<QueueItem, 'email' | 'phone' | 'phoneE164' | 'name'>): HTMLElement {
  const tel = telHref(lead.phoneE164);
  const mail = mailtoHref(lead.email);
  return h(
    'div',
    { class: 'contact-links' },
    tel ? h('a', { href: tel, class: 'btn btn-call', 'data-testid': 'call-link' }, icon('phone'), ' Call ', h('span', { class: 'nowrap' }, lead.phone ?? lead.phoneE164 ?? '')) : lead.phone ? h('span', { class: 'btn btn-call is-static' }, icon('phone'), ' ', lead.phone) : null,
    mail ? h('a', { href: mail, class: 'btn btn-mail', 'data-testid': 'email-link' }, icon('mail'), ' Email ', h('span', { class: 'break' }, lead.email)) : h('span', { class: 'muted' }, lead.email),
  );
}

/** Why this lead / Why you / What now. */
export function handoffBlock(handoff: Handoff, headingLevel: 'h3' | 'h2' = 'h3'): HTMLElement {
  return h(
    'div',
    { class: 'handoff' },
    h('div', { class: 'handoff-item' }, h(headingLevel, null, 'Why this lead'), handoff.whyThisLead.length ? h('ul', null, handoff.whyThisLead.map((reason) => h('li', null, reason))) : h('p', { class: 'muted' }, 'No reasons recorded.')),
    h('div', { class: 'handoff-item' }, h(headingLevel, null, 'Why you'), h('p', null, handoff.whyYou)),
    h('div', { class: 'handoff-item handoff-now' }, h(headingLevel, null, 'What now'), h('p', null, handoff.whatNow)),
  );
}

/** "VP Sales · Acme GmbH". */
export const roleLine = (lead: Pick<QueueItem, 'jobTitle' | 'company'>): string => [lead.jobTitle, lead.company].filter(Boolean).join(' · ');
