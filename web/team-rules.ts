import type { TeamMember, TeamMemberChange } from './contract';
import { dayText } from './format';

/** What routing does with a rep now, in words: "Available", "Away until 14 Dec", "Inactive", "At cap 20/20". */
export function availabilityText(member: Pick<TeamMember, 'availability' | 'awayUntil' | 'dailyCap' | 'leadsToday'>): string {
  switch (member.availability) {
    case 'available':
      return 'Available';
    case 'away':
      return member.awayUntil ? `Away until ${dayText(member.awayUntil)}` : 'Away';
    case 'inactive':
      return 'Inactive';
    case 'at-cap':
      return `At cap ${member.leadsToday}/${member.dailyCap ?? member.leadsToday}`;
  }
}

/** The values a rep's row holds, as its inputs give them. */
export interface MemberForm {
  active: boolean;
  /** '' for none. */
  awayUntil: string;
  pools: string[];
  weight: string;
  /** '' for no cap. */
  dailyCap: string;
}

export type FieldIssue = { path: string; message: string };

/**
 * The change to send for a row: only the fields that differ from the rep as loaded, `null`
 * to clear the away date or the cap. Problems a person can fix before sending come back as
 * issues keyed like the API's.
 */
export function memberChange(member: TeamMember, form: MemberForm): { change: TeamMemberChange; issues: FieldIssue[] } {
  const change: TeamMemberChange = {};
  const issues: FieldIssue[] = [];
  if (form.active !== member.active) change.active = form.active;
  const away = form.awayUntil.trim();
  if (away && !/^\d{4}-\d{2}-\d{2}$/.test(away)) issues.push({ path: 'awayUntil', message: 'must be a date' });
  else if (away !== (member.awayUntil ?? '')) change.awayUntil = away || null;
  const pools = [...form.pools].sort();
  if (pools.join('\n') !== [...member.pools].sort().join('\n')) change.pools = pools;
  const weight = Number(form.weight);
  if (!/^\d+$/.test(form.weight.trim()) || weight < 1 || weight > 10) issues.push({ path: 'weight', message: 'must be a whole number from 1 to 10' });
  else if (weight !== member.weight) change.weight = weight;
  const capText = form.dailyCap.trim();
  if (capText && (!/^\d+$/.test(capText) || Number(capText) < 1)) issues.push({ path: 'dailyCap', message: 'must be a whole number of at least 1, or empty for no cap' });
  else {
    const cap = capText ? Number(capText) : undefined;
    if (cap !== member.dailyCap) change.dailyCap = cap ?? null;
  }
  return { change, issues };
}

/** An audit value as text: "(none)" for nothing, lists joined. */
export function auditValueText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(none)';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
