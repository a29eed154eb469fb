import { problemText } from '../api';
import type { LeadView } from '../contract';
import type { AppContext, View } from '../context';
import { h, icon, replace } from '../dom';
import { dateTimeText, detailText, eventText, pipelineText, reasonText, secondsLeftAt } from '../format';
import { leadChange } from '../lead-refresh';
import { contactLinks, gradeBadge, handoffBlock, roleLine, timeLeftPill } from './lead-parts';
import { OUTCOME_WORDS, responseActions } from './response-actions';

const POLL_MS = 5000;

const STATUS_WORDS: Record<string, string> = {
  new: 'Open',
  contacted: 'Contacted',
  unsubscribed: 'Unsubscribed',
  disqualified: 'Disqualified',
  bounced: 'Email bounced',
  complained: 'Marked as spam',
  closed: 'Closed',
  failed: 'Sequence failed',
};

/**
 * Everything about one lead: who, the handoff, the actions while it is open, the outcome, the
 * timeline. Like the queue it re-reads every 5 s while the tab is visible: new timeline events
 * are added in place, and an answer given elsewhere (the email link, a colleague) redraws the
 * page, but not while the rep is typing in it (a reject note is never thrown away).
 */
export function leadView(context: AppContext, leadId: string): View {
  const el = h('section', { class: 'page page-narrow' }, h('p', { class: 'back' }, h('a', { href: '#/queue' }, '← Queue')), h('h1', { tabindex: '-1' }, 'Lead'), h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  let ticker: ReturnType<typeof setInterval> | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;
  let shown: LeadView | undefined;
  let timeline: HTMLElement | undefined;
  let inFlight = false;
  let stopped = false;

  async function load(focusHeading: boolean) {
    try {
      const view = await context.api.get<LeadView>(`/app/api/leads/${encodeURIComponent(leadId)}`);
      if (stopped) return;
      render(view, Date.now());
      if (focusHeading) el.querySelector<HTMLElement>('h1')?.focus();
    } catch (error) {
      if (stopped) return;
      shown = undefined;
      replace(el, h('p', { class: 'back' }, h('a', { href: '#/queue' }, '← Queue')), h('h1', { tabindex: '-1' }, 'Lead'), h('p', { class: 'banner banner-warn', role: 'alert', 'data-testid': 'lead-problem' }, icon('alert'), ' ', problemText(error)));
    }
  }

  /** A quiet re-read: a failed one leaves the page as it is, the next one tries again. */
  async function refresh() {
    if (inFlight || stopped || !shown) return;
    inFlight = true;
    try {
      const view = await context.api.get<LeadView>(`/app/api/leads/${encodeURIComponent(leadId)}`);
      if (stopped || !shown) return;
      const change = leadChange(shown, view);
      const typing = el.contains(document.activeElement) && document.activeElement?.matches('input, select, textarea');
      if (change === 'lead' && !typing) {
        const hadFocus = el.contains(document.activeElement);
        const before = shown.lead.status;
        render(view, Date.now());
        if (hadFocus) el.querySelector<HTMLElement>('h1')?.focus();
        if (view.lead.status !== before) context.announce(`${view.lead.name}: ${STATUS_WORDS[view.lead.status] ?? view.lead.status}`);
      } else if (change !== 'none' && timeline) {
        // The timeline only, so the lead part still differs from `shown` and redraws once the rep stops typing.
        const next = timelinePanel(view);
        timeline.replaceWith(next);
        timeline = next;
        shown = { ...shown, timeline: view.timeline };
      }
    } catch {
      // Signed out, offline, a deploy: the next tick tries again, the page stays readable.
    } finally {
      inFlight = false;
    }
  }

  function timelinePanel(view: LeadView): HTMLElement {
    return h('section', { class: 'panel', 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, 'Timeline'),
      view.timeline.length
        ? h('ol', { class: 'timeline', 'data-testid': 'timeline' }, view.timeline.map((event) =>
            h('li', null,
              h('div', { class: 'timeline-head' }, h('strong', null, eventText(event.type)), ' ', h('time', { datetime: event.at }, dateTimeText(event.at)), h('span', { class: 'muted' }, ` · ${event.actor}`)),
              detailText(event.detail).length ? h('ul', { class: 'detail' }, detailText(event.detail).map(([key, value]) => h('li', null, h('span', { class: 'detail-key' }, `${key}:`), ' ', value))) : null)))
        : h('p', { class: 'muted' }, 'Nothing recorded yet.'));
  }

  function render(view: LeadView, receivedAt: number) {
    clearInterval(ticker);
    shown = view;
    timeline = timelinePanel(view);
    const { lead } = view;
    document.title = `${lead.name} · Speed to Lead`;
    const open = lead.status === 'new' && !lead.contactedAt;
    const pill = timeLeftPill();
    if (open) {
      const tick = () => pill.set(secondsLeftAt(lead.secondsLeft, receivedAt, Date.now()));
      tick();
      ticker = setInterval(tick, 1000);
    }
    const facts: Array<[string, string | undefined]> = [
      ['Email', lead.email],
      ['Phone', lead.phone],
      ['Company', lead.company],
      ['Job title', lead.jobTitle],
      ['Company size', lead.companySize],
      ['Industry', lead.industry],
      ['Country', lead.country],
      ['Source', lead.source],
      ['Campaign', lead.utm_campaign],
      ['Form', lead.formId],
      ['Owner', lead.ownerName ?? lead.ownerId],
      ['Submitted', dateTimeText(lead.submittedAt)],
      ['Due for first contact', dateTimeText(lead.dueAt)],
    ];
    replace(
      el,
      h('p', { class: 'back' }, h('a', { href: '#/queue' }, '← Queue')),
      h('div', { class: `lead-head${open && lead.secondsLeft < 0 ? ' is-overdue' : ''}` },
        h('div', { class: 'badges' }, gradeBadge(lead.grade), lead.score !== undefined ? h('span', { class: 'score' }, `Score ${lead.score}`) : null, h('span', { class: 'badge badge-status', 'data-testid': 'lead-status' }, STATUS_WORDS[lead.status] ?? lead.status), lead.escalated ? h('span', { class: 'badge badge-escalated' }, icon('escalated'), ' Escalated') : null, open ? pill.el : null),
        h('h1', { tabindex: '-1', 'data-testid': 'lead-heading' }, lead.name),
        roleLine(lead) ? h('p', { class: 'card-role' }, roleLine(lead)) : null,
        contactLinks(lead)),
      lead.contactedAt || lead.outcome || lead.pipeline
        ? h('section', { class: 'panel outcome', 'aria-labelledby': 'outcome-h', 'data-testid': 'lead-outcome' },
            h('h2', { id: 'outcome-h' }, 'Outcome'),
            h('p', { class: 'outcome-line' }, icon('check'), ' ', lead.outcome ? OUTCOME_WORDS[lead.outcome] : 'Contacted', lead.rejectReason ? `: ${reasonText(lead.rejectReason)}` : ''),
            lead.contactedAt ? h('p', null, 'First contact: ', h('time', { datetime: lead.contactedAt }, dateTimeText(lead.contactedAt))) : null,
            lead.pipeline ? h('p', { 'data-testid': 'lead-pipeline' }, 'Pipeline: ', h('strong', null, pipelineText(lead.pipeline)), ' since ', h('time', { datetime: lead.pipeline.stageAt }, dateTimeText(lead.pipeline.stageAt))) : null)
        : null,
      open
        ? h('section', { class: 'panel', 'aria-labelledby': 'respond-h' }, h('h2', { id: 'respond-h' }, 'Respond'), responseActions(context, lead, view.rejectReasons, (result) => {
            context.announce(`${OUTCOME_WORDS[result.outcome]}: ${lead.name}`);
            void load(false);
          }))
        : null,
      h('section', { class: 'panel', 'aria-labelledby': 'handoff-h' }, h('h2', { id: 'handoff-h' }, 'Handoff'), handoffBlock(lead.handoff)),
      lead.message ? h('section', { class: 'panel', 'aria-labelledby': 'message-h' }, h('h2', { id: 'message-h' }, 'Their message'), h('p', { class: 'message' }, lead.message)) : null,
      h('section', { class: 'panel', 'aria-labelledby': 'details-h' }, h('h2', { id: 'details-h' }, 'Details'),
        h('dl', { class: 'facts' }, facts.filter(([, value]) => value).map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value!))))),
      timeline,
    );
  }

  const startPolling = () => {
    clearInterval(poller);
    poller = setInterval(() => void refresh(), POLL_MS);
  };
  const onVisibility = () => {
    if (document.hidden) clearInterval(poller);
    else {
      void refresh();
      startPolling();
    }
  };
  document.addEventListener('visibilitychange', onVisibility);

  void load(false);
  if (!document.hidden) startPolling();
  return {
    el,
    title: 'Lead',
    destroy() {
      stopped = true;
      clearInterval(ticker);
      clearInterval(poller);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
