/**
 * Errors are values with a kind. The HTTP layer maps each kind to a status in one place
 * (functions/commons/http.ts); the workflow's Retry matches on `name`.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class LeadNotFound extends Error {
  override readonly name = 'LeadNotFound';
  constructor(readonly leadId: string) {
    super(`No lead ${leadId}`);
  }
}

export class TokenInvalid extends Error {
  override readonly name = 'TokenInvalid';
  constructor(readonly reason: 'malformed' | 'signature' | 'expired' | 'wrong-lead' | 'wrong-purpose') {
    super(reason === 'expired' ? 'This link has expired' : 'This link is not valid');
  }
}

/** Why a CRM's signed request was refused; each reason says how to sign correctly. */
export type SignatureProblem = 'missing-signature' | 'missing-timestamp' | 'malformed-signature' | 'malformed-timestamp' | 'mismatch' | 'stale' | 'replayed';

/** Whose signing scheme refused the request: a CRM's (X-Signature), Slack's (X-Slack-Signature) HubSpot's (X-HubSpot-Signature-v3) Pipedrive's (Basic auth), Salesforce's (the endpoint's token), Cal.com's (X-Cal-Signature-256) or Calendly's (Calendly-Webhook-Signature); the 401 explains that one. */
export type SignatureScheme = 'webhook' | 'slack' | 'hubspot' | 'pipedrive' | 'salesforce' | 'calcom' | 'calendly';

export class SignatureInvalid extends Error {
  override readonly name = 'SignatureInvalid';
  constructor(
    readonly reason: SignatureProblem,
    readonly scheme: SignatureScheme = 'webhook',
  ) {
    super(`${{ webhook: 'Webhook', slack: 'Slack', hubspot: 'HubSpot', pipedrive: 'Pipedrive', salesforce: 'Salesforce', calcom: 'Cal.com', calendly: 'Calendly' }[scheme]} signature refused: ${reason}`);
  }
}

export class PayloadTooLarge extends Error {
  override readonly name = 'PayloadTooLarge';
  constructor(readonly limitBytes: number) {
    super(`Body must be at most ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaType extends Error {
  override readonly name = 'UnsupportedMediaType';
  constructor(readonly accepted: string[]) {
    super(`Content-Type must be one of: ${accepted.join(', ')}`);
  }
}

/** The same request is being handled by another attempt right now: send it again in `retryAfterSeconds`. */
export class RequestInProgress extends Error {
  override readonly name = 'RequestInProgress';
  constructor(readonly retryAfterSeconds: number) {
    super('The same request is being recorded now');
  }
}

/** A signed-in team member asked for what their group or their leads do not allow (403). */
export class Forbidden extends Error {
  override readonly name = 'Forbidden';
  constructor(message: string) {
    super(message);
  }
}

/** No rep with this id on the team (404). */
export class RepNotFound extends Error {
  override readonly name = 'RepNotFound';
  constructor(readonly repId: string) {
    super(`No rep ${repId}`);
  }
}

/** Someone else changed this rep since it was read: nothing was saved; read the team again and redo the change (409). */
export class TeamChanged extends Error {
  override readonly name = 'TeamChanged';
  constructor(readonly repId: string) {
    super(`Rep ${repId} was changed by someone else a moment ago`);
  }
}

/**
 * The dashboard could not read a period's leads within the time it has (its function's
 * timeout less the time to compute): asking again will not help, a shorter period will.
 */
export class PeriodTooLarge extends Error {
  override readonly name = 'PeriodTooLarge';
  constructor(
    readonly daysRead: number,
    readonly days: number,
  ) {
    super(`Read ${daysRead} of ${days} days before the time ran out`);
  }
}

/** A dependency failed in a way worth retrying (throttling, 5xx, timeout). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The email provider refused a message for good (bad address, rejected content). */
export class PermanentSendError extends Error {
  override readonly name = 'PermanentSendError';
}
