import { describe, expect, it } from 'vitest';
import { addDays, csvFileName, dashboardQueryString, parseDashboardQuery, presetOf, presetRange } from '../../web/dashboard-query';

describe("the dashboard's link", () => {
  const today = '2024-12-14';

  it('names the last 7, 30 or 90 days up to and including today', () => {
    expect(presetRange(7, today)).toEqual({ from: '2024-12-08', to: today });
    expect(presetRange(30, today)).toEqual({ from: '2024-11-15', to: today });
    expect(presetRange(90, '2024-03-31')).toEqual({ from: '2024-01-02', to: '2024-03-31' });
    expect(addDays('2024-03-30', 2)).toBe('2024-04-01');
    expect(presetOf(presetRange(90, today), today)).toBe(90);
    expect(presetOf({ from: '2024-12-01', to: today }, today)).toBeUndefined();
  });

  it('reads the period and the filters from the hash query, the last 30 days by default', () => {
    expect(parseDashboardQuery(new URLSearchParams(''), today)).toEqual(presetRange(30, today));
    expect(parseDashboardQuery(new URLSearchParams('from=2024-01-01&to=garbage'), today)).toEqual({ from: '2024-01-01', to: today });
    expect(parseDashboardQuery(new URLSearchParams('from=2024-02-01&to=2024-01-01'), today)).toEqual({ from: '2024-01-01', to: '2024-02-01' });
    expect(parseDashboardQuery(new URLSearchParams('from=2024-01-01&to=2024-01-31&source=google&rep=rep-ana&grade=hot&campaign=&junk=1'), today)).toEqual({
      from: '2024-01-01',
      to: '2024-01-31',
      source: 'google',
      rep: 'rep-ana',
      grade: 'hot',
    });
    expect(parseDashboardQuery(new URLSearchParams('grade=boiling'), today).grade).toBeUndefined();
  });

  it('writes the same query for the hash, the API and the CSV, and names the file by the period', () => {
    const query = { from: '2024-01-01', to: '2024-01-31', form: '(no form)', source: '(direct)' };
    expect(dashboardQueryString(query)).toBe('from=2024-01-01&to=2024-01-31&source=%28direct%29&form=%28no+form%29');
    expect(parseDashboardQuery(new URLSearchParams(dashboardQueryString(query)), today)).toEqual(query);
    expect(csvFileName(query)).toBe('speed-to-lead-2024-01-01-2024-01-31.csv');
  });
});
