import { countryCode } from '@domain/countries';
import type { LeadGrade, LeadSubmission } from '@domain/lead';
import type { ScoringModel } from '@domain/scoring-model';

/**
 * An explainable score: fit (who they are) plus intent (what they did), each rule adding
 * points with a phrase a rep can check in a second, under the caps of the model. The same lead,
 * history and model always give the same score.
 */
export interface LeadHistory {
  /** When the same person submitted before (ISO), any order. */
  previousVisits: string[];
  /** Distinct people from the same company domain within the model's account window, this one included. */
  accountContacts: number;
}

export type Triage =
  | { decision: 'route' }
  | { decision: 'nurture'; reason: string }
  | { decision: 'disqualify'; reason: string };

export interface LeadScore {
  score: number;
  grade: LeadGrade;
  fit: number;
  intent: number;
  /** The strongest reasons first, as short phrases. */
  reasons: string[];
  /** The model version the score came from. */
  model: string;
  triage: Triage;
  /** Set for a target account with several contacts lately. */
  accountActivity?: string;
}

interface Signal {
  points: number;
  reason: string;
}

const DAY_MS = 86_400_000;
const matches = (pattern: string, text: string | undefined) => text !== undefined && new RegExp(pattern, 'i').test(text);
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "51-200", "1,000+", "10k", "5000": the band's lower bound in employees. */
export function employeesAtLeast(size: string | undefined): number | undefined {
  const match = size?.replace(/[,.\s](?=\d{3}\b)/g, '').match(/(\d+(?:\.\d+)?)\s*([km])?/i);
  if (!match) return undefined;
  const multiplier = { k: 1_000, m: 1_000_000 }[match[2]?.toLowerCase() ?? ''] ?? 1;
  return Math.round(Number(match[1]) * multiplier);
}

export const emailDomain = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

function fitSignals(lead: LeadSubmission, model: ScoringModel): Signal[] {
  const { fit } = model;
  const signals: Signal[] = [];
  const seniority = fit.seniority.find((rule) => matches(rule.pattern, lead.jobTitle));
  const employees = employeesAtLeast(lead.companySize);
  const size = employees === undefined ? undefined : fit.companySize.find((band) => employees >= band.atLeast);
  const industry = matches(fit.idealIndustries.pattern, lead.industry) ? lead.industry : undefined;

  // Who they are reads as one phrase: "Director at 201-500 employee SaaS company".
  const company = [size ? `${lead.companySize} employee` : '', industry ?? ''].filter(Boolean).join(' ');
  const whoPoints = (seniority?.points ?? 0) + (size?.points ?? 0) + (industry ? fit.idealIndustries.points : 0);
  if (whoPoints > 0) {
    const who = seniority ? capitalized(seniority.label) : undefined;
    const reason = who && company ? `${who} at ${company} company` : who ? `${who} (${lead.jobTitle})` : `at a ${company} company`;
    signals.push({ points: whoPoints, reason });
  }
  const domain = emailDomain(lead.email);
  if (!fit.businessEmail.freeMailDomains.includes(domain)) signals.push({ points: fit.businessEmail.points, reason: `business email (${domain})` });
  const country = countryCode(lead.country);
  if (country && fit.countries.codes.includes(country)) signals.push({ points: fit.countries.points, reason: `in a served market (${country})` });
  return signals.filter((s) => s.points > 0);
}

function intentSignals(lead: LeadSubmission & { submittedAt?: string }, model: ScoringModel, history: LeadHistory): Signal[] {
  const { intent } = model;
  const signals: Signal[] = [];
  const form = intent.forms.find((rule) => matches(rule.pattern, lead.formId));
  if (form) signals.push({ points: form.points, reason: form.label });
  if (lead.pageUrl && matches(intent.pages.pattern, new URL(lead.pageUrl).pathname)) signals.push({ points: intent.pages.points, reason: intent.pages.label });
  const word = lead.message?.match(new RegExp(intent.keywords.pattern, 'i'))?.[0];
  if (word) signals.push({ points: intent.keywords.points, reason: `mentioned "${word.toLowerCase()}"` });
  if (matches(intent.paidMediums.pattern, lead.utm_medium)) signals.push({ points: intent.paidMediums.points, reason: `paid campaign (${lead.utm_source ?? lead.utm_medium})` });

  const at = Date.parse(lead.submittedAt ?? '');
  const recent = Number.isNaN(at) ? [] : history.previousVisits.map(Date.parse).filter((t) => t < at && at - t <= intent.repeatVisit.withinDays * DAY_MS);
  if (recent.length > 0) {
    const days = Math.max(1, Math.ceil((at - Math.max(...recent)) / DAY_MS));
    const ordinal = ['second', 'third', 'fourth'][recent.length - 1] ?? `${recent.length + 1}th`;
    signals.push({ points: intent.repeatVisit.points, reason: `${ordinal} visit in ${days} day${days === 1 ? '' : 's'}` });
  }
  return signals.filter((s) => s.points > 0);
}

function triage(lead: LeadSubmission, model: ScoringModel, fit: number, intent: number): Triage {
  const { triage: rules } = model;
  const domain = emailDomain(lead.email);
  const local = lead.email.slice(0, lead.email.lastIndexOf('@')).toLowerCase();
  if (rules.blockedDomains.some((blocked) => domain === blocked || domain.endsWith(`.${blocked}`))) return { decision: 'disqualify', reason: `blocked domain (${domain})` };
  if (new RegExp(rules.roleAccounts, 'i').test(local)) return { decision: 'disqualify', reason: `role or test address (${local}@)` };
  if (rules.disqualifyStudents && (/\.edu$|\.ac\.[a-z]{2}$/.test(domain) || /\b(student|studentin|étudiant|estudiante|studente)\b/i.test(lead.jobTitle ?? ''))) {
    return { decision: 'disqualify', reason: 'student' };
  }
  if (fit < rules.nurture.fitBelow && intent >= rules.nurture.intentAtLeast) return { decision: 'nurture', reason: 'strong intent, poor fit' };
  return { decision: 'route' };
}

export const gradeFor = (score: number, model: Pick<ScoringModel, 'grades'>): LeadGrade =>
  score >= model.grades.hot ? 'hot' : score >= model.grades.warm ? 'warm' : 'cold';

const NO_HISTORY: LeadHistory = { previousVisits: [], accountContacts: 1 };

export function scoreLead(lead: LeadSubmission & { submittedAt?: string }, model: ScoringModel, history: LeadHistory = NO_HISTORY): LeadScore {
  const fitSignalsFound = fitSignals(lead, model);
  const intentSignalsFound = intentSignals(lead, model, history);
  const sum = (signals: Signal[]) => signals.reduce((total, s) => total + s.points, 0);
  const fit = Math.min(model.maxPoints.fit, sum(fitSignalsFound));
  const intent = Math.min(model.maxPoints.intent, sum(intentSignalsFound));
  const score = fit + intent;
  const reasons = [...intentSignalsFound, ...fitSignalsFound].sort((a, b) => b.points - a.points).slice(0, 4).map((s) => s.reason);
  const domain = emailDomain(lead.email);
  const { targetAccounts, accountActivity } = model.triage;
  const busyAccount = targetAccounts.includes(domain) && history.accountContacts >= accountActivity.contacts;
  return {
    score,
    grade: gradeFor(score, model),
    fit,
    intent,
    reasons,
    model: model.version,
    triage: triage(lead, model, fit, intent),
    ...(busyAccount ? { accountActivity: `${history.accountContacts} contacts from ${domain} in ${accountActivity.withinDays} days` } : {}),
  };
}
