import { describe, expect, it } from 'vitest';
import { hashOf, parseRoute, queryString } from '../../web/route';

describe('hash routes', () => {
  it('reads the four pages, the queue by default', () => {
    expect(parseRoute('').name).toBe('queue');
    expect(parseRoute('#/').name).toBe('queue');
    expect(parseRoute('#/nonsense').name).toBe('queue');
    expect(parseRoute('#/queue?rep=rep-ana').query.get('rep')).toBe('rep-ana');
    expect(parseRoute('#/team').name).toBe('team');
    expect(parseRoute('#/dashboard?from=2024-01-01&to=2024-01-31').query.get('to')).toBe('2024-01-31');
    expect(parseRoute('#/leads/abc-123')).toMatchObject({ name: 'lead', leadId: 'abc-123' });
  });

  it('decodes a lead id, and keeps a malformed one as typed', () => {
    expect(parseRoute('#/leads/a%2Fb')).toMatchObject({ name: 'lead', leadId: 'a/b' });
    expect(parseRoute('#/leads/%E0%A4%A')).toMatchObject({ name: 'lead', leadId: '%E0%A4%A' });
    expect(parseRoute('#/leads/').name).toBe('queue');
  });

  it('builds the hash back, leaving out empty values', () => {
    expect(hashOf({ name: 'queue' })).toBe('#/queue');
    expect(hashOf({ name: 'lead', leadId: 'a/b' })).toBe('#/leads/a%2Fb');
    expect(hashOf({ name: 'dashboard', query: { from: '2024-01-01', to: '2024-01-31', rep: '', grade: undefined } })).toBe('#/dashboard?from=2024-01-01&to=2024-01-31');
    expect(parseRoute(hashOf({ name: 'lead', leadId: 'x?y#z' }))).toMatchObject({ name: 'lead', leadId: 'x?y#z' });
    expect(queryString(new URLSearchParams('a=1&b=&c=x y'))).toBe('a=1&c=x+y');
  });
});
