import { BookingOfferSchema } from '@domain/booking';
import { HubspotMappingSchema } from '@domain/hubspot-crm';
import { PipedriveMappingSchema } from '@domain/pipedrive-crm';
import { SalesforceMappingSchema } from '@domain/salesforce-crm';
import { readFileSync } from 'node:fs';
import * as z from '@domain/zod';
import { SequenceSchema } from '@domain/sequence';
import { type EmailCatalog, EmailCatalogSchema } from '@domain/email-catalog';
import { RepSchema } from '@domain/rep';
import { RoutingSchema } from '@domain/routing';
import { SmsSettingsSchema } from '@domain/sms';
import { defaultSla, SlaSchema } from '@domain/sla';

/**
 * Runtime configuration every function reads from its environment, validated once at cold
 * start. CDK sets these from the deploy config; the local stack sets the same names.
 */
export const EnvSchema = z.object({
  /** DynamoDB table holding leads, their timeline, dedupe guards and the routing cursor. */
  TABLE_NAME: z.string().check(z.minLength(3)),
  /** Lead workflow (Step Functions Standard). Only intake and start-workflow start it. */
  STATE_MACHINE_ARN: z.optional(z.string()),
  /** SQS queue of starts Step Functions would not take now (throttled). Only intake sends to it. */
  START_QUEUE_URL: z.optional(z.string()),
  /** `Sales Team <leads@example.com>`: the verified SES identity emails are sent from. */
  SENDER: z.string().check(z.minLength(3)),
  /** The sender's physical postal address (lines separated by newlines): every lead email's footer carries it (CAN-SPAM). */
  SENDER_POSTAL_ADDRESS: z.string().check(z.trim(), z.minLength(10), z.maxLength(300)),
  /** SES configuration set for every send, when one is configured. */
  SES_CONFIGURATION_SET: z.optional(z.string()),
  /** Base URL of the public API, for the links in emails (no trailing slash needed). */
  PUBLIC_BASE_URL: z.url(),
  /** Secrets Manager secret (ARN or name) whose string signs rep and unsubscribe links. */
  LINK_SECRET_ID: z.string().check(z.minLength(1)),
  /** Secrets Manager secret (ARN or name) CRMs sign webhook requests with. Only rep-response has it. */
  WEBHOOK_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding the HubSpot app's client secret (its requests' signature v3). Only rep-response has it. */
  HUBSPOT_CLIENT_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding Pipedrive's webhook HTTP Auth as JSON `{"user", "password"}`. Only rep-response has it. */
  PIPEDRIVE_CREDENTIALS_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding the token in Salesforce's outbound message endpoint URL. Only rep-response has it. */
  SALESFORCE_TOKEN_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding the Cal.com webhook's secret. Only booking has it. */
  CALCOM_WEBHOOK_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding the Calendly webhook subscription's signing key. Only booking has it. */
  CALENDLY_SIGNING_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding the Slack app's signing secret. Only slack-interactions has it. */
  SLACK_SIGNING_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  /** Secrets Manager secret (ARN or name) holding the Slack app's bot token, for the functions that post to Slack. */
  SLACK_BOT_TOKEN_ID: z.optional(z.string().check(z.minLength(1))),
  /** Slack's Web API base (@slack/web-api's `slackApiUrl`); Slack's own when absent. An endpoint, like AWS_ENDPOINT_URL_*. */
  SLACK_API_URL: z.optional(z.url()),
  /** Seconds a function keeps the signing secrets before reading them again: a rotation reaches every function within it. */
  SECRETS_MAX_AGE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(3600)), 300),
  /** Days a rep's link stays valid. */
  LINK_TTL_DAYS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(365)), 30),
  /**
   * The stage's lead configuration (sequence, reps, routing, SLA) as a JSON file: CDK bundles it
   * beside the handler (`/var/task/lead-config.json`), the local stack writes the same file.
   * Not the values themselves: Lambda caps a function's whole environment at 4 KB.
   */
  LEAD_CONFIG_FILE: z.string().check(z.minLength(1)),
  /** The messages' compiled templates and resources (lib/emails.ts) as a JSON file beside the bundle. Only the functions that send email have it. */
  EMAILS_FILE: z.optional(z.string().check(z.minLength(1))),
  /** Days a lead's records are kept before DynamoDB's TTL removes them. */
  RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(3650)), 400),
});

export type Env = z.infer<typeof EnvSchema>;

/** The file LEAD_CONFIG_FILE names: the deploy config's lead-facing part, under the same names. */
/** Each CRM's mapping from its fields to our answers and pipeline stages. */
export const CrmMappingSchema = z.strictObject({ hubspot: z.optional(HubspotMappingSchema), pipedrive: z.optional(PipedriveMappingSchema), salesforce: z.optional(SalesforceMappingSchema) });

export const LeadConfigSchema = z.strictObject({
  /** The timed sequence (same data the state machine was built from). */
  sequence: SequenceSchema,
  /** Reps that leads are routed to, round-robin over the active ones. */
  reps: z.array(RepSchema).check(z.minLength(1)),
  /** Account owners, territories and pools; absent: every rep in one round-robin pool. */
  routing: z.optional(RoutingSchema),
  /** Minutes to first contact per grade: the SLA metrics measure against it. */
  slaMinutes: z._default(SlaSchema, defaultSla),
  /** What each CRM's fields mean (crm.hubspot in the deploy config); HubSpot's defaults when absent. */
  crm: z.optional(CrmMappingSchema),
  /** Where reps' hot-lead texts come from (End User Messaging SMS); absent: nobody is texted. */
  sms: z.optional(SmsSettingsSchema),
  /** Which leads the thank-you offers a meeting with their rep; absent: hot ones. */
  bookingOffer: z.optional(BookingOfferSchema),
});

export type LeadConfig = z.infer<typeof LeadConfigSchema>;

const issuesOf = (error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }) =>
  error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new Error(`Invalid function configuration: ${issuesOf(parsed.error)}`);
  return parsed.data;
}

/** A JSON file a function reads at cold start, validated: the error names the file, its variable and the field. */
function readJsonFile<T>(file: string, what: { name: string; variable: string }, schema: { safeParse(raw: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } } }): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid ${what.name}: ${file} (${what.variable}) is not readable JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid ${what.name} in ${file}: ${issuesOf(parsed.error)}`);
  return parsed.data;
}

/** Reads and validates the lead configuration file, naming the file and the field when it is wrong. */
export const readLeadConfig = (file: string): LeadConfig => readJsonFile(file, { name: 'lead configuration', variable: 'LEAD_CONFIG_FILE' }, LeadConfigSchema);

/** Reads and validates the compiled emails file (EMAILS_FILE), naming the file and the field when it is wrong. */
export function readEmails(file: string | undefined): EmailCatalog {
  if (!file) throw new Error('Invalid function configuration: EMAILS_FILE is not set (CDK sets it for the functions that send email)');
  return readJsonFile(file, { name: 'emails file', variable: 'EMAILS_FILE' }, EmailCatalogSchema);
}
