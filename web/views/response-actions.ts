import { problemText } from '../api';
import type { ResponseRequest, ResponseResult, RepOutcome } from '../contract';
import { h, icon, replace, uid } from '../dom';
import { reasonText } from '../format';
import type { AppContext } from '../context';

export const OUTCOME_WORDS: Record<RepOutcome, string> = { contacted: 'Marked contacted', accepted: 'Accepted', rejected: 'Rejected' };

/**
 * Contacted / Accept / Reject for one lead, with an optional note; Reject asks for a reason
 * first. Posts the response and hands the result back.
 */
export function responseActions(
  context: AppContext,
  lead: { leadId: string; name: string },
  reasons: readonly string[],
  onDone: (result: ResponseResult) => void,
): HTMLElement {
  const noteId = uid('note');
  const reasonId = uid('reason');
  const errorId = uid('err');
  const note = h('textarea', { id: noteId, rows: 2, maxlength: 2000, 'data-testid': 'response-note' });
  const reason = h(
    'select',
    { id: reasonId, 'data-testid': 'reject-reason', 'aria-describedby': errorId },
    h('option', { value: '' }, 'Choose a reason…'),
    reasons.map((r) => h('option', { value: r }, reasonText(r))),
  );
  const error = h('p', { id: errorId, class: 'field-error', role: 'alert', hidden: true });
  const buttons: HTMLButtonElement[] = [];
  const button = (label: string, cls: string, testid: string, onclick: () => void) => {
    const b = h('button', { type: 'button', class: `btn ${cls}`, 'data-testid': testid, onclick }, label);
    buttons.push(b);
    return b;
  };

  const rejectPanel = h(
    'div',
    { class: 'reject-panel', hidden: true },
    h('div', { class: 'field' }, h('label', { for: reasonId }, 'Why reject this lead?'), reason),
    h('div', { class: 'row' }, button('Reject lead', 'btn-danger', 'confirm-reject', () => {
      if (!reason.value) {
        showError('Choose a reason to reject the lead.');
        reason.focus();
        return;
      }
      void send({ outcome: 'rejected', reason: reason.value });
    }), button('Cancel', 'btn-quiet', 'cancel-reject', () => {
      rejectPanel.hidden = true;
      rejectToggle.setAttribute('aria-expanded', 'false');
      rejectToggle.focus();
    })),
  );
  const rejectToggle = button('Reject…', 'btn-outline', 'reject', () => {
    rejectPanel.hidden = !rejectPanel.hidden;
    rejectToggle.setAttribute('aria-expanded', String(!rejectPanel.hidden));
    if (!rejectPanel.hidden) reason.focus();
  });
  rejectToggle.setAttribute('aria-expanded', 'false');

  const el = h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': `Respond to ${lead.name}` },
    h('div', { class: 'row actions-row' },
      button('Contacted', 'btn-primary', 'contacted', () => void send({ outcome: 'contacted' })),
      button('Accept', 'btn-outline', 'accept', () => void send({ outcome: 'accepted' })),
      rejectToggle),
    rejectPanel,
    h('details', { class: 'note' }, h('summary', null, 'Add a note'), h('div', { class: 'field' }, h('label', { for: noteId }, 'Note (optional)'), note)),
    error,
  );

  function showError(message: string) {
    error.hidden = false;
    replace(error, icon('alert'), ' ', message);
  }

  async function send(request: ResponseRequest) {
    error.hidden = true;
    const text = note.value.trim();
    if (text) request.note = text;
    for (const b of buttons) b.disabled = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const result = await context.api.send<ResponseResult>('POST', `/app/api/leads/${encodeURIComponent(lead.leadId)}/response`, request);
      onDone(result);
    } catch (failure) {
      showError(problemText(failure));
      for (const b of buttons) b.disabled = false;
    } finally {
      el.removeAttribute('aria-busy');
    }
  }

  return el;
}
