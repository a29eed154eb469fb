import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { routes } from './routes';
import { RepSchema } from '@domain/rep';
import { RoutingSchema, unknownReps } from '@domain/routing';
import { parseScoringModel, type ScoringModel } from '@domain/scoring-model';
import { SequenceSchema } from '@domain/sequence';
import { defaultSla, SlaSchema } from '@domain/sla';

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

export const SenderSchema = z
  .object({
    email: z.email(),
    name: SenderNameSchema,
    identity: SesIdentitySchema,
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
    routing: RoutingSchema.optional(),
    sequence: SequenceSchema,
    throttling: ThrottlingSchema,
    linkTtlDays: z.number().int().min(1).max(365).default(30),
    /** Minutes to first contact each grade may wait (the SLA the report and metrics measure). */
    slaMinutes: SlaSchema.default(defaultSla),
    /** Days a lead and its timeline are kept (DynamoDB TTL) before they are deleted. */
    retentionDays: z.number().int().min(1).max(3650).default(400),
    logRetentionDays: z
      .number()
      .refine((days) => retentionDayValues.includes(days), `must be one of CDK's RetentionDays: ${retentionDayValues.join(', ')}`),
    alarmEmail: z.email().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const id of config.routing ? unknownReps(config.routing, config.reps) : []) {
      ctx.addIssue({ code: 'custom', path: ['routing'], message: `names rep "${id}", which is not in reps` });
    }
    // An unanswered hot lead is escalated when its SLA runs out: after the alert, before day one.
    const { hotAlertAfterMinutes, followUpDays } = config.sequence;
    if (config.slaMinutes.hot <= hotAlertAfterMinutes || config.slaMinutes.hot >= followUpDays[0]! * 24 * 60) {
      ctx.addIssue({ code: 'custom', path: ['slaMinutes', 'hot'], message: `must be after the alert (minute ${hotAlertAfterMinutes}) and before the first follow-up (day ${followUpDays[0]})` });
    }
  });

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
