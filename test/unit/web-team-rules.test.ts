import { describe, expect, it } from 'vitest';
import type { TeamMember } from '@domain/team-app';
import { auditValueText, availabilityText, memberChange, type MemberForm } from '../../web/team-rules';

const ana: TeamMember = { id: 'rep-ana', name: 'Ana', email: 'ana@example.com', active: true, pools: ['dach', 'enterprise'], weight: 3, dailyCap: 20, leadsToday: 7, availability: 'available', version: 1 };
const formOf = (m: TeamMember): MemberForm => ({ active: m.active, awayUntil: m.awayUntil ?? '', pools: [...m.pools], weight: String(m.weight), dailyCap: m.dailyCap === undefined ? '' : String(m.dailyCap) });

describe('the team page', () => {
  it('says what routing does with a rep', () => {
    expect(availabilityText(ana)).toBe('Available');
    expect(availabilityText({ ...ana, availability: 'away', awayUntil: '2024-12-14' })).toBe('Away until 14 Dec');
    expect(availabilityText({ ...ana, availability: 'inactive' })).toBe('Inactive');
    expect(availabilityText({ ...ana, availability: 'at-cap', leadsToday: 20 })).toBe('At cap 20/20');
  });

  it('sends only what changed, null to clear the away date or the cap', () => {
    expect(memberChange(ana, formOf(ana))).toEqual({ change: {}, issues: [] });
    expect(memberChange(ana, { ...formOf(ana), awayUntil: '2024-12-14', weight: '5' }).change).toEqual({ awayUntil: '2024-12-14', weight: 5 });
    expect(memberChange({ ...ana, awayUntil: '2024-12-14' }, { ...formOf(ana), awayUntil: '' }).change).toEqual({ awayUntil: null });
    expect(memberChange(ana, { ...formOf(ana), dailyCap: '' }).change).toEqual({ dailyCap: null });
    expect(memberChange(ana, { ...formOf(ana), pools: ['enterprise', 'dach'] }).change).toEqual({});
    expect(memberChange(ana, { ...formOf(ana), pools: ['uk'], active: false }).change).toEqual({ active: false, pools: ['uk'] });
  });

  it('names the field a person must fix before sending', () => {
    expect(memberChange(ana, { ...formOf(ana), weight: '11' }).issues).toEqual([{ path: 'weight', message: 'must be a whole number from 1 to 10' }]);
    expect(memberChange(ana, { ...formOf(ana), weight: '2.5', dailyCap: '0' }).issues.map((i) => i.path)).toEqual(['weight', 'dailyCap']);
  });

  it('writes audit values as text', () => {
    expect(auditValueText(null)).toBe('(none)');
    expect(auditValueText(['a', 'b'])).toBe('a, b');
    expect(auditValueText(false)).toBe('no');
    expect(auditValueText(5)).toBe('5');
  });
});
