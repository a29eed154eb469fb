import * as z from '@domain/zod';

/**
 * What synth hands the functions that send email (EMAILS_FILE, `lib/emails.ts`): the messages'
 * compiled templates and the resources per form. Kept apart from the rendering
 * (`@domain/templates`) so that reading the stage config does not load Handlebars.
 */

/** One message's compiled template: its subject, HTML (as MJML made it) and text, each a precompiled Handlebars template (JavaScript). */
const CompiledEmailSchema = z.strictObject({
  /** The file it came from, for messages about it. */
  file: z.string(),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
});

export type CompiledEmail = z.infer<typeof CompiledEmailSchema>;

const ResourceSchema = z.strictObject({
  title: z.string().check(z.minLength(1), z.maxLength(120), z.regex(/^[^\u0000-\u001f\u007f]+$/, 'must be one line of text')),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. "https://www.example.com/case-studies/acme"' }),
});

export type Resource = z.infer<typeof ResourceSchema>;

/** What the templates can offer a lead who used a form: a case study, a guide, the pricing page. */
const FormResourcesSchema = z.strictObject({ caseStudy: z.optional(ResourceSchema), guide: z.optional(ResourceSchema), pricing: z.optional(ResourceSchema) });

export type FormResources = z.infer<typeof FormResourcesSchema>;

/** Resources per form (`formId`), and under "default" for every form without its own. */
export const ResourcesSchema = z.record(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a form id (letters, digits, "-" and "_") or "default"')), FormResourcesSchema);

export type Resources = z.infer<typeof ResourcesSchema>;

/** What synth hands the email-sending functions (EMAILS_FILE): every message's templates and the resources per form. */
export const EmailCatalogSchema = z.strictObject({
  /** By `<message>` and `<message>.<campaign or form>`. */
  templates: z.record(z.string(), CompiledEmailSchema),
  resources: ResourcesSchema,
});

export type EmailCatalog = z.infer<typeof EmailCatalogSchema>;

