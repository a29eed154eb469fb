import { describe, expect, it } from 'vitest';
import { applyPipelineChange, type Pipeline, type PipelineChange } from '@domain/pipeline';

let delivery = 0;
const change = (stage: PipelineChange['stage'], at: string, more: Partial<PipelineChange> = {}): PipelineChange => ({ stage, at, source: 'hubspot', deliveryId: `d${++delivery}`, ...more });

/** Applies the changes in order, as they arrived. */
const after = (...changes: PipelineChange[]) =>
  changes.reduce<Pipeline | undefined>((pipeline, next) => applyPipelineChange(pipeline, next).pipeline, undefined);

describe("a lead's pipeline, from the CRM's deliveries", () => {
  it('ends won whichever order the opportunity and the win arrive in, even stamped with the same time', () => {
    const opened = change('opportunity', '2026-11-01T10:00:00.000Z', { amount: 5000, currency: 'EUR' });
    const won = change('won', '2026-11-01T10:00:00.000Z');
    expect(after(opened, won)).toMatchObject({ stage: 'won', amount: 5000 });
    expect(after(won, opened)).toMatchObject({ stage: 'won', amount: 5000 });
  });

  it('keeps the earliest opportunity time and the newest amount by CRM time, not by arrival', () => {
    const pipeline = after(
      change('opportunity', '2026-11-05T00:00:00.000Z', { amount: 9000, currency: 'EUR' }),
      change('opportunity', '2026-11-02T00:00:00.000Z', { amount: 4000, currency: 'EUR' }),
    );
    expect(pipeline).toMatchObject({ opportunityAt: '2026-11-02T00:00:00.000Z', amount: 9000, amountAt: '2026-11-05T00:00:00.000Z' });
  });

  it('counts a lost deal as an opportunity that was lost, and drops the reason once it is reopened later', () => {
    const lost = after(change('lost', '2026-11-10T00:00:00.000Z', { lostReason: 'No budget' }));
    expect(lost).toMatchObject({ stage: 'lost', opportunityAt: '2026-11-10T00:00:00.000Z', lostReason: 'No budget' });
    const reopened = applyPipelineChange(lost, change('opportunity', '2026-11-12T00:00:00.000Z'));
    expect(reopened).toMatchObject({ changed: true, stageChanged: true });
    expect(reopened.pipeline).not.toHaveProperty('lostReason');
  });

  it('changes nothing for a delivery seen before, and remembers a bounded number of them', () => {
    const once = change('won', '2026-11-01T00:00:00.000Z', { amount: 100, currency: 'USD' });
    const pipeline = after(once);
    expect(applyPipelineChange(pipeline, once)).toEqual({ changed: false, pipeline });
    const many = Array.from({ length: 40 }, (_, i) => change('won', `2026-11-02T00:00:${String(i).padStart(2, '0')}.000Z`));
    expect(after(once, ...many)!.deliveries).toHaveLength(25);
  });
});
