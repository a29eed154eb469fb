import type { LeadView } from './contract';

/**
 * What changed between two reads of a lead page, so a refresh redraws only that: the
 * timeline grows while a rep reads (a follow-up sent, an escalation), and the lead itself
 * changes when someone answers it elsewhere (the email link, Slack, a CRM, a colleague).
 * `secondsLeft` is left out: it moves on every read and the page counts it down itself.
 */
export type LeadChange = 'none' | 'timeline' | 'lead';

const leadPart = ({ lead: { secondsLeft: _counting, ...rest }, rejectReasons }: LeadView) => JSON.stringify({ rest, rejectReasons });

export function leadChange(before: LeadView, after: LeadView): LeadChange {
  if (leadPart(before) !== leadPart(after)) return 'lead';
  return JSON.stringify(before.timeline) === JSON.stringify(after.timeline) ? 'none' : 'timeline';
}
