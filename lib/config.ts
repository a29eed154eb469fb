import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { type RouteHandlerName, routes } from './routes';
import { CrmMappingSchema } from '@commons/env';
import { RepSchema } from '@domain/rep';
import { BookingOfferSchema } from '@domain/booking';
import { RoutingSchema, unknownChannelPools, unknownReps } from '@domain/routing';
import { SmsSettingsSchema } from '@domain/sms';
import { parseScoringModel, type ScoringModel } from '@domain/scoring-model';
import { SequenceSchema } from '@domain/sequence';
import { defaultSla, SlaSchema } from '@domain/sla';
import { ResourcesSchema } from '@domain/email-catalog';

/** Where the per-stage deploy configs live (`lib/config/<stage>.json`). */
export const configDir = fileURLToPath(new URL('./config', import.meta.url));

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The values of CDK's `RetentionDays` enum (a numeric TS enum also maps names back to numbers). */
const retentionDayValues = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

/** An origin as browsers send it in `Origin` (no path), so CORS matches it exactly. */
const OriginSchema = z.url({ protocol: /^https?$/ }).transform((text, ctx) => {
  const url = new URL(text);
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    ctx.addIssue({ code: 'custom', message: 'must be an origin like "https://www.example.com" (no path, query or trailing path)' });
    return z.NEVER;
  }
  return url.origin;
});

/** A display name that is safe inside `"Name <email>"` without quoting. */
const SenderNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^"<>\r\n]+$/, 'must not contain quotes, angle brackets or line breaks, e.g. "Acme Sales"');

/** An SES identity: a domain ("example.com") or an email address. */
const SesIdentitySchema = z
  .string()
  .regex(
    /^(?:[^@\s]+@)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    'must be a verified SES identity: a domain like "example.com" or an email address',
  );

/**
 * The sender's physical postal address, printed in every lead email's footer: CAN-SPAM requires
 * a valid one in every commercial message. One line, or up to six lines (street, city, ...).
 */
const PostalAddressSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required: CAN-SPAM requires a physical postal address in every commercial email, e.g. "Example Sales Inc., 1 Main St, Springfield, IL 62701, USA"' : 'must be text') })
  .trim()
  .min(10, 'must be a full postal address (street, city, postal code, country)')
  .max(300, 'must be at most 300 characters')
  .regex(/^[^\u0000-\u0009\u000b-\u001f\u007f]+$/, 'must be text: lines separated by "\\n", no other control characters')
  .refine((address) => address.split('\n').length <= 6, 'must be at most 6 lines');

export const SenderSchema = z
  .object({
    email: z.email(),
    name: SenderNameSchema,
    identity: SesIdentitySchema,
    postalAddress: PostalAddressSchema,
    configurationSet: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, "-" and "_", up to 64').optional(),
  })
  .strict()
  .superRefine((sender, ctx) => {
    // SES authorizes the send against this identity, and IAM is scoped to it: a mismatch
    // would only show up as AccessDenied on the first email.
    const identity = sender.identity.toLowerCase();
    const email = sender.email.toLowerCase();
    const domain = email.slice(email.lastIndexOf('@') + 1);
    const matches = identity.includes('@') ? identity === email : domain === identity || domain.endsWith(`.${identity}`);
    if (!matches) {
      ctx.addIssue({
        code: 'custom',
        path: ['identity'],
        message: `must be sender.email or its domain (e.g. "${domain}"): SES sends from an address only through a matching identity`,
      });
    }
  });

const RouteThrottleSchema = z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().min(0) }).strict();
const routeKeys = routes.map((route) => `${route.method} ${route.path}`);

export const ThrottlingSchema = RouteThrottleSchema.extend({
  /** Tighter limits per route, e.g. `"POST /leads"` for the public form. */
  routes: z
    .record(z.string(), RouteThrottleSchema)
    .superRefine((limits, ctx) => {
      for (const key of Object.keys(limits).filter((key) => !routeKeys.includes(key))) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must be a route of the API: ${routeKeys.join(', ')}` });
      }
    })
    .optional(),
}).strict();

/** AWS WAF counts 10 to 2,000,000,000 requests per client in a rate rule's window. */
const PerIpLimitSchema = z
  .number()
  .int()
  .min(10, 'AWS WAF limits at least 10 requests per IP in 5 minutes: use 10 or more')
  .max(2_000_000_000, 'AWS WAF limits at most 2,000,000,000 requests per IP in 5 minutes');

/**
 * The optional edge firewall (lib/lead-firewall.ts): CloudFront with an AWS WAF web ACL in
 * front of the API, because WAF cannot attach to an HTTP API itself.
 */
export const FirewallSchema = z
  .object({
    /** Requests one client IP may make to the whole API in any 5 minutes; then 429 until it slows down. */
    ratePerIpPer5Min: PerIpLimitSchema,
    /** A tighter limit for `POST /leads` per client IP (the form is what abuse aims at). */
    leadsPerIpPer5Min: PerIpLimitSchema.optional(),
    /** AWS's common rule set: "count" records what it would block (watch it first), "block" enforces it, "off". */
    managedRules: z.enum(['count', 'block', 'off']).default('count'),
    /** An ACM certificate in us-east-1 for publicBaseUrl's host, so the distribution answers on that domain. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/, 'must be the ARN of an ACM certificate in us-east-1 (CloudFront takes certificates only from there)')
      .optional(),
  })
  .strict();

export type Firewall = z.infer<typeof FirewallSchema>;

/** The SAML claims most identity providers (Entra ID, Okta, Google Workspace's SAML app) send. */
export const samlClaims = {
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
} as const;

/** Names Cognito keeps for its own and its social providers: a SAML provider may not take them. */
const reservedProviderNames = ['COGNITO', 'Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple'];

const ProviderLabelSchema = z.string().trim().min(1).max(40).regex(/^[^<>\r\n]+$/, 'must be plain text without angle brackets or line breaks, e.g. "Okta"');

/** Google Workspace through Google's OAuth client: its id here, its secret only in Secrets Manager. */
const GoogleProviderSchema = z
  .object({
    type: z.literal('google'),
    clientId: z.string().regex(/^[\w.-]+\.apps\.googleusercontent\.com$/, 'must be the OAuth client id from Google Cloud, ending in ".apps.googleusercontent.com"'),
    clientSecretName: z
      .string()
      .regex(/^[\w/+=.@-]{1,512}$/, 'must be the name of a Secrets Manager secret (letters, digits and /_+=.@-), e.g. "speed-to-lead/prod/google-client-secret"')
      .refine((name) => !/^GOCSPX-/.test(name), 'looks like the client secret itself: store it in Secrets Manager and give the secret\'s name here (a secret never goes in this file)'),
    /** The button's words after "Sign in with"; "Google" by default. */
    label: ProviderLabelSchema.optional(),
  })
  .strict();

/** A SAML 2.0 identity provider (Entra ID, Okta, Google Workspace's SAML app, ...), read from its metadata URL. */
const SamlProviderSchema = z
  .object({
    type: z.literal('saml'),
    /** Cognito's name for it: the `identity_provider` the app's button asks for. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{1,31}$/, 'must be 2 to 32 letters, digits, "." or "-" (no spaces or "_"), e.g. "Okta"')
      .refine((name) => !reservedProviderNames.includes(name), `must not be one of Cognito's own names (${reservedProviderNames.join(', ')})`),
    metadataUrl: z.url({ protocol: /^https$/, error: 'must be the https URL of the provider\'s SAML metadata, e.g. "https://login.microsoftonline.com/<tenant>/federationmetadata/2007-06/federationmetadata.xml?appid=<app>"' }),
    /** The SAML attributes (claims) that carry the user's email and name. */
    attributes: z
      .object({ email: z.string().min(1).default(samlClaims.email), name: z.string().min(1).default(samlClaims.name) })
      .strict()
      .default(samlClaims),
    /** The button's words after "Sign in with"; the name by default. */
    label: ProviderLabelSchema.optional(),
  })
  .strict();

export const IdentityProviderSchema = z.discriminatedUnion('type', [GoogleProviderSchema, SamlProviderSchema], {
  error: 'must have "type": "google" (with clientId and clientSecretName) or "saml" (with name and metadataUrl)',
});

export type IdentityProviderConfig = z.infer<typeof IdentityProviderSchema>;

/**
 * The team app's sign-in through a company's identity provider (lib/team-sign-in.ts): Cognito's
 * hosted domain and the providers the app offers as "Sign in with ..." buttons. Absent: the app
 * signs in invited users with their password only.
 */
export const TeamSignInSchema = z
  .object({
    /** `<prefix>.auth.<region>.amazoncognito.com`: unique in the region, so include the company's name. */
    domainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash, e.g. "acme-sales-team"')
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain "aws", "amazon" or "cognito" (Cognito refuses them)'),
    identityProviders: z
      .array(IdentityProviderSchema)
      .default([])
      .superRefine((providers, ctx) => {
        const names = providers.map((provider) => (provider.type === 'google' ? 'Google' : provider.name));
        names.forEach((name, i) => {
          if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `names provider "${name}" a second time: each provider once` });
        });
      }),
  })
  .strict();

export type TeamSignInConfig = z.infer<typeof TeamSignInSchema>;

/** The API's handlers, the functions anyone on the internet can invoke. */
const publicFunctions = [...new Set(routes.map((route) => route.handler))] as [RouteHandlerName, ...RouteHandlerName[]];

/**
 * Concurrent executions reserved for (and capping) each public function, e.g. `{"intake": 50}`,
 * so a flood of form posts throttles at its own function instead of taking the workflow's steps'
 * share of the account's concurrency. Lambda keeps 100 of the account's limit unreserved.
 */
export const ReservedConcurrencySchema = z
  .record(z.string(), z.number().int('must be a whole number of concurrent executions').min(1, 'must be at least 1 (0 would refuse every request)'))
  .superRefine((reserved, ctx) => {
    for (const key of Object.keys(reserved).filter((key) => !(publicFunctions as string[]).includes(key))) {
      ctx.addIssue({ code: 'custom', path: [key], message: `must be a public function: ${publicFunctions.join(', ')}` });
    }
  })
  .transform((reserved) => reserved as Partial<Record<RouteHandlerName, number>>);

export const DeployConfigSchema = z
  .object({
    stage: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lowercase letters, digits and dashes, e.g. "prod"'),
    sender: SenderSchema,
    /** Base of the links in emails; by default the API's own endpoint. */
    publicBaseUrl: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** Sites whose forms post leads (CORS). */
    siteOrigins: z.array(OriginSchema),
    reps: z
      .array(RepSchema)
      .min(1)
      .refine((reps) => new Set(reps.map((r) => r.id)).size === reps.length, 'rep ids must be unique')
      .refine((reps) => reps.some((r) => r.active), 'at least one rep must be active, or no lead has an owner'),
    /** Account owners, territories and pools; absent: every active rep in one round-robin pool. */
    routing: z.optional(RoutingSchema),
    sequence: SequenceSchema,
    throttling: ThrottlingSchema,
    reservedConcurrency: ReservedConcurrencySchema.optional(),
    /** Optional: CloudFront + AWS WAF (rate limit per client IP) in front of the API; off when absent. */
    firewall: FirewallSchema.optional(),
    linkTtlDays: z.number().int().min(1).max(365).default(30),
    /** Minutes to first contact each grade may wait (the SLA the report and metrics measure). */
    slaMinutes: z._default(SlaSchema, defaultSla),
    /** What the emails offer a lead, per form (its formId) or "default": a case study, a guide, the pricing page (lib/config/emails/ uses them). */
    resources: z.optional(ResourcesSchema),
    /** What each CRM's fields mean to us (HubSpot's lead statuses, lifecycle and deal stages); each CRM's defaults when absent. */
    crm: z.optional(CrmMappingSchema),
    /** Optional: hot-lead alerts also as texts to reps who give their mobile (smsAlertsTo), sent from this End User Messaging SMS number or pool. */
    sms: z.optional(SmsSettingsSchema),
    /** Which leads the form's thank-you offers a meeting with their rep (grades, forms); absent: hot leads, every form (docs/booking.md). */
    bookingOffer: z.optional(BookingOfferSchema),
    /** Days a lead and its timeline are kept (DynamoDB TTL) before they are deleted. */
    retentionDays: z.number().int().min(1).max(3650).default(400),
    logRetentionDays: z
      .number()
      .refine((days) => retentionDayValues.includes(days), `must be one of CDK's RetentionDays: ${retentionDayValues.join(', ')}`),
    alarmEmail: z.email().optional(),
    /** Optional: sign-in through the company's identity provider (Google Workspace, SAML); password sign-in only when absent. */
    teamSignIn: TeamSignInSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const id of config.routing ? unknownReps(config.routing, config.reps) : []) {
      ctx.addIssue({ code: 'custom', path: ['routing'], message: `names rep "${id}", which is not in reps` });
    }
    for (const pool of config.routing ? unknownChannelPools(config.routing) : []) {
      ctx.addIssue({ code: 'custom', path: ['routing', 'slackChannels', pool], message: `is not a pool: the pools are ${Object.keys(config.routing!.pools).map((p) => `"${p}"`).join(', ')}` });
    }
    // A rep's texts need a number to send them from.
    config.reps.forEach((rep, i) => {
      if (rep.smsAlertsTo && !config.sms) ctx.addIssue({ code: 'custom', path: ['reps', i, 'smsAlertsTo'], message: 'needs "sms": { "originationIdentity": "<phone or pool id>" } in the stage config, the number texts are sent from' });
    });
    // An unanswered hot lead is escalated when its SLA runs out: after the alert, before day one.
    const { hotAlertAfterMinutes, followUpDays } = config.sequence;
    if (config.slaMinutes.hot <= hotAlertAfterMinutes || config.slaMinutes.hot >= followUpDays[0]! * 24 * 60) {
      ctx.addIssue({ code: 'custom', path: ['slaMinutes', 'hot'], message: `must be after the alert (minute ${hotAlertAfterMinutes}) and before the first follow-up (day ${followUpDays[0]})` });
    }
    // Cognito sends the browser back only to https callback URLs (http only for localhost).
    if (config.teamSignIn && config.publicBaseUrl && !/^https:|^http:\/\/localhost[:/]/.test(config.publicBaseUrl)) {
      ctx.addIssue({ code: 'custom', path: ['publicBaseUrl'], message: 'must be https:// with teamSignIn: Cognito returns signed-in users only to an https address (<publicBaseUrl>/app/)' });
    }
    if (config.firewall) firewallIssues(config.firewall, config.publicBaseUrl).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
  });

/** What the firewall needs from the rest of the config: links must reach the API through it. */
function firewallIssues(firewall: Firewall, publicBaseUrl: string | undefined): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  if (firewall.leadsPerIpPer5Min !== undefined && firewall.leadsPerIpPer5Min > firewall.ratePerIpPer5Min) {
    issues.push({ path: ['firewall', 'leadsPerIpPer5Min'], message: `must not exceed ratePerIpPer5Min (${firewall.ratePerIpPer5Min}): every lead posted counts against that too` });
  }
  if (publicBaseUrl && !firewall.certificateArn) {
    // Links in emails would go to a domain the distribution does not answer on, around the firewall.
    issues.push({ path: ['firewall', 'certificateArn'], message: `is needed with publicBaseUrl: an ACM certificate in us-east-1 for ${new URL(publicBaseUrl).host}, so the distribution answers on that domain (or remove publicBaseUrl to link to the distribution's own domain)` });
  }
  if (firewall.certificateArn && !publicBaseUrl) {
    issues.push({ path: ['firewall', 'certificateArn'], message: 'needs publicBaseUrl: the https://<domain> the certificate is for, which links and forms then use' });
  }
  if (firewall.certificateArn && publicBaseUrl && !/^https:\/\/[^/]+$/.test(publicBaseUrl)) {
    issues.push({ path: ['publicBaseUrl'], message: 'must be https://<domain> with no path when the firewall serves it (the API\'s routes start at the root)' });
  }
  return issues;
}

/** The SES configuration set every email is sent through (the stack creates it). */
export const configurationSetName = (config: Pick<DeployConfig, 'stage' | 'sender'>): string => config.sender.configurationSet ?? `speed-to-lead-${config.stage}`;

/** The scoring model ops edit; the functions bundle the same file. */
export const scoringModelFile = join(configDir, 'scoring-model.json');

/** Reads and validates the scoring model, naming the file, the path in it and what is wrong. */
export function loadScoringModel(file: string = scoringModelFile): ScoringModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${displayPath(file)}: not readable JSON: ${(error as Error).message}`);
  }
  return parseScoringModel(raw, displayPath(file));
}

export type DeployConfig = z.infer<typeof DeployConfigSchema>;

/** A config file's name as the user would type it: relative to the repo when inside it. */
function displayPath(file: string): string {
  const rel = relative(repoRoot, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * Reads and validates `<dir>/<stage>.json`. Every problem is reported as
 * `<file>: <field path>: <what is wrong>`, so a bad deploy config fails at synth, not at the
 * first lead.
 */
export function loadConfig(stage: string, dir: string = configDir): DeployConfig {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(stage)) {
    throw new Error(`stage "${stage}": use lowercase letters, digits and dashes, e.g. "dev" or "prod"`);
  }
  const file = resolve(join(dir, `${stage}.json`));
  const shown = displayPath(file);

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${shown}: not found; copy ${displayPath(join(configDir, 'dev.json'))} and edit it for stage "${stage}"`);
  }

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${shown}: not valid JSON: ${(error as Error).message}`);
  }

  const parsed = DeployConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${shown}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(lines.join('\n'));
  }
  if (parsed.data.stage !== stage) {
    throw new Error(`${shown}: stage: is "${parsed.data.stage}" but the file is for stage "${stage}"`);
  }
  return parsed.data;
}
