import * as z from '@domain/zod';
import { IsoCountryCode } from '@domain/countries';

/**
 * The scoring model as data that ops edit (lib/config/scoring-model.json), validated here at
 * synth and at cold start. Patterns are case-insensitive regular expressions.
 */
const pattern = z.string().check(
  z.minLength(1),
  z.refine(
    (source) => {
      try {
        new RegExp(source, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be a valid regular expression' },
  ),
);
const points = z.number().check(z.int(), z.minimum(0), z.maximum(100));
const domain = z.string().check(z.regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, { error: 'must be a lower-case domain such as "example.com"' }));
const days = z.number().check(z.int(), z.minimum(1), z.maximum(365));

const Rule = z.strictObject({ pattern, points, label: z.string().check(z.minLength(1), z.maxLength(80)) });

export const ScoringModelSchema = z.strictObject({
  version: z.string().check(z.minLength(1), z.maxLength(40)),
  /** Score at or above which a lead is hot / warm. */
  grades: z.strictObject({ hot: points, warm: points }).check(z.refine((g) => g.hot > g.warm, { error: 'hot must be above warm' })),
  /** Caps: intent can weigh more than fit (and by default does). */
  maxPoints: z.strictObject({ fit: points, intent: points }).check(z.refine((m) => m.fit + m.intent <= 100, { error: 'fit + intent must be at most 100' })),
  fit: z.strictObject({
    /** Job titles, first match wins; several languages welcome. */
    seniority: z.array(Rule),
    /** Employee-count bands by lower bound, first match wins (largest first). */
    companySize: z.array(z.strictObject({ atLeast: z.number().check(z.int(), z.minimum(1)), points })),
    idealIndustries: z.strictObject({ pattern, points }),
    businessEmail: z.strictObject({ points, freeMailDomains: z.array(domain) }),
    /** ISO 3166 alpha-2 codes of the markets served. */
    countries: z.strictObject({ codes: z.array(IsoCountryCode), points }),
  }),
  intent: z.strictObject({
    /** Which form they used (formId), first match wins. */
    forms: z.array(Rule),
    pages: Rule,
    keywords: z.strictObject({ pattern, points }),
    paidMediums: z.strictObject({ pattern, points }),
    repeatVisit: z.strictObject({ withinDays: days, points }),
  }),
  triage: z.strictObject({
    /** Competitors and other domains whose leads are dropped. */
    blockedDomains: z.array(domain),
    /** Local parts of addresses no person reads (`noreply@`), and test addresses. */
    roleAccounts: pattern,
    disqualifyStudents: z.boolean(),
    /** Poor fit but strong intent: follow-ups, no alert. */
    nurture: z.strictObject({ fitBelow: points, intentAtLeast: points }),
    /** Target accounts: several contacts in the window flag "account activity" in the alert. */
    targetAccounts: z.array(domain),
    accountActivity: z.strictObject({ contacts: z.number().check(z.int(), z.minimum(2)), withinDays: days }),
  }),
});

export type ScoringModel = z.infer<typeof ScoringModelSchema>;

/** A model file that does not validate, with the path in it and what is wrong. */
export function parseScoringModel(data: unknown, file: string): ScoringModel {
  const parsed = ScoringModelSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new Error(`Invalid scoring model\n${problems.join('\n')}`);
}
