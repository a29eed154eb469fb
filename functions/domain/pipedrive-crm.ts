import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from '@domain/zod';
import { SignatureInvalid, ValidationError } from '@domain/errors';
import type { PipelineStage } from '@domain/pipeline';
import type { SecretSource, SecretVersions } from '@domain/ports';
import { checkAgainstSecret } from '@domain/secret-check';

/**
 * Pipedrive's webhooks (v2) authenticate with HTTP Basic auth: the user name and password
 * given when the webhook was created ("HTTP Auth" in Settings → Webhooks). The stack keeps them
 * as one secret, `{"user": "...", "password": "..."}`. They carry no signature and no timestamp, so a captured
 * request could be sent again: each event's id (`meta.id`) is its delivery id, and a delivery
 * seen before changes nothing.
 */
export const PIPEDRIVE_AUTH_HEADER = 'authorization';

// Digests of equal length, so the comparison's time says nothing about the length either.
const digest = (text: string) => createHash('sha256').update(text).digest();

/** The secret's user and password; undefined when it is not the JSON the stack generates (nothing then matches). */
function credentialsOf(secret: string): { user: string; password: string } | undefined {
  try {
    const { user, password } = JSON.parse(secret) as { user?: unknown; password?: unknown };
    return typeof user === 'string' && typeof password === 'string' && user && password ? { user, password } : undefined;
  } catch {
    return undefined;
  }
}

/** Throws SignatureInvalid (401, scheme `pipedrive`) unless the request carries the webhook's user and password (or the ones before a rotation). */
export function verifyPipedriveCredentials(authorization: string | undefined, credentials: SecretVersions): void {
  const refuse = (reason: ConstructorParameters<typeof SignatureInvalid>[0]) => new SignatureInvalid(reason, 'pipedrive');
  if (!authorization) throw refuse('missing-signature');
  const basic = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(authorization.trim());
  if (!basic) throw refuse('malformed-signature');
  const given = digest(Buffer.from(basic[1]!, 'base64').toString('utf8'));
  const matches = (secret: string) => {
    const pair = credentialsOf(secret);
    return pair !== undefined && timingSafeEqual(given, digest(`${pair.user}:${pair.password}`));
  };
  if (!matches(credentials.current) && !(credentials.previous !== undefined && matches(credentials.previous))) throw refuse('mismatch');
}

/** verifyPipedriveCredentials with the credentials as held, and on a mismatch once more read again (a rotation not read yet). */
export const verifyPipedriveRequest = (secrets: Pick<SecretSource, 'pipedriveCredentials'>, authorization: string | undefined): Promise<void> =>
  checkAgainstSecret((read) => secrets.pipedriveCredentials(read), (versions) => verifyPipedriveCredentials(authorization, versions));

export const PipedriveMappingSchema = z.strictObject({
  /** The deal's custom field (its 40-character key, or a name) that holds our lead id. */
  leadIdField: z._default(z.string().check(z.minLength(1)), 'speed_to_lead_id'),
});

export type PipedriveMapping = z.infer<typeof PipedriveMappingSchema>;

const FieldValue = z.union([z.string(), z.number(), z.null(), z.object({ value: z.optional(z.union([z.string(), z.number(), z.null()])) })]);

const DealEvent = z.object({
  meta: z.object({
    action: z.string({ error: 'is required: create, change or delete' }),
    entity: z.string({ error: 'is required: the object the event is about, e.g. deal' }),
    id: z.union([z.string(), z.number()], { error: 'is required: the event id' }),
    timestamp: z.optional(z.union([z.number(), z.string()])),
  }),
  data: z.nullable(
    z.object({
      status: z.optional(z.nullable(z.string())),
      value: z.optional(z.nullable(z.number({ error: "must be the deal's value as a number" }))),
      currency: z.optional(z.nullable(z.string())),
      lost_reason: z.optional(z.nullable(z.string())),
      update_time: z.optional(z.nullable(z.string())),
      custom_fields: z.optional(z.nullable(z.record(z.string(), FieldValue))),
    }),
  ),
});

/** What one Pipedrive event says, in our terms; `ignored` says why it says nothing for us. */
export type PipedriveUpdate =
  | { ignored: string }
  | { leadId: string; deliveryId: string; at: string; pipeline: { stage: PipelineStage; amount?: number; currency?: string; lostReason?: string } };

const STAGES: Record<string, PipelineStage> = { open: 'opportunity', won: 'won', lost: 'lost' };

const textOf = (raw: unknown): string | undefined => {
  const value = raw !== null && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw;
  return value === undefined || value === null || String(value).trim() === '' ? undefined : String(value).trim();
};

/**
 * Reads a webhooks v2 event. A deal (open, won, lost) that carries our lead id is a pipeline
 * change at its update time; every other event (a deal that is not one of our leads, a
 * deletion, another object) is acknowledged and ignored: Pipedrive sends every deal's events,
 * and answering those with an error would make it retry them and count our endpoint as failing.
 */
export function pipedriveUpdateOf(body: unknown, mapping: PipedriveMapping): PipedriveUpdate {
  const parsed = DealEvent.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message }));
    throw new ValidationError(`Invalid Pipedrive webhook: ${issues.map((i) => i.path).join(', ')}`, issues);
  }
  const { meta, data } = parsed.data;
  if (meta.entity !== 'deal' || meta.action === 'delete' || !data) return { ignored: `${meta.action} of a ${meta.entity}: only deals' changes are recorded` };
  const stage = STAGES[data.status ?? ''];
  if (!stage) return { ignored: `a deal with status ${data.status ?? '(none)'}` };
  const raw = body as { data: Record<string, unknown> };
  const leadId = textOf(data.custom_fields?.[mapping.leadIdField]) ?? textOf(raw.data[mapping.leadIdField]);
  if (!leadId) return { ignored: `a deal without ${mapping.leadIdField}: not one of our leads` };

  const seconds = Number(meta.timestamp);
  const updated = data.update_time ? Date.parse(data.update_time.includes('T') ? data.update_time : `${data.update_time.replace(' ', 'T')}Z`) : NaN;
  const at = Number.isFinite(updated) ? new Date(updated) : Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
  if (!at) throw new ValidationError('Invalid Pipedrive webhook: no time', [{ path: 'data.update_time', message: "is required (or meta.timestamp): when the deal changed" }]);
  const lostReason = stage === 'lost' ? textOf(data.lost_reason) : undefined;
  return {
    leadId,
    deliveryId: `pipedrive:${meta.id}`,
    at: at.toISOString(),
    pipeline: {
      stage,
      ...(typeof data.value === 'number' && data.value >= 0 ? { amount: data.value, ...(data.currency ? { currency: data.currency.toUpperCase() } : {}) } : {}),
      ...(lostReason ? { lostReason: lostReason.slice(0, 200) } : {}),
    },
  };
}
