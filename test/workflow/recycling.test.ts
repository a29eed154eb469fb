import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeployConfigSchema, loadConfig } from '../../lib/config';
import { sequencePath, stateNames } from '../../lib/lead-workflow';
import { unsubscribeOneClick } from '../../local/people';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { eventText } from '../../web/format';
import { emailsTo, waitForEmails } from '../support/inbox';
import { executionArnOf, markContacted, postLead, statesEntered, uniqueEmail, warmLead } from '../support/leads';
import { storeOf } from '../support/store';

/**
 * Recycling on the state machine CDK synthesizes, run by the local runner with the real
 * handlers and emulators: a rep's "not now" rejection returns the lead to marketing (a nurture
 * email on days 30, 60 and 90) instead of silence; spam ends it; an unsubscribe or a new
 * submission ends the track. Until the rep has answered a simulated day takes a real second
 * (the answer comes before the day-1 follow-up); then one takes 50 ms.
 */
const config = DeployConfigSchema.parse({
  ...loadConfig('dev'),
  sequence: { hotAlertAfterMinutes: 5, followUpDays: [1, 3], nurture: { reasons: ['no-timeline', 'no-budget'], afterDays: [30, 60, 90] } },
});
const UNTIL_ANSWERED = 86_400;
const AFTER_ANSWER = 86_400 / 0.05;

let stack: LocalStack;
let store: ReturnType<typeof storeOf>;

beforeAll(async () => {
  stack = await startLocalStack({ config, timeScale: UNTIL_ANSWERED, retryIntervalMs: 20 });
  store = storeOf(stack);
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => stack.runner.setTimeScale(UNTIL_ANSWERED));

const NURTURE_SUBJECT = /^Wes, checking in/;

async function finished(leadId: string) {
  const execution = await stack.runner.waitFor(executionArnOf(stack, leadId));
  expect(execution.error ?? 'no error').toBe('no error');
  expect(execution.status).toBe('SUCCEEDED');
}

/** A warm lead the rep answers at once with this outcome; then the clock runs fast. */
async function rejectedLead(reason: string, afterAnswer = AFTER_ANSWER) {
  const email = uniqueEmail('wes');
  const { body } = await postLead(stack, warmLead(email));
  const leadId = body.leadId as string;
  // The rep answers once the lead has its confirmation, before the day-1 follow-up.
  await waitForEmails(stack.sesUrl, email, (emails) => emails.length > 0);
  expect((await markContacted(stack, leadId, { outcome: 'rejected', reason })).status).toBe(200);
  stack.runner.setTimeScale(afterAnswer);
  return { email, leadId };
}

const subjectsTo = async (email: string) => (await emailsTo(stack.sesUrl, email)).map((e) => e.subject);
const eventTypes = async (leadId: string) => (await store.leads.listEvents(leadId)).map((event) => event.type);

describe('a "not now" rejection', () => {
  it('returns the lead to nurture: a nurture email on days 30, 60 and 90 instead of silence, and the timeline says so', async () => {
    const { email, leadId } = await rejectedLead('no-timeline');
    await finished(leadId);
    // The day-1 follow-up found the lead answered, "Close lead" returned it to nurture, then the three emails.
    expect(statesEntered(stack, leadId)).toEqual(sequencePath(config.sequence, { hot: false, stopAtDay: 1, nurture: {} }, config.slaMinutes.hot));
    expect(await subjectsTo(email)).toEqual([
      expect.stringMatching(/^Thanks, Wes/),
      'Wes, checking in',
      'Wes, checking in',
      'Wes, checking in one last time',
    ]);
    const nurtureEmails = (await emailsTo(stack.sesUrl, email)).filter((e) => NURTURE_SUBJECT.test(e.subject));
    for (const sent of nurtureEmails) expect(sent.body.text).toMatch(/Unsubscribe from these emails: http/);

    expect(await store.leads.getLead(leadId)).toMatchObject({ status: 'nurture', outcome: 'rejected', rejectReason: 'no-timeline', nurturedAt: expect.any(String) });
    const events = await store.leads.listEvents(leadId);
    expect(events.find((event) => event.type === 'returned-to-nurture')).toMatchObject({ actor: 'system', detail: { reason: 'no-timeline', emails: 3 } });
    expect(eventText('returned-to-nurture')).toBe('Returned to nurture');
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['rejected', 'returned-to-nurture', 'nurture-1-sent', 'nurture-2-sent', 'nurture-3-sent']));
    expect(events.map((event) => event.type)).not.toContain('closed');
  });
});

describe('what ends a lead or its nurture track', () => {
  it('spam ends the lead: closed, no nurture email', async () => {
    const { email, leadId } = await rejectedLead('spam');
    await finished(leadId);
    expect(statesEntered(stack, leadId)).toEqual(sequencePath(config.sequence, { hot: false, stopAtDay: 1 }, config.slaMinutes.hot));
    expect(statesEntered(stack, leadId).slice(-2)).toEqual([stateNames.returnedToNurture, stateNames.sequenceDone]);
    expect((await subjectsTo(email)).filter((subject) => NURTURE_SUBJECT.test(subject))).toEqual([]);
    expect(await eventTypes(leadId)).not.toContain('returned-to-nurture');
    expect((await store.leads.getLead(leadId))?.status).toBe('contacted');
  });

  it('an unsubscribe after the first nurture email: no second one, and the track ends there', async () => {
    const { email, leadId } = await rejectedLead('no-budget');
    await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => NURTURE_SUBJECT.test(e.subject)));
    expect((await unsubscribeOneClick(stack, leadId)).status).toBe(200);
    await finished(leadId);
    expect(statesEntered(stack, leadId)).toEqual(sequencePath(config.sequence, { hot: false, stopAtDay: 1, nurture: { stopAfter: 2 } }, config.slaMinutes.hot));
    expect((await subjectsTo(email)).filter((subject) => NURTURE_SUBJECT.test(subject))).toEqual(['Wes, checking in']);
  });

  it('a recycled lead that submits again is scored and routed afresh, its score says it came back, and the old track ends', async () => {
    // 30 simulated days in 5 real seconds: time to submit again between two nurture emails.
    const { email, leadId } = await rejectedLead('no-timeline', 86_400 / 0.17);
    await waitForEmails(stack.sesUrl, email, (emails) => emails.some((e) => NURTURE_SUBJECT.test(e.subject)));
    // Back through another form (the same form within a day is a repeat of the first submission).
    const again = await postLead(stack, { ...warmLead(email), formId: 'contact', message: 'We have a budget now' });
    expect(again.status).toBe(202);
    const newLeadId = again.body.leadId as string;
    expect(newLeadId).not.toBe(leadId);
    await finished(leadId);
    expect(statesEntered(stack, leadId)).toEqual(sequencePath(config.sequence, { hot: false, stopAtDay: 1, nurture: { stopAfter: 2 } }, config.slaMinutes.hot));
    expect((await store.leads.listEvents(leadId)).find((event) => event.type === 'left-nurture')).toMatchObject({ actor: 'lead', detail: { why: 'submitted again' } });

    // The new lead: its own sequence, scored and given an owner again, with the earlier visit as a reason.
    const fresh = await store.leads.getLead(newLeadId);
    expect(fresh).toMatchObject({ grade: expect.any(String), ownerId: expect.any(String) });
    expect(fresh?.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^second visit in \d+ days?$/)]));
    expect(statesEntered(stack, newLeadId).slice(0, 2)).toEqual([stateNames.scoreAndRoute, stateNames.isDisqualified]);
    expect((await subjectsTo(email)).filter((subject) => NURTURE_SUBJECT.test(subject))).toEqual(['Wes, checking in']);
  });
});
