import { ApiError, problemText } from '../api';
import type { QueueItem, QueueView, ResponseResult, TeamView } from '../contract';
import type { AppContext, View } from '../context';
import { h, icon, replace, uid } from '../dom';
import { clockText, secondsLeftAt } from '../format';
import { REJECT_REASONS } from '../../functions/domain/reject-reasons';
import { hashOf, type Route } from '../route';
import { contactLinks, gradeBadge, handoffBlock, roleLine, timeLeftPill } from './lead-parts';
import { OUTCOME_WORDS, responseActions } from './response-actions';

const POLL_MS = 5000;

interface Card {
  item: QueueItem;
  el: HTMLElement;
  receivedAt: number;
  setTime(secondsLeft: number): void;
  leaving: boolean;
}

/**
 * The rep's queue: one card per open lead, soonest due first, counting down each second. It
 * polls every 5 s while the tab is visible and merges the answer into the cards in place, so
 * focus and scroll stay where the rep left them.
 */
export function queueView(context: AppContext, route: Route): View {
  const manager = context.me.role === 'manager';
  let repParam = route.query.get('rep') ?? '';
  const heading = h('h1', { tabindex: '-1', 'data-testid': 'queue-heading' }, 'Your queue');
  const summary = h('p', { class: 'muted queue-summary', 'data-testid': 'queue-summary' }, 'Loading…');
  const problem = h('p', { class: 'banner banner-warn', role: 'status', hidden: true });
  const list = h('ol', { class: 'cards', 'aria-labelledby': heading.id || undefined, 'data-testid': 'queue' });
  const empty = h(
    'div',
    { class: 'empty', hidden: true, 'data-testid': 'queue-empty' },
    h('p', { class: 'empty-mark', 'aria-hidden': 'true' }, '✓'),
    h('h2', null, 'All caught up'),
    h('p', null, 'No leads are waiting for you. New ones appear here within seconds, no reload needed.'),
  );
  const repPicker = manager ? h('div', { class: 'field field-inline' }) : null;
  const el = h('section', { class: 'page' }, h('div', { class: 'page-head' }, h('div', null, heading, summary), repPicker), problem, list, empty);

  const cards = new Map<string, Card>();
  let first = true;
  let timer: ReturnType<typeof setInterval> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let inFlight = false;
  let stopped = false;

  if (repPicker) void loadReps(repPicker);

  async function loadReps(container: HTMLElement) {
    try {
      const team = await context.api.get<TeamView>('/app/api/team');
      const id = uid('rep');
      const select = h(
        'select',
        { id, 'data-testid': 'queue-rep' },
        context.me.repId ? null : h('option', { value: '' }, 'Choose a rep…'),
        team.reps.map((rep) => h('option', { value: rep.id, selected: rep.id === (repParam || context.me.repId) }, rep.id === context.me.repId ? `${rep.name} (you)` : rep.name)),
      );
      select.addEventListener('change', () => context.navigate(hashOf({ name: 'queue', query: { rep: select.value === context.me.repId ? undefined : select.value } }), { replace: true }));
      replace(container, h('label', { for: id }, 'Queue of'), select);
    } catch {
      // No team list: the manager still sees the queue they asked for.
    }
  }

  async function poll() {
    if (inFlight || stopped) return;
    if (manager && !context.me.repId && !repParam) {
      summary.textContent = 'Choose a rep to see their queue.';
      heading.textContent = 'Queue';
      return;
    }
    inFlight = true;
    try {
      const view = await context.api.get<QueueView>(`/app/api/queue${repParam ? `?rep=${encodeURIComponent(repParam)}` : ''}`);
      if (stopped) return;
      problem.hidden = true;
      merge(view);
    } catch (error) {
      if (stopped || (error instanceof ApiError && error.status === 401)) return;
      problem.hidden = false;
      replace(problem, icon('alert'), ' ', error instanceof ApiError && error.status === 403 ? problemText(error) : `Could not refresh the queue. ${problemText(error)}`);
      if (first) summary.textContent = '';
    } finally {
      inFlight = false;
    }
  }

  function merge(view: QueueView) {
    const receivedAt = Date.now();
    heading.textContent = view.rep.id === context.me.repId ? 'Your queue' : `${view.rep.name}'s queue`;
    const fresh = view.leads.filter((lead) => !cards.has(lead.leadId));
    const keep = new Set(view.leads.map((lead) => lead.leadId));
    // The first card in view stays put on screen while cards come and go above it.
    const anchor = [...cards.values()].find((card) => card.el.getBoundingClientRect().bottom > 0)?.el;
    const anchorTop = anchor?.getBoundingClientRect().top;

    for (const [leadId, card] of cards) if (!keep.has(leadId) && !card.leaving) removeCard(leadId);
    let previous: HTMLElement | undefined;
    for (const item of view.leads) {
      let card = cards.get(item.leadId);
      if (!card) {
        card = buildCard(item, receivedAt, !first);
        cards.set(item.leadId, card);
      } else if (!card.leaving) {
        card.item = item;
        card.receivedAt = receivedAt;
      }
      // Move only when out of place: moving a card with focus in it would lose the focus.
      const want = previous ? previous.nextElementSibling : list.firstElementChild;
      if (want !== card.el) list.insertBefore(card.el, want);
      previous = card.el;
    }
    if (anchor && anchorTop !== undefined && window.scrollY > 0 && anchor.isConnected) {
      const delta = anchor.getBoundingClientRect().top - anchorTop;
      if (delta) window.scrollBy(0, delta);
    }
    tick();
    const open = view.leads.length;
    summary.textContent = `${open} open ${open === 1 ? 'lead' : 'leads'}${overdueCount() ? `, ${overdueCount()} overdue` : ''} · updated ${clockText(new Date(receivedAt))}`;
    empty.hidden = cards.size > 0;
    if (!first && fresh.length) context.announce(fresh.length === 1 ? `1 new lead: ${fresh[0]!.name}` : `${fresh.length} new leads`);
    first = false;
  }

  const overdueCount = () => [...cards.values()].filter((card) => secondsLeftAt(card.item.secondsLeft, card.receivedAt, Date.now()) < 0).length;

  function tick() {
    const now = Date.now();
    for (const card of cards.values()) {
      const left = secondsLeftAt(card.item.secondsLeft, card.receivedAt, now);
      card.setTime(left);
      card.el.classList.toggle('is-overdue', left < 0);
    }
  }

  function removeCard(leadId: string) {
    const card = cards.get(leadId);
    if (!card) return;
    cards.delete(leadId);
    const hadFocus = card.el.contains(document.activeElement);
    const next = (card.el.nextElementSibling ?? card.el.previousElementSibling) as HTMLElement | null;
    card.el.remove();
    if (hadFocus) (next?.querySelector<HTMLElement>('h2 a') ?? heading).focus();
    empty.hidden = cards.size > 0;
  }

  function buildCard(item: QueueItem, receivedAt: number, isNew: boolean): Card {
    const nameId = uid('lead');
    const pill = timeLeftPill();
    const body = h('div', { class: 'card-body' });
    const el = h(
      'li',
      { class: `card${isNew ? ' is-new' : ''}`, 'data-testid': 'queue-card', 'data-lead-id': item.leadId, 'aria-labelledby': nameId },
      h(
        'div',
        { class: 'card-top' },
        h('div', { class: 'badges' }, gradeBadge(item.grade), item.score !== undefined ? h('span', { class: 'score' }, `Score ${item.score}`) : null, item.escalated ? h('span', { class: 'badge badge-escalated' }, icon('escalated'), ' Escalated') : null, isNew ? h('span', { class: 'badge badge-new' }, 'New') : null),
        pill.el,
      ),
      h('h2', { class: 'card-name', id: nameId }, h('a', { href: hashOf({ name: 'lead', leadId: item.leadId }), 'data-testid': 'lead-name' }, item.name)),
      roleLine(item) ? h('p', { class: 'card-role' }, roleLine(item)) : null,
      body,
    );
    const card: Card = { item, el, receivedAt, setTime: pill.set, leaving: false };
    replace(
      body,
      contactLinks(item),
      h('details', { class: 'handoff-details', open: true }, h('summary', null, 'Handoff'), handoffBlock(item.handoff)),
      h('p', { class: 'muted small' }, `Source: ${item.source}`),
      responseActions(context, item, REJECT_REASONS, (result) => answered(card, result)),
    );
    return card;
  }

  function answered(card: Card, result: ResponseResult) {
    card.leaving = true;
    const words = `${OUTCOME_WORDS[result.outcome]}: ${card.item.name}`;
    const done = h('p', { class: 'done', tabindex: '-1', 'data-testid': 'response-done' }, icon('check'), ' ', words, '. Follow-up emails stopped.');
    replace(card.el.querySelector('.card-body')!, done);
    card.el.classList.add('is-done');
    done.focus();
    context.announce(words);
    setTimeout(() => {
      card.leaving = false;
      removeCard(card.item.leadId);
      summary.textContent = `${cards.size} open ${cards.size === 1 ? 'lead' : 'leads'}`;
    }, 2500);
  }

  const onVisibility = () => {
    if (document.hidden) stopPolling();
    else startPolling();
  };

  function startPolling() {
    stopPolling();
    void poll();
    timer = setInterval(() => void poll(), POLL_MS);
    ticker = setInterval(tick, 1000);
  }

  function stopPolling() {
    clearInterval(timer);
    clearInterval(ticker);
  }

  document.addEventListener('visibilitychange', onVisibility);
  if (!document.hidden) startPolling();
  else void poll();

  return {
    el,
    title: 'Queue',
    update(next) {
      const rep = next.query.get('rep') ?? '';
      if (rep === repParam) return;
      repParam = rep;
      for (const card of [...cards.values()]) removeCard(card.item.leadId);
      first = true;
      summary.textContent = 'Loading…';
      void poll();
    },
    destroy() {
      stopped = true;
      stopPolling();
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
