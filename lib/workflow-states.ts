import { type Sequence, type Touch, touchesOf } from '@domain/sequence';
import { defaultSla } from '@domain/sla';

/**
 * The workflow's states by name and the path a lead takes through them, with no CDK: the
 * local stack, `npm start`, the soak and the tests read them without loading the constructs
 * lib/lead-workflow.ts builds the state machine with (and re-exports these from).
 */

/** State names as a marketer would draw the sequence; tests and the local runner share them. */
export const stateNames = {
  sendConfirmation: 'Send confirmation',
  scoreAndRoute: 'Score and route',
  isDisqualified: 'Disqualified?',
  shouldAlert: 'Hot lead to alert?',
  waitHotAlert: (minutes: number) => `Wait until minute ${minutes}`,
  alertRep: 'Alert rep',
  waitEscalation: (minutes: number) => `Wait until minute ${minutes} (hot-lead SLA)`,
  escalate: 'Escalate if not contacted',
  waitFollowUp: (day: number) => `Wait until day ${day}`,
  sendFollowUp: (day: number) => `Send day-${day} follow-up`,
  stopAfter: (day: number) => `Rep responded by day ${day}?`,
  closeLead: 'Close lead',
  returnedToNurture: 'Returned to nurture?',
  sequenceDone: 'Sequence done',
  waitNurture: (touch: number, day: number) => `Wait until nurture email ${touch} (day ${day})`,
  sendNurture: (touch: number) => `Send nurture email ${touch}`,
  stillInNurture: (touch: number) => `Still in nurture after email ${touch}?`,
  nurtureDone: 'Nurture track done',
  recordFailure: 'Record failure',
  failed: 'Sequence failed',
} as const;

/** Error the workflow ends with after a step failed for good (the failure alarm counts these). */
export const sequenceFailedError = 'LeadSequenceFailed';

/** Error name a step throws for a failure worth retrying soon (throttling, a busy dependency). */
export const transientErrorName = 'TransientError';

/** A touch's states: the wait for its due time (if any), its task, and the choice that may end the sequence after it. */
export function touchStates(touch: Touch): { wait?: string; task: string; endChoice?: string } {
  if (touch.task === 'confirmation') return { task: stateNames.sendConfirmation };
  if (touch.task === 'hot-alert') return { wait: stateNames.waitHotAlert(touch.afterMinutes), task: stateNames.alertRep };
  if (touch.task === 'escalate') return { wait: stateNames.waitEscalation(touch.afterMinutes), task: stateNames.escalate };
  const day = touch.day!;
  return { wait: stateNames.waitFollowUp(day), task: stateNames.sendFollowUp(day), endChoice: stateNames.stopAfter(day) };
}

/**
 * The states a lead passes through, in order, when nothing fails: `hot` leads get the rep
 * alert, and a follow-up answering `stop` (rep responded, unsubscribed, ...) ends the sequence
 * at that day. Read from the same touches the state machine is built from.
 */
export function sequencePath(sequence: Sequence, lead: { hot: boolean; stopAtDay?: number; disqualified?: boolean; nurture?: { stopAfter?: number } }, hotSlaMinutes: number = defaultSla.hot): string[] {
  const path: string[] = [stateNames.scoreAndRoute, stateNames.isDisqualified];
  if (lead.disqualified) return [...path, ...closePath(sequence, lead)];
  let previous: Touch | undefined;
  for (const touch of touchesOf(sequence, hotSlaMinutes)) {
    if (touch.hotOnly && !previous?.hotOnly) path.push(stateNames.shouldAlert);
    previous = touch;
    if (touch.hotOnly && !lead.hot) continue;
    const { wait, task, endChoice } = touchStates(touch);
    path.push(...(wait ? [wait] : []), task, ...(endChoice ? [endChoice] : []));
    if (endChoice && touch.day === lead.stopAtDay) break;
  }
  return [...path, ...closePath(sequence, lead)];
}

/**
 * From "Close lead" on: with a nurture track in the config, the choice after it, then either
 * the end or the nurture emails (all of them, or up to the one after which the lead had left).
 */
function closePath(sequence: Sequence, lead: { nurture?: { stopAfter?: number } }): string[] {
  if (!sequence.nurture) return [stateNames.closeLead];
  const path: string[] = [stateNames.closeLead, stateNames.returnedToNurture];
  if (!lead.nurture) return [...path, stateNames.sequenceDone];
  for (const [i, day] of sequence.nurture.afterDays.entries()) {
    path.push(stateNames.waitNurture(i + 1, day), stateNames.sendNurture(i + 1), stateNames.stillInNurture(i + 1));
    if (lead.nurture.stopAfter === i + 1) break;
  }
  return [...path, stateNames.nurtureDone];
}
