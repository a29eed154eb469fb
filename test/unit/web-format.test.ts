import { describe, expect, it } from 'vitest';
import { dayText, detailText, eventText, percentText, pipelineText, reasonText, secondsLeftAt, timeLeftText, urgencyOf } from '../../web/format';

describe('time left on a card', () => {
  it('shows minutes from ten minutes up, seconds below, hours over an hour', () => {
    expect(timeLeftText(12 * 60 + 30)).toBe('12m left');
    expect(timeLeftText(10 * 60)).toBe('10m left');
    expect(timeLeftText(4 * 60 + 5)).toBe('4m 05s left');
    expect(timeLeftText(45)).toBe('45s left');
    expect(timeLeftText(0)).toBe('0s left');
    expect(timeLeftText(3600 + 5 * 60)).toBe('1h 05m left');
  });

  it('says overdue, by how long, once past due', () => {
    expect(timeLeftText(-1)).toBe('Overdue 1s');
    expect(timeLeftText(-(7 * 60 + 12))).toBe('Overdue 7m 12s');
    expect(timeLeftText(-(3600 + 5 * 60))).toBe('Overdue 1h 05m');
  });

  it('counts down from the answer on the device clock', () => {
    expect(secondsLeftAt(300, 1_000_000, 1_000_000)).toBe(300);
    expect(secondsLeftAt(300, 1_000_000, 1_060_000)).toBe(240);
    expect(secondsLeftAt(10, 0, 15_000)).toBe(-5);
  });

  it('is urgent under five minutes and overdue below zero', () => {
    expect(urgencyOf(5 * 60)).toBe('ok');
    expect(urgencyOf(5 * 60 - 1)).toBe('soon');
    expect(urgencyOf(0)).toBe('soon');
    expect(urgencyOf(-0.5)).toBe('overdue');
  });
});

describe('words for the data', () => {
  it('names days, percentages, reasons and events', () => {
    expect(dayText('2024-12-14')).toBe('14 Dec');
    expect(dayText('2025-01-05')).toBe('5 Jan');
    expect(dayText('not a day')).toBe('not a day');
    expect(percentText(82.1)).toBe('82.1%');
    expect(percentText(75)).toBe('75%');
    expect(percentText(undefined)).toBe('-');
    expect(reasonText('no-budget')).toBe('No budget');
    expect(eventText('follow-up-3-sent')).toBe('Day-3 follow-up sent');
    expect(eventText('hot-alert-sent')).toBe('Rep alerted');
    expect(eventText('something-new')).toBe('Something new');
  });

  it('shows a timeline detail as key: value pairs, leaving out empty ones', () => {
    expect(detailText({ reason: 'no-budget', note: undefined, reasons: ['a', 'b'], score: 80, ok: true })).toEqual([
      ['reason', 'no-budget'],
      ['reasons', 'a, b'],
      ['score', '80'],
      ['ok', 'true'],
    ]);
    expect(detailText(undefined)).toEqual([]);
  });
});

describe("a lead's pipeline in words", () => {
  it('names the stage with the amount in its currency, and why a deal was lost', () => {
    expect(pipelineText({ stage: 'opportunity', amount: 12000, currency: 'EUR' })).toBe('Opportunity, €12,000');
    expect(pipelineText({ stage: 'won', amount: 8500.5, currency: 'USD' })).toBe('Won, US$8,500.50');
    expect(pipelineText({ stage: 'lost', lostReason: 'Chose a competitor' })).toBe('Lost (Chose a competitor)');
    expect(pipelineText({ stage: 'won', amount: 100, currency: 'XYZ1' })).toBe('Won, 100 XYZ1');
    expect(eventText('pipeline-won')).toBe('Deal won');
  });
});
