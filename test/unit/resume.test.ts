import { describe, expect, it } from 'vitest';
import { scheduleFor, defaultSequence } from '@domain/sequence';
import { resumeInstant, type UnfinishedLead } from '../../local/resume';

const submittedAt = new Date('2025-03-03T09:00:00Z');
const lead = (steps: UnfinishedLead['steps']): UnfinishedLead => ({
  leadId: 'lead-1',
  submittedAt: submittedAt.toISOString(),
  schedule: scheduleFor(submittedAt, defaultSequence),
  status: 'new',
  steps,
});
const sent = { status: 'sent' as const, claimedAt: '2025-03-03T09:00:01Z', sentAt: '2025-03-03T09:00:02Z', messageId: 'm' };
const DAY = 86_400_000;

describe('resumeInstant: where a restarted lead picks up its simulated clock', () => {
  it('at submission when nothing was sent', () => {
    expect(resumeInstant(lead({}))).toEqual({ at: submittedAt.getTime() });
  });

  it('at the due time of the latest step it was sent, whatever order the record lists them in', () => {
    expect(resumeInstant(lead({ 'follow-up-3': sent, confirmation: sent, 'hot-alert': sent, 'follow-up-1': sent }))).toEqual({
      at: submittedAt.getTime() + 3 * DAY,
      after: 'follow-up-3',
    });
    expect(resumeInstant(lead({ confirmation: sent, 'hot-alert': sent }))).toEqual({ at: submittedAt.getTime() + 5 * 60_000, after: 'hot-alert' });
  });

  it('ignores steps claimed or failed but not sent: those run again', () => {
    const claimed = { status: 'claimed' as const, claimedAt: '2025-03-04T09:00:00Z' };
    expect(resumeInstant(lead({ confirmation: sent, 'follow-up-1': claimed, 'follow-up-3': { ...claimed, status: 'failed' } }))).toEqual({
      at: submittedAt.getTime(),
      after: 'confirmation',
    });
  });
});
