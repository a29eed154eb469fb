import { problemText } from '../api';
import { percentBarChart } from '../chart';
import type { DashboardView, FunnelRow, PipelineRow, ReportRow } from '../contract';
import type { AppContext, View } from '../context';
import { csvFileName, dashboardQueryString, FILTER_KEYS, localDay, parseDashboardQuery, presetOf, presetRange, PRESETS, type DashboardQuery } from '../dashboard-query';
import { h, icon, replace, uid } from '../dom';
import { dateTimeText, dayText, formatDuration, minutesText, moneyText, percentText, reasonText } from '../format';
import { hashOf, type Route } from '../route';

const FILTER_LABELS: Record<(typeof FILTER_KEYS)[number], string> = { source: 'Source', campaign: 'Campaign', form: 'Form', rep: 'Rep', grade: 'Grade' };

/**
 * The manager's dashboard: a period and filters kept in the hash query (a link reopens the
 * same view), the headline figures, % within SLA by week, time to first contact by rep and
 * by source, acceptance, rejections, leads ignored right now, the funnel (leads to won) by
 * source, campaign or form, pipeline and won amounts per currency, conversion by score band and
 * by time to first contact, and the CSV of the same view.
 */

/** What the funnel's table is grouped by: the manager's choice, kept while the view is open. */
const FUNNEL_GROUPS = { source: 'Source', campaign: 'Campaign', form: 'Form' } as const;
type FunnelGroup = keyof typeof FUNNEL_GROUPS;
export function dashboardView(context: AppContext, route: Route): View {
  const today = () => localDay(new Date());
  let query = parseDashboardQuery(route.query, today());
  let data: DashboardView | undefined;
  let chart: { destroy(): void } | undefined;
  let request = 0;
  let funnelGroup: FunnelGroup = 'source';

  const heading = h('h1', { tabindex: '-1' }, 'Dashboard');
  const subtitle = h('p', { class: 'muted', 'data-testid': 'dashboard-period' });
  const filters = h('form', { class: 'filters', 'aria-label': 'Period and filters', novalidate: true });
  const status = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'results', 'aria-busy': 'true' });
  const csvButton = h('button', { type: 'button', class: 'btn btn-outline', 'data-testid': 'export-csv', onclick: () => void exportCsv() }, icon('download'), ' Export CSV');
  const el = h('section', { class: 'page page-wide' }, h('div', { class: 'page-head' }, h('div', null, heading, subtitle), csvButton), filters, status, results);

  // The hash is the one place the view lives: update() loads what it names.
  function setQuery(next: DashboardQuery) {
    context.navigate(hashOf({ name: 'dashboard', query: new URLSearchParams(dashboardQueryString(next)) }), { replace: true });
  }

  function renderFilters() {
    const current = presetOf(query, today());
    const fromId = uid('from');
    const toId = uid('to');
    const from = h('input', { type: 'date', id: fromId, value: query.from, max: query.to, 'data-testid': 'filter-from' });
    const to = h('input', { type: 'date', id: toId, value: query.to, min: query.from, 'data-testid': 'filter-to' });
    const onDate = () => {
      if (/^\d{4}-\d{2}-\d{2}$/.test(from.value) && /^\d{4}-\d{2}-\d{2}$/.test(to.value)) setQuery({ ...query, ...(from.value <= to.value ? { from: from.value, to: to.value } : { from: to.value, to: from.value }) });
    };
    from.addEventListener('change', onDate);
    to.addEventListener('change', onDate);
    const selects = FILTER_KEYS.map((key) => {
      const id = uid(key);
      const options = optionsFor(key);
      const value = query[key] ?? '';
      // A value from the link that the period has no leads for stays choosable.
      if (value && !options.some((o) => o.value === value)) options.push({ value, label: value });
      const select = h('select', { id, 'data-testid': `filter-${key}` }, h('option', { value: '' }, 'All'), options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
      select.addEventListener('change', () => setQuery({ ...query, [key]: select.value || undefined }));
      return h('div', { class: 'field' }, h('label', { for: id }, FILTER_LABELS[key]), select);
    });
    replace(
      filters,
      h('fieldset', { class: 'period' }, h('legend', null, 'Period'),
        h('div', { class: 'presets', role: 'group', 'aria-label': 'Last days' }, PRESETS.map((days) =>
          h('button', { type: 'button', class: 'btn btn-chip', 'aria-pressed': String(current === days), 'data-testid': `preset-${days}`, onclick: () => setQuery({ ...query, ...presetRange(days, today()) }) }, `${days} days`))),
        h('div', { class: 'field' }, h('label', { for: fromId }, 'From'), from),
        h('div', { class: 'field' }, h('label', { for: toId }, 'To'), to)),
      h('div', { class: 'filter-selects' }, selects),
    );
  }

  function optionsFor(key: (typeof FILTER_KEYS)[number]): Array<{ value: string; label: string }> {
    const o = data?.options;
    if (!o) return [];
    if (key === 'source') return o.sources.map((v) => ({ value: v, label: v }));
    if (key === 'campaign') return o.campaigns.map((v) => ({ value: v, label: v }));
    if (key === 'form') return o.forms.map((v) => ({ value: v, label: v }));
    if (key === 'rep') return o.reps.map((r) => ({ value: r.id, label: r.name }));
    return o.grades.map((g) => ({ value: g, label: g.charAt(0).toUpperCase() + g.slice(1) }));
  }

  async function load() {
    const mine = ++request;
    results.setAttribute('aria-busy', 'true');
    status.textContent = 'Loading…';
    try {
      const view = await context.api.get<DashboardView>(`/app/api/dashboard?${dashboardQueryString(query)}`);
      if (mine !== request) return;
      data = view;
      // Keep the control a person is using: only rebuild the filters when focus is not in them.
      if (!filters.contains(document.activeElement)) renderFilters();
      else syncFilters();
      renderResults(view);
      status.textContent = `Updated ${dateTimeText(view.asOf)}`;
    } catch (error) {
      if (mine !== request) return;
      status.textContent = '';
      replace(results, h('p', { class: 'banner banner-warn', role: 'alert' }, icon('alert'), ' ', problemText(error)));
    } finally {
      if (mine === request) results.removeAttribute('aria-busy');
    }
  }

  /** Options change with the period: add the new ones without replacing the focused control. */
  function syncFilters() {
    for (const key of FILTER_KEYS) {
      const select = filters.querySelector<HTMLSelectElement>(`[data-testid="filter-${key}"]`);
      if (!select || select === document.activeElement) continue;
      const value = query[key] ?? '';
      const options = optionsFor(key);
      if (value && !options.some((o) => o.value === value)) options.push({ value, label: value });
      replace(select, h('option', { value: '' }, 'All'), options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
    }
    const current = presetOf(query, today());
    for (const days of PRESETS) filters.querySelector(`[data-testid="preset-${days}"]`)?.setAttribute('aria-pressed', String(current === days));
  }

  function renderResults(view: DashboardView) {
    chart?.destroy();
    chart = undefined;
    const repName = new Map(view.options.reps.map((r) => [r.id, r.name]));
    subtitle.textContent = `${dayText(view.from)} ${view.from.slice(0, 4)} – ${dayText(view.to)} ${view.to.slice(0, 4)} · SLA: hot ${minutesText(view.sla.hot)}, warm ${minutesText(view.sla.warm)}, cold ${minutesText(view.sla.cold)}`;
    const t = view.total;
    const kpi = (id: string, label: string, value: string, sub?: string) =>
      h('div', { class: 'kpi', 'data-testid': `kpi-${id}` }, h('dt', null, label), h('dd', null, h('span', { class: 'kpi-value', 'data-testid': `kpi-${id}-value` }, value), sub ? h('span', { class: 'kpi-sub' }, sub) : null));
    const canvas = h('canvas', { role: 'img', 'aria-label': weeklySummary(view), 'data-testid': 'weekly-chart' });
    replace(
      results,
      h('section', { 'aria-labelledby': 'kpi-h' }, h('h2', { id: 'kpi-h', class: 'vh' }, 'Headline figures'),
        h('dl', { class: 'kpis', 'data-testid': 'headline' },
          kpi('leads', 'Leads', String(t.leads), `${t.contacted} contacted`),
          kpi('within-sla', 'Within SLA', percentText(t.withinSlaPercent), `${t.slaMet} met, ${t.slaMissed} missed`),
          kpi('median', 'Median first contact', formatDuration(t.medianSeconds)),
          kpi('p90', '9 in 10 within (p90)', formatDuration(t.p90Seconds)),
          kpi('acceptance', 'Accepted', percentText(t.acceptancePercent), `${t.accepted} accepted, ${t.rejected} rejected`),
          kpi('unsubscribes', 'Unsubscribes', String(t.unsubscribed)),
          kpi('bounces', 'Bounces', String(t.bounced), t.complained ? `${t.complained} spam ${t.complained === 1 ? 'complaint' : 'complaints'}` : undefined))),
      h('section', { class: 'panel', 'aria-labelledby': 'weekly-h' },
        h('h2', { id: 'weekly-h' }, '% contacted within SLA by week'),
        view.weekly.length
          ? [h('div', { class: 'chart-box' }, canvas),
             h('details', { class: 'chart-table' }, h('summary', null, 'Show the numbers'),
               table('Contacted within SLA by week', ['Week of', 'Leads', 'Met', 'Missed', 'Within SLA'], view.weekly.map((w) => [dayText(w.week) + ' ' + w.week.slice(0, 4), w.leads, w.slaMet, w.slaMissed, percentText(w.withinSlaPercent)]), 'weekly-table'))]
          : h('p', { class: 'muted' }, 'No leads in this period.')),
      // Full width each: seven columns that a meeting reads across the room.
      h('div', null,
        h('section', { class: 'panel', 'aria-labelledby': 'byrep-h' }, h('h2', { id: 'byrep-h' }, 'Time to first contact by rep'), rowsTable('By rep', 'Rep', view.byRep, (key) => repName.get(key) ?? key, 'by-rep')),
        h('section', { class: 'panel', 'aria-labelledby': 'bysource-h' }, h('h2', { id: 'bysource-h' }, 'Time to first contact by source'), rowsTable('By source', 'Source', view.bySource, (key) => key, 'by-source'))),
      h('div', { class: 'grid-2' },
        h('section', { class: 'panel', 'aria-labelledby': 'ignored-h' }, h('h2', { id: 'ignored-h' }, 'Ignored right now'),
          view.ignoredNow.length
            ? table('Open leads past their SLA, by rep', ['Rep', 'Overdue leads', 'Longest overdue'], view.ignoredNow.map((row) => [row.repName, row.leads, h('span', { class: 'overdue-text' }, icon('alert'), ' Overdue ', formatDuration(row.longestOverdueSeconds))]), 'ignored-now', 'table-alert')
            : h('p', { class: 'ok-text' }, icon('check'), ' No lead is past its SLA right now.')),
        h('section', { class: 'panel', 'aria-labelledby': 'reasons-h' }, h('h2', { id: 'reasons-h' }, 'Rejection reasons'), reasonsList(view.rejectionReasons))),
      funnelPanel(view),
      // Full width each: six columns, and a row per currency.
      h('div', null,
        h('section', { class: 'panel', 'aria-labelledby': 'pipe-source-h' }, h('h2', { id: 'pipe-source-h' }, 'Pipeline by source'), pipelineTable('Pipeline and won amounts by source, per currency', 'Source', view.pipeline.bySource, 'pipeline-by-source')),
        h('section', { class: 'panel', 'aria-labelledby': 'pipe-campaign-h' }, h('h2', { id: 'pipe-campaign-h' }, 'Pipeline by campaign'), pipelineTable('Pipeline and won amounts by campaign, per currency', 'Campaign', view.pipeline.byCampaign, 'pipeline-by-campaign'))),
      h('section', { class: 'panel', 'aria-labelledby': 'band-h' }, h('h2', { id: 'band-h' }, 'Conversion by score band'),
        h('p', { class: 'muted small' }, 'Is the score predictive? Each stage with its rate of the stage before.'),
        funnelTable('Conversion by score band', 'Score', view.byScoreBand, 'by-score-band')),
      h('section', { class: 'panel', 'aria-labelledby': 'speed-h' }, h('h2', { id: 'speed-h' }, 'Conversion by time to first contact'),
        h('p', { class: 'muted small' }, 'Speed to lead, measured on this team\'s own leads.'),
        funnelTable('Conversion by time to first contact', 'First contact', view.byFirstContact, 'by-first-contact')),
    );
    if (view.weekly.length) {
      chart = percentBarChart(canvas, {
        labels: view.weekly.map((w) => dayText(w.week)),
        values: view.weekly.map((w) => w.withinSlaPercent ?? null),
        valueText: view.weekly.map((w) => (w.withinSlaPercent === undefined ? 'n/a' : percentText(w.withinSlaPercent))),
      });
    }
  }

  function rowsTable(caption: string, keyLabel: string, rows: ReportRow[], name: (key: string) => string, testid: string): HTMLElement {
    if (!rows.length) return h('p', { class: 'muted' }, 'No leads in this period.');
    const acceptance = (r: ReportRow) => (r.accepted + r.rejected ? percentText(Math.round((r.accepted / (r.accepted + r.rejected)) * 1000) / 10) : '-');
    return table(caption, [keyLabel, 'Leads', 'Within SLA', 'Median', 'p90', 'Accepted', 'Unsub.'], rows.map((r) => [name(r.key), r.leads, percentText(r.withinSlaPercent), formatDuration(r.medianSeconds), formatDuration(r.p90Seconds), acceptance(r), r.unsubscribed]), testid);
  }

  /** The total as bars (each stage's share of the leads), then the chosen grouping as a table. */
  function funnelPanel(view: DashboardView): HTMLElement {
    const t = view.funnel.total;
    const stages: Array<[string, number, number | undefined]> = [
      ['Leads', t.leads, undefined], ['Contacted', t.contacted, t.contactedPercent], ['Accepted (SQL)', t.accepted, t.acceptedPercent],
      ['Opportunity', t.opportunities, t.opportunityPercent], ['Won', t.won, t.wonPercent],
    ];
    const bars = h('ul', { class: 'bars funnel-bars', 'data-testid': 'funnel-total' }, stages.map(([label, count, rate]) => {
      const bar = h('span', { class: 'bar-fill' });
      bar.style.width = `${t.leads ? Math.max(1, (count / t.leads) * 100) : 0}%`;
      return h('li', null, h('span', { class: 'bar-label' }, label), h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
        h('span', { class: 'bar-value num', 'data-testid': `funnel-${label.split(' ')[0]!.toLowerCase()}` }, rate === undefined ? String(count) : `${count} · ${percentText(rate)}`));
    }));
    const groupId = uid('funnel-by');
    const holder = h('div');
    const rowsOf = (group: FunnelGroup) => (group === 'source' ? view.funnel.bySource : group === 'campaign' ? view.funnel.byCampaign : view.funnel.byForm);
    const draw = () => replace(holder, funnelTable(`Funnel by ${funnelGroup}`, FUNNEL_GROUPS[funnelGroup], rowsOf(funnelGroup), 'funnel-table'));
    const select = h('select', { id: groupId, 'data-testid': 'funnel-group' }, (Object.keys(FUNNEL_GROUPS) as FunnelGroup[]).map((group) => h('option', { value: group, selected: group === funnelGroup }, FUNNEL_GROUPS[group])));
    select.addEventListener('change', () => {
      funnelGroup = select.value as FunnelGroup;
      draw();
    });
    draw();
    return h('section', { class: 'panel', 'aria-labelledby': 'funnel-h' },
      h('h2', { id: 'funnel-h' }, 'Funnel: leads to won'),
      h('p', { class: 'muted small' }, 'Each stage counts the leads that reached it or a later one; the rate is of the stage before.'),
      t.leads ? bars : h('p', { class: 'muted' }, 'No leads in this period.'),
      h('div', { class: 'field field-inline funnel-group' }, h('label', { for: groupId }, 'Funnel by'), select),
      holder);
  }

  function funnelTable(caption: string, keyLabel: string, rows: FunnelRow[], testid: string): HTMLElement {
    if (!rows.some((r) => r.leads)) return h('p', { class: 'muted' }, 'No leads in this period.');
    const stage = (count: number, rate: number | undefined) => (rate === undefined ? String(count) : `${count} (${percentText(rate)})`);
    return table(caption, [keyLabel, 'Leads', 'Contacted', 'Accepted', 'Opportunity', 'Won', 'Lead to won'], rows.map((r) => [
      r.key, r.leads, stage(r.contacted, r.contactedPercent), stage(r.accepted, r.acceptedPercent), stage(r.opportunities, r.opportunityPercent), stage(r.won, r.wonPercent), percentText(r.leadToWonPercent),
    ]), testid);
  }

  function pipelineTable(caption: string, keyLabel: string, rows: PipelineRow[], testid: string): HTMLElement {
    if (!rows.length) return h('p', { class: 'muted' }, 'No opportunity with an amount in this period.');
    // A currency of its own per row: amounts in EUR and USD are never added up.
    return table(caption, [keyLabel, 'Currency', 'Opportunities', 'Pipeline', 'Won', 'Won amount'], rows.map((r) => [
      r.key, r.currency, r.opportunities, moneyText(r.pipelineAmount, r.currency), r.won, moneyText(r.wonAmount, r.currency),
    ]), testid);
  }

  function reasonsList(reasons: DashboardView['rejectionReasons']): HTMLElement {
    if (!reasons.length) return h('p', { class: 'muted' }, 'No lead was rejected in this period.');
    const most = Math.max(...reasons.map((r) => r.count));
    return h('ul', { class: 'bars', 'data-testid': 'rejection-reasons' }, reasons.map((r) => {
      const bar = h('span', { class: 'bar-fill' });
      // Set through the CSSOM, which the page's CSP allows (a style attribute it would refuse).
      bar.style.width = `${Math.max(2, (r.count / most) * 100)}%`;
      return h('li', null, h('span', { class: 'bar-label' }, reasonText(r.reason)), h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar), h('span', { class: 'bar-value num' }, String(r.count)));
    }));
  }

  async function exportCsv() {
    csvButton.disabled = true;
    status.textContent = 'Preparing the CSV…';
    try {
      const blob = await context.api.blob(`/app/api/dashboard.csv?${dashboardQueryString(query)}`);
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: csvFileName(query), class: 'vh' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      status.textContent = `Downloaded ${csvFileName(query)}`;
    } catch (error) {
      status.textContent = `The CSV did not download: ${problemText(error)}`;
    } finally {
      csvButton.disabled = false;
    }
  }

  renderFilters();
  void load();
  return {
    el,
    title: 'Dashboard',
    update(next) {
      const parsed = parseDashboardQuery(next.query, today());
      if (dashboardQueryString(parsed) === dashboardQueryString(query) && data) return;
      query = parsed;
      void load();
    },
    destroy() {
      request++;
      chart?.destroy();
    },
  };
}

type Cell = string | number | HTMLElement;

function table(caption: string, columns: string[], rows: Cell[][], testid: string, cls = ''): HTMLElement {
  // Focusable and named: a table wider than a phone scrolls sideways, by keyboard too.
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: `data ${cls}`, 'data-testid': testid },
      h('caption', { class: 'vh' }, caption),
      h('thead', null, h('tr', null, columns.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : undefined }, c)))),
      h('tbody', null, rows.map((row) => h('tr', null, row.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { class: 'num' }, cell))))))));
}

/** The chart in one sentence, for a screen reader (the table under it has every number). */
function weeklySummary(view: DashboardView): string {
  const parts = view.weekly.map((w) => `week of ${dayText(w.week)}: ${percentText(w.withinSlaPercent)}`);
  return `Bar chart of the percent of leads contacted within SLA by week. ${parts.join('; ')}.`;
}
