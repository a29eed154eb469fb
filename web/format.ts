/**
 * Text for times and durations as the team reads them. Pure: no DOM, so the unit tests run it in node.
 */
import { formatDuration } from '../functions/domain/durations';

// Durations read as `npm run report` prints them: the one dependency-free module that holds the rule.
export { formatDuration, minutesText } from '../functions/domain/durations';

export type Urgency = 'overdue' | 'soon' | 'ok';

/** Under five minutes left is "soon": the rep should be dialling. */
export const SOON_SECONDS = 5 * 60;

export const urgencyOf = (secondsLeft: number): Urgency => (secondsLeft < 0 ? 'overdue' : secondsLeft < SOON_SECONDS ? 'soon' : 'ok');

/**
 * The time a rep has left, as a card shows it: "12m left", "4m 05s left" (seconds once under
 * ten minutes, where every second shows), "1h 05m left", and once past due "Overdue 1h 05m".
 */
export function timeLeftText(secondsLeft: number): string {
  const s = Math.round(secondsLeft);
  if (s < 0) return `Overdue ${formatDuration(-s)}`;
  if (s >= 600 && s < 3600) return `${Math.floor(s / 60)}m left`;
  return `${formatDuration(s)} left`;
}

/**
 * Seconds left now, counted on this device's clock from when the answer arrived, so a device
 * whose clock is off still counts the server's `secondsLeft` down correctly.
 */
export const secondsLeftAt = (secondsLeft: number, receivedAtMs: number, nowMs: number): number => secondsLeft - (nowMs - receivedAtMs) / 1000;

/** A percentage with one decimal as the API gives it, or a dash when there is nothing to divide. */
export const percentText = (percent: number | undefined): string => (percent === undefined ? '-' : `${percent.toFixed(percent % 1 === 0 ? 0 : 1)}%`);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2024-12-14" -> "14 Dec" (a calendar day, no time zone involved). */
export function dayText(day: string): string {
  const [, , month, date] = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) ?? [];
  if (!month || !date) return day;
  return `${Number(date)} ${MONTHS[Number(month) - 1] ?? month}`;
}

/** A clock time in the viewer's time zone: "09:05:12". */
export const clockText = (date: Date, timeZone?: string): string =>
  new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(date);

/** A moment in the viewer's time zone: "14 Dec 2024, 09:05". */
export function dateTimeText(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(date);
}

/** An event's type in words: "follow-up-3-sent" -> "Day-3 follow-up sent". */
/** An amount in its currency, as a manager reads it: "€12,000", "US$8,500.50". */
export function moneyText(amount: number, currency: string | undefined): string {
  if (!currency) return new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(amount);
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: amount % 1 ? 2 : 0 }).format(amount);
  } catch {
    // A code Intl does not know: the number and the code as the CRM sent them.
    return `${new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(amount)} ${currency}`;
  }
}

/** The CRM's word for where the lead's deal stands, with its amount. */
export function pipelineText(pipeline: { stage: string; amount?: number; currency?: string; lostReason?: string }): string {
  const stage = ({ opportunity: 'Opportunity', won: 'Won', lost: 'Lost' } as Record<string, string>)[pipeline.stage] ?? pipeline.stage;
  const amount = pipeline.amount !== undefined ? `, ${moneyText(pipeline.amount, pipeline.currency)}` : '';
  return `${stage}${amount}${pipeline.stage === 'lost' && pipeline.lostReason ? ` (${pipeline.lostReason})` : ''}`;
}

export function eventText(type: string): string {
  const known: Record<string, string> = {
    submitted: 'Form submitted',
    'duplicate-submission': 'Submitted again',
    'sequence-started': 'Sequence started',
    scored: 'Scored',
    assigned: 'Assigned to a rep',
    disqualified: 'Disqualified',
    nurtured: 'Sent to nurture',
    'confirmation-sent': 'Confirmation email sent',
    'hot-alert-sent': 'Rep alerted',
    'escalation-sent': 'Escalation email sent',
    'team-lead-notice-sent': 'Team lead notified',
    escalated: 'Escalated to another rep',
    contacted: 'Marked contacted',
    accepted: 'Accepted',
    rejected: 'Rejected',
    unsubscribed: 'Unsubscribed',
    bounced: 'Email bounced',
    complained: 'Marked as spam',
    'email-rejected': 'Email refused by the mail service',
    'slack-posted': 'Alert posted in Slack',
    'slack-failed': 'Slack alert failed',
    texted: 'Alert texted to the rep',
    'text-failed': 'Text alert failed (the rep was alerted anyway)',
    'meeting-booked': 'Meeting booked',
    'meeting-rescheduled': 'Meeting moved',
    'meeting-cancelled': 'Meeting cancelled',
    closed: 'Sequence closed',
    'returned-to-nurture': 'Returned to nurture',
    'left-nurture': 'Left nurture',
    failed: 'Sequence failed',
    'pipeline-opportunity': 'Became an opportunity',
    'pipeline-won': 'Deal won',
    'pipeline-lost': 'Deal lost',
  };
  const followUp = /^follow-up-(\d+)-sent$/.exec(type);
  if (followUp) return `Day-${followUp[1]} follow-up sent`;
  const nurture = /^nurture-(\d+)-sent$/.exec(type);
  if (nurture) return `Nurture email ${nurture[1]} sent`;
  const words = known[type] ?? type.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A reject reason's code in words: "no-budget" -> "No budget". */
export const reasonText = (reason: string): string => {
  const words = reason.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** A timeline detail value as text: lists joined, nothing for undefined. */
export function detailText(detail: Record<string, unknown> | undefined): Array<[string, string]> {
  if (!detail) return [];
  return Object.entries(detail).flatMap(([key, value]) => {
    if (value === undefined || value === null || value === '') return [];
    const text = Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return [[key, text] as [string, string]];
  });
}
