import { ApiError, problemText } from '../api';
import type { TeamChange, TeamMember, TeamView } from '../contract';
import type { AppContext, View } from '../context';
import { h, icon, replace, uid } from '../dom';
import { dateTimeText } from '../format';
import { auditValueText, availabilityText, memberChange, type FieldIssue } from '../team-rules';

const FIELD_WORDS: Record<string, string> = { active: 'Active', awayUntil: 'Away until', pools: 'Pools', weight: 'Weight', dailyCap: 'Daily cap' };

/** The team's routing settings, one row per rep (a card on a phone), saved per rep; the audit trail below. */
export function teamView(context: AppContext): View {
  const heading = h('h1', { tabindex: '-1' }, 'Team');
  const body = h('div', null, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  const auditList = h('div', null);
  const el = h(
    'section',
    { class: 'page' },
    h('div', { class: 'page-head' }, h('div', null, heading, h('p', { class: 'muted' }, 'Routing skips reps who are inactive, away or at their daily cap. Changes apply to the next lead.'))),
    body,
    h('section', { class: 'panel', 'aria-labelledby': 'audit-h' }, h('h2', { id: 'audit-h' }, 'Changes'), auditList),
  );
  let names = new Map<string, string>();

  async function load() {
    try {
      const team = await context.api.get<TeamView>('/app/api/team');
      names = new Map(team.reps.map((rep) => [rep.id, rep.name]));
      render(team);
    } catch (error) {
      replace(body, h('p', { class: 'banner banner-warn', role: 'alert' }, icon('alert'), ' ', problemText(error)));
    }
  }

  async function reloadAudit() {
    try {
      const team = await context.api.get<TeamView>('/app/api/team');
      renderAudit(team.audit);
    } catch {
      // The save went through; the trail shows on the next visit.
    }
  }

  function render(team: TeamView) {
    const columns = ['Rep', 'Availability', 'Active', 'Away until', 'Pools', 'Weight', 'Daily cap', 'Today', 'Save'];
    replace(
      body,
      h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Reps' },
        h('table', { class: 'team-table', 'data-testid': 'team-table' },
          h('caption', { class: 'vh' }, 'Reps and their routing settings'),
          h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, team.reps.map((rep) => repRow(rep, team.pools))))),
    );
    renderAudit(team.audit);
  }

  function renderAudit(audit: TeamChange[]) {
    replace(
      auditList,
      audit.length
        ? h('ol', { class: 'audit', 'data-testid': 'team-audit' }, audit.map((change) =>
            h('li', null,
              h('div', { class: 'audit-head' }, h('time', { datetime: change.at }, dateTimeText(change.at)), ' · ', h('strong', null, change.actor), ' changed ', h('strong', null, names.get(change.repId) ?? change.repId)),
              h('ul', null, Object.entries(change.changes).map(([field, { from, to }]) =>
                h('li', null, `${FIELD_WORDS[field] ?? field}: `, h('span', { class: 'from' }, auditValueText(from)), ' → ', h('span', { class: 'to' }, auditValueText(to))))))))
        : h('p', { class: 'muted' }, 'No changes yet.'),
    );
  }

  function repRow(initial: TeamMember, pools: string[]): HTMLTableRowElement {
    let member = initial;
    const formId = uid('rep-form');
    const ids = { active: uid('active'), away: uid('away'), weight: uid('weight'), cap: uid('cap') };
    const errors: Record<string, HTMLElement> = {};
    const errorFor = (field: string) => (errors[field] = h('p', { class: 'field-error', id: uid('err'), hidden: true }));
    const who = member.name;

    const availability = h('span', { class: 'availability', 'data-testid': 'rep-availability' });
    const active = h('input', { type: 'checkbox', id: ids.active, form: formId, 'data-testid': 'rep-active' });
    const away = h('input', { type: 'date', id: ids.away, form: formId, 'data-testid': 'rep-away-until' });
    const clearAway = h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-label': `Clear away date for ${who}`, 'data-testid': 'rep-away-clear', onclick: () => { away.value = ''; away.focus(); } }, 'Clear');
    const poolBoxes = pools.map((pool) => ({ pool, input: h('input', { type: 'checkbox', id: uid('pool'), form: formId, value: pool, 'data-testid': `rep-pool-${pool}` }) }));
    const weight = h('input', { type: 'number', id: ids.weight, form: formId, min: 1, max: 10, step: 1, inputmode: 'numeric', class: 'input-num', 'data-testid': 'rep-weight' });
    const cap = h('input', { type: 'number', id: ids.cap, form: formId, min: 1, step: 1, inputmode: 'numeric', class: 'input-num', placeholder: 'none', 'data-testid': 'rep-daily-cap' });
    const today = h('span', { class: 'num' });
    const status = h('p', { class: 'row-status', role: 'status', 'data-testid': 'rep-save-status' });
    const save = h('button', { type: 'submit', class: 'btn btn-primary btn-small', 'aria-label': `Save ${who}`, 'data-testid': 'rep-save' }, 'Save');
    const form = h('form', { id: formId, 'aria-label': `Settings for ${who}`, novalidate: true }, save);

    const fieldInputs: Record<string, HTMLElement> = { active, awayUntil: away, weight, dailyCap: cap, pools: poolBoxes[0]?.input ?? active };

    function fill(m: TeamMember) {
      replace(availability, icon(m.availability === 'at-cap' ? 'full' : m.availability), ' ', availabilityText(m));
      availability.className = `availability avail-${m.availability}`;
      active.checked = m.active;
      away.value = m.awayUntil ?? '';
      for (const box of poolBoxes) box.input.checked = m.pools.includes(box.pool);
      weight.value = String(m.weight);
      cap.value = m.dailyCap === undefined ? '' : String(m.dailyCap);
      today.textContent = m.dailyCap === undefined ? String(m.leadsToday) : `${m.leadsToday} / ${m.dailyCap}`;
    }

    function showIssues(issues: FieldIssue[]) {
      for (const [field, box] of Object.entries(errors)) {
        box.hidden = true;
        fieldInputs[field]?.removeAttribute('aria-invalid');
      }
      for (const issue of issues) {
        const field = issue.path.split('.')[0] ?? '';
        const box = errors[field] ?? errors.form!;
        box.hidden = false;
        replace(box, icon('alert'), ' ', `${FIELD_WORDS[field] ?? 'This'} ${issue.message}`);
        const input = fieldInputs[field];
        input?.setAttribute('aria-invalid', 'true');
        input?.setAttribute('aria-describedby', box.id);
      }
      if (issues.length) (fieldInputs[issues[0]!.path.split('.')[0] ?? ''] ?? save).focus();
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      status.textContent = '';
      const { change, issues } = memberChange(member, {
        active: active.checked,
        awayUntil: away.value,
        pools: poolBoxes.filter((box) => box.input.checked).map((box) => box.pool),
        weight: weight.value,
        dailyCap: cap.value,
      });
      showIssues(issues);
      if (issues.length) return;
      if (Object.keys(change).length === 0) {
        status.textContent = 'Nothing to save.';
        return;
      }
      save.disabled = true;
      status.textContent = 'Saving…';
      try {
        // With the version this row shows: a change someone else saved since is a 409, not overwritten.
        member = await context.api.send<TeamMember>('PUT', `/app/api/team/reps/${encodeURIComponent(member.id)}`, { ...change, version: member.version });
        fill(member);
        replace(status, icon('check'), ' Saved');
        void reloadAudit();
      } catch (error) {
        if (error instanceof ApiError && error.status === 400 && error.issues.length) {
          status.textContent = 'Not saved: fix the marked field.';
          showIssues(error.issues);
        } else if (error instanceof ApiError && error.status === 409) {
          replace(status, icon('alert'), ' Someone else changed this rep since you loaded the page. ', h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => void load() }, 'Reload'));
        } else replace(status, icon('alert'), ' ', problemText(error));
      } finally {
        save.disabled = false;
      }
    });

    fill(member);
    const label = (forId: string, text: string) => h('label', { for: forId, class: 'vh' }, `${text} for ${who}`);
    const cell = (name: string, ...content: Parameters<typeof h>[2][]) => h('td', { 'data-label': name }, ...content);
    return h(
      'tr',
      { 'data-testid': 'team-row', 'data-rep-id': member.id },
      h('th', { scope: 'row', class: 'rep-cell' }, h('span', { class: 'rep-name' }, member.name), h('span', { class: 'muted small rep-email' }, member.email)),
      cell('Availability', availability),
      cell('Active', h('div', { class: 'check' }, active, h('label', { for: ids.active }, 'Active', h('span', { class: 'vh' }, ` (${who})`))), errorFor('active')),
      cell('Away until', h('div', { class: 'row nowrap' }, label(ids.away, 'Away until'), away, clearAway), errorFor('awayUntil')),
      cell('Pools', h('fieldset', { class: 'pools' }, h('legend', { class: 'vh' }, `Pools for ${who}`), poolBoxes.map((box) => h('div', { class: 'check' }, box.input, h('label', { for: box.input.id }, box.pool)))), errorFor('pools')),
      cell('Weight', label(ids.weight, 'Weight (1 to 10)'), weight, errorFor('weight')),
      cell('Daily cap', label(ids.cap, 'Daily cap (empty for none)'), cap, errorFor('dailyCap')),
      cell('Today', today),
      cell('', form, status, errorFor('form')),
    );
  }

  void load();
  return { el, title: 'Team' };
}
