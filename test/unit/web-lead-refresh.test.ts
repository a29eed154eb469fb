import { describe, expect, it } from 'vitest';
import type { LeadView } from '../../web/contract';
import { leadChange } from '../../web/lead-refresh';

const read = (changes: { lead?: Partial<LeadView['lead']>; timeline?: LeadView['timeline'] } = {}): LeadView =>
  ({
    lead: { leadId: 'lead-1', name: 'Dana', email: 'dana@example.com', status: 'new', secondsLeft: 600, dueAt: '2026-12-01T10:15:00.000Z', ...changes.lead },
    timeline: changes.timeline ?? [{ type: 'lead-created', at: '2026-12-01T10:00:00.000Z', actor: 'system' }],
    rejectReasons: ['not-a-fit', 'no-budget'],
  }) as unknown as LeadView;

describe('what a lead page re-read changed', () => {
  it('nothing, when only the countdown moved', () => {
    expect(leadChange(read(), read({ lead: { secondsLeft: 595 } }))).toBe('none');
  });

  it('the timeline, when an event was added', () => {
    const grown = read({ timeline: [...read().timeline, { type: 'rep-alerted', at: '2026-12-01T10:05:00.000Z', actor: 'system' }] });
    expect(leadChange(read(), grown)).toBe('timeline');
  });

  it('the lead, when someone answered it elsewhere, even if the timeline grew too', () => {
    const answered = read({ lead: { status: 'contacted', contactedAt: '2026-12-01T10:03:00.000Z' }, timeline: [...read().timeline, { type: 'rep-contacted', at: '2026-12-01T10:03:00.000Z', actor: 'ana@example.com' }] });
    expect(leadChange(read(), answered)).toBe('lead');
    expect(leadChange(read(), read({ lead: { escalated: true, ownerId: 'rep-tess' } }))).toBe('lead');
  });
});
