import { z } from 'zod';

/**
 * The scoring model as data that ops edit (lib/config/scoring-model.json), validated here at
 * synth and at cold start. Patterns are case-insensitive regular expressions.
 */
const pattern = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a valid regular expression' },
);
const points = z.number().int().min(0).max(100);
const domain = z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, { error: 'must be a lower-case domain such as "example.com"' });

const Rule = z.object({ pattern, points, label: z.string().min(1).max(80) }).strict();

export const ScoringModelSchema = z
  .object({
    version: z.string().min(1).max(40),
    /** Score at or above which a lead is hot / warm. */
    grades: z.object({ hot: points, warm: points }).strict().refine((g) => g.hot > g.warm, { error: 'hot must be above warm' }),
    /** Caps: intent can weigh more than fit (and by default does). */
    maxPoints: z.object({ fit: points, intent: points }).strict().refine((m) => m.fit + m.intent <= 100, { error: 'fit + intent must be at most 100' }),
    fit: z
      .object({
        /** Job titles, first match wins; several languages welcome. */
        seniority: z.array(Rule),
        /** Employee-count bands by lower bound, first match wins (largest first). */
        companySize: z.array(z.object({ atLeast: z.number().int().min(1), points }).strict()),
        idealIndustries: z.object({ pattern, points }).strict(),
        businessEmail: z.object({ points, freeMailDomains: z.array(domain) }).strict(),
        /** ISO 3166 alpha-2 codes of the markets served. */
        countries: z.object({ codes: z.array(z.string().regex(/^[A-Z]{2}$/, { error: 'must be an ISO code such as "DE"' })), points }).strict(),
      })
      .strict(),
    intent: z
      .object({
        /** Which form they used (formId), first match wins. */
        forms: z.array(Rule),
        pages: Rule,
        keywords: z.object({ pattern, points }).strict(),
        paidMediums: z.object({ pattern, points }).strict(),
        repeatVisit: z.object({ withinDays: z.number().int().min(1).max(365), points }).strict(),
      })
      .strict(),
    triage: z
      .object({
        /** Competitors and other domains whose leads are dropped. */
        blockedDomains: z.array(domain),
        /** Local parts of addresses no person reads (`noreply@`), and test addresses. */
        roleAccounts: pattern,
        disqualifyStudents: z.boolean(),
        /** Poor fit but strong intent: follow-ups, no alert. */
        nurture: z.object({ fitBelow: points, intentAtLeast: points }).strict(),
        /** Target accounts: several contacts in the window flag "account activity" in the alert. */
        targetAccounts: z.array(domain),
        accountActivity: z.object({ contacts: z.number().int().min(2), withinDays: z.number().int().min(1).max(365) }).strict(),
      })
      .strict(),
  })
  .strict();

export type ScoringModel = z.infer<typeof ScoringModelSchema>;

/** A model file that does not validate, with the path in it and what is wrong. */
export function parseScoringModel(data: unknown, file: string): ScoringModel {
  const parsed = ScoringModelSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new Error(`Invalid scoring model\n${problems.join('\n')}`);
}
