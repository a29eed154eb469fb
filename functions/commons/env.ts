import { z } from 'zod';
import { SequenceSchema } from '@domain/sequence';
import { RepSchema } from '@domain/rep';
import { RoutingSchema } from '@domain/routing';
import { defaultSla, SlaSchema } from '@domain/sla';

/**
 * Runtime configuration every function reads from its environment, validated once at cold
 * start. CDK sets these from the deploy config; the local stack sets the same names.
 */
const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

export const EnvSchema = z.object({
  /** DynamoDB table holding leads, their timeline, dedupe guards and the routing cursor. */
  TABLE_NAME: z.string().min(3),
  /** Lead workflow (Step Functions Standard). Only intake needs it. */
  STATE_MACHINE_ARN: z.string().optional(),
  /** `Sales Team <leads@example.com>`: the verified SES identity emails are sent from. */
  SENDER: z.string().min(3),
  /** SES configuration set for every send, when one is configured. */
  SES_CONFIGURATION_SET: z.string().optional(),
  /** Base URL of the public API, for the links in emails (no trailing slash needed). */
  PUBLIC_BASE_URL: z.url(),
  /** Secrets Manager secret (ARN or name) whose string signs rep and unsubscribe links. */
  LINK_SECRET_ID: z.string().min(1),
  /** Secrets Manager secret (ARN or name) CRMs sign webhook requests with. Only rep-response has it. */
  WEBHOOK_SECRET_ID: z.string().min(1).optional(),
  /** Days a rep's link stays valid. */
  LINK_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** The timed sequence (same data the state machine was built from). */
  SEQUENCE: json(SequenceSchema),
  /** Reps that leads are routed to, round-robin over the active ones. */
  REPS: json(z.array(RepSchema).min(1)),
  /** Account owners, territories and pools; absent: every rep in one round-robin pool. */
  ROUTING: json(RoutingSchema).optional(),
  /** Minutes to first contact per grade, `{"hot":15,"warm":240,"cold":1440}`: the SLA metrics measure against it. */
  SLA_MINUTES: json(SlaSchema).default(defaultSla),
  /** Days a lead's records are kept before DynamoDB's TTL removes them. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
});

export type Env = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid function configuration: ${detail}`);
  }
  return parsed.data;
}
