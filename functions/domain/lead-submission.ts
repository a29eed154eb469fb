import * as z from '@domain/zod';
import { isTimeZone } from '@domain/business-hours';
import { phoneProblem } from '@domain/phone';
import { parseWith } from '@domain/validation';

/**
 * What a form post may carry, and how it is read (`readLeadSubmission`). Its own module, apart
 * from the lead's types in `@domain/lead`: only intake needs the schema and the phone metadata
 * it checks with, and a function that imports the lead's types does not bundle them.
 */

// Anything a lead types may end up in an email or a header: single-line fields refuse control
// characters (CR/LF would let a value break out of a header), and lengths are capped.
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Forms send empty inputs as "": treat them as not given. */
const blankAsMissing = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const requiredText = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : 'must be text');

const singleLine = (max: number, error: string | ((issue: { input?: unknown }) => string) = 'must be text') =>
  z.string({ error }).check(
    z.trim(),
    z.maxLength(max, { error: `must be at most ${max} characters` }),
    z.refine((s) => !CONTROL.test(s), { error: 'must be a single line without control characters' }),
  );

const optional = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform(blankAsMissing), z.optional(schema));

const webUrl = z.string({ error: 'must be text' }).check(
  z.trim(),
  z.maxLength(2048, { error: 'must be at most 2048 characters' }),
  z.refine(
    (s) => {
      try {
        const url = new URL(s);
        return url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { error: 'must be an http(s) URL' },
  ),
);

const ianaTimeZone = z
  .string({ error: 'must be text' })
  .check(z.trim(), z.maxLength(64), z.refine(isTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin"' }));

const TRUE_WORDS = new Set(['true', 'on', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'off', 'no', '0']);
const consentFlag = z.pipe(
  z.transform((value: unknown) => {
    if (typeof value !== 'string') return value;
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return value;
  }),
  z.boolean({ error: 'must be true or false' }),
);

/**
 * What a website form may submit. Unknown fields are dropped (zod strips them), so nothing
 * the form adds is ever stored raw.
 */
export const LeadSubmissionSchema = z.object({
  email: z.pipe(
    z.transform((v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v)),
    z.pipe(
      z.string({ error: requiredText }).check(z.maxLength(254, { error: 'must be at most 254 characters' })),
      z.email({ error: 'must be a valid email address' }),
    ),
  ),
  name: z.pipe(z.transform(blankAsMissing), singleLine(120, requiredText)),
  company: optional(singleLine(200)),
  jobTitle: optional(singleLine(120)),
  companySize: optional(singleLine(40)),
  industry: optional(singleLine(100)),
  country: optional(singleLine(100)),
  // As typed (for display); intake keeps the E.164 form beside it for `tel:` links.
  phone: optional(
    singleLine(60).check(
      z.superRefine((typed, ctx) => {
        // A line break is already named above: one message per problem.
        const problem = CONTROL.test(typed) ? undefined : phoneProblem(typed);
        if (problem) ctx.issues.push({ code: 'custom', message: problem, input: typed });
      }),
    ),
  ),
  message: optional(
    z.string({ error: 'must be text' }).check(
      z.trim(),
      z.maxLength(5000, { error: 'must be at most 5000 characters' }),
      z.refine((s) => !CONTROL_EXCEPT_NEWLINES.test(s), { error: 'must not contain control characters' }),
    ),
  ),
  formId: optional(
    z
      .string({ error: 'must be text' })
      .check(z.trim(), z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, { error: 'must be 1-64 letters, digits, or - _ . :' })),
  ),
  pageUrl: optional(webUrl),
  referrer: optional(webUrl),
  utm_source: optional(singleLine(200)),
  utm_medium: optional(singleLine(200)),
  utm_campaign: optional(singleLine(200)),
  utm_term: optional(singleLine(200)),
  utm_content: optional(singleLine(200)),
  consent: optional(consentFlag),
  timezone: optional(ianaTimeZone),
  /** Honeypot: hidden from people, filled in by bots. */
  website: optional(z.string().check(z.maxLength(2048))),
});


/**
 * The fields a website's code fills, not the person: which form, the page and where it came
 * from, the campaign, the consent checkbox's wording, the browser's time zone. The person can
 * neither see nor fix them, so a bad one never costs the lead: it is clipped when a shorter
 * value is still true (a URL without its query, a campaign name cut to length), else dropped,
 * and the lead's timeline says which. Everything else the person typed, and a bad value there
 * is refused with the field named, so they can correct it.
 */
export const PAGE_FACTS = ['formId', 'pageUrl', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'consent', 'timezone'] as const;
export type PageFact = (typeof PAGE_FACTS)[number];

/** As the lead form script does: without the fragment, and without the query when that is what makes it too long. */
const clipUrl = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value.trim());
    url.hash = '';
    return url.href.length <= 2048 ? url.href : (url.origin + url.pathname).slice(0, 2048);
  } catch {
    return undefined;
  }
};
const clipLine = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) : undefined;
const CLIPS: Partial<Record<PageFact, (value: unknown) => string | undefined>> = {
  pageUrl: clipUrl,
  referrer: clipUrl,
  utm_source: clipLine,
  utm_medium: clipLine,
  utm_campaign: clipLine,
  utm_term: clipLine,
  utm_content: clipLine,
};

export interface ReadSubmission {
  submission: z.infer<typeof LeadSubmissionSchema>;
  /** Page facts left out because they were invalid, and those shortened to fit. */
  dropped: PageFact[];
  clipped: PageFact[];
}

/**
 * Reads a form post: page facts are clipped or dropped (and named), what the person typed is
 * validated, and a bad value there is a ValidationError naming each field.
 */
export function readLeadSubmission(body: unknown): ReadSubmission {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { submission: parseWith(LeadSubmissionSchema, body), dropped: [], clipped: [] };
  const kept: Record<string, unknown> = { ...body };
  const dropped: PageFact[] = [];
  const clipped: PageFact[] = [];
  for (const field of PAGE_FACTS) {
    if (!Object.hasOwn(kept, field)) continue;
    const schema = LeadSubmissionSchema.shape[field];
    if (z.safeParse(schema, kept[field]).success) continue;
    const shorter = CLIPS[field]?.(kept[field]);
    if (shorter !== undefined && z.safeParse(schema, shorter).success) {
      kept[field] = shorter;
      clipped.push(field);
    } else {
      delete kept[field];
      dropped.push(field);
    }
  }
  return { submission: parseWith(LeadSubmissionSchema, kept), dropped, clipped };
}
