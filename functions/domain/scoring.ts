import type { LeadGrade, LeadSubmission } from '@domain/lead';

/**
 * A first, explainable score: fit (who they are) plus intent (what they did), each rule
 * adding points with a phrase a rep can check in a second. Intent weighs more than fit: a
 * manager asking for a demo is worth a call before a director reading a blog post.
 */
export const SCORE_MODEL_VERSION = 'v1';

export interface LeadScore {
  score: number;
  grade: LeadGrade;
  reasons: string[];
  model: string;
}

interface Signal {
  points: number;
  reason: string;
}

const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'aol.com',
  'icloud.com', 'me.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru',
]);

const SENIORITY: Array<[RegExp, number, string]> = [
  [/\b(ceo|cto|cfo|coo|cmo|cro|chief|founder|owner|president)\b/i, 25, 'executive'],
  [/\b(vp|vice president|director|head of)\b/i, 20, 'director-level'],
  [/\b(manager|lead)\b/i, 10, 'manager'],
];

/** Company size bands as forms usually offer them; the lower bound decides. */
function companySizePoints(size: string | undefined): Signal | undefined {
  const lower = Number(size?.match(/\d[\d,]*/)?.[0]?.replace(/,/g, ''));
  if (!Number.isFinite(lower)) return undefined;
  if (lower >= 1000) return { points: 20, reason: `${size} employees` };
  if (lower >= 200) return { points: 15, reason: `${size} employees` };
  if (lower >= 50) return { points: 10, reason: `${size} employees` };
  return undefined;
}

function fitSignals(lead: LeadSubmission): Signal[] {
  const signals: Signal[] = [];
  const title = lead.jobTitle ?? '';
  const seniority = SENIORITY.find(([pattern]) => pattern.test(title));
  if (seniority) signals.push({ points: seniority[1], reason: `${seniority[2]} (${title})` });
  const size = companySizePoints(lead.companySize);
  if (size) signals.push(size);
  const domain = lead.email.split('@')[1] ?? '';
  if (!FREE_MAIL.has(domain)) signals.push({ points: 10, reason: `business email (${domain})` });
  return signals;
}

const FORM_INTENT: Array<[RegExp, number, string]> = [
  [/demo/i, 40, 'asked for a demo'],
  [/(pricing|quote|trial)/i, 30, 'asked about pricing'],
  [/(contact|sales)/i, 25, 'contacted sales'],
  [/(download|ebook|whitepaper|report|webinar)/i, 10, 'downloaded content'],
  [/newsletter/i, 0, 'newsletter sign-up'],
];

const BUYING_WORDS = /\b(pricing|price|quote|trial|demo|buy|purchase|contract|budget)\b/i;

function intentSignals(lead: LeadSubmission): Signal[] {
  const signals: Signal[] = [];
  const form = FORM_INTENT.find(([pattern]) => pattern.test(lead.formId ?? ''));
  if (form && form[1] > 0) signals.push({ points: form[1], reason: form[2] });
  if (lead.pageUrl && /\/(pricing|plans|product)/i.test(new URL(lead.pageUrl).pathname)) {
    signals.push({ points: 10, reason: 'came from the pricing or product page' });
  }
  const buyingWord = lead.message?.match(BUYING_WORDS)?.[0];
  if (buyingWord) signals.push({ points: 15, reason: `mentioned "${buyingWord.toLowerCase()}"` });
  if (/^(cpc|ppc|paid|paid[-_ ]?social|display)$/i.test(lead.utm_medium ?? '')) {
    signals.push({ points: 5, reason: `paid campaign (${lead.utm_source ?? lead.utm_medium})` });
  }
  return signals;
}

export const gradeFor = (score: number): LeadGrade => (score >= 70 ? 'hot' : score >= 40 ? 'warm' : 'cold');

/** Deterministic: the same lead always gets the same score and reasons. */
export function scoreLead(lead: LeadSubmission): LeadScore {
  const signals = [...intentSignals(lead), ...fitSignals(lead)];
  const score = Math.min(100, signals.reduce((sum, s) => sum + s.points, 0));
  const reasons = [...signals].sort((a, b) => b.points - a.points).slice(0, 4).map((s) => s.reason);
  return { score, grade: gradeFor(score), reasons, model: SCORE_MODEL_VERSION };
}
