import { createHash, timingSafeEqual } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { Forbidden, LeadNotFound, PayloadTooLarge, PeriodTooLarge, RepNotFound, RequestInProgress, SignatureInvalid, type SignatureProblem, TeamChanged, TokenInvalid, TransientError, UnsupportedMediaType, ValidationError } from '@domain/errors';
import { errorPage } from '@domain/pages';
import { parseWith } from '@domain/validation';
import { HUBSPOT_SIGNATURE_HEADER, HUBSPOT_TIMESTAMP_HEADER, type HubspotSignedRequest } from '@domain/hubspot-signature';
import { SIGNATURE_HEADER, type SignedRequest, TIMESTAMP_HEADER } from '@domain/webhook-signature';
import { logger } from '@commons/logger';
import { publishMeasurements } from '@commons/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { tracer } from '@commons/tracer';
import { html, type HttpResult, json } from '@commons/http-response';
import { originVerifyFromEnv, type OriginVerifySource } from '@commons/origin-verify';

/** Zod's issues as the contract's `{path, message}` list (the domain's parser, for handlers). */
export { parseWith };
export { html, type HttpResult, json };

/**
 * An API Gateway HTTP API event after the middlewares: headers lower-cased, body parsed, and
 * the body's bytes as they arrived (`rawBody`), which a webhook signature is computed over.
 */
export type HttpEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown; rawBody?: Buffer };
const CONTENT_TYPES = { json: /^application\/(.+\+)?json\s*(;.*)?$/i, form: /^application\/x-www-form-urlencoded\s*(;.*)?$/i, xml: /^(text|application)\/(soap\+)?xml\s*(;.*)?$/i };

/** A Salesforce outbound message of 100 records with a few dozen fields each. */
const SOAP_MAX_BYTES = 1024 * 1024;

/** Refuses bodies that are too big (413) or, unless any type goes, of a type we do not read (415) before parsing. */
const bodyGuard = (maxBytes: number, anyContentType: boolean, soapRoutes: readonly string[]): MiddlewareObj<HttpEvent> => ({
  before: async ({ event }) => {
    if (event.requestContext.http.method !== 'POST' && event.requestContext.http.method !== 'PUT') return;
    const raw = typeof event.body === 'string' ? event.body : '';
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64').length : Buffer.byteLength(raw);
    const type = event.headers['content-type'] ?? '';
    if (soapRoutes.includes(event.routeKey)) {
      // A SOAP route reads its XML itself: up to 100 records, so a larger limit.
      if (bytes > SOAP_MAX_BYTES) throw new PayloadTooLarge(SOAP_MAX_BYTES);
      if (!CONTENT_TYPES.xml.test(type)) throw new UnsupportedMediaType(['text/xml']);
      return;
    }
    if (bytes > maxBytes) throw new PayloadTooLarge(maxBytes);
    const known = CONTENT_TYPES.json.test(type) || CONTENT_TYPES.form.test(type);
    if (!known && !anyContentType && (bytes > 0 || type !== '')) throw new UnsupportedMediaType(['application/json', 'application/x-www-form-urlencoded']);
  },
});

/** A request that came to the API's own URL around the firewall (CloudFront adds the header). */
class AroundTheFirewall extends Error {
  override readonly name = 'AroundTheFirewall';
}

/** Compares in constant time, whatever the lengths (both are hashed first). */
const sameSecret = (given: string | undefined, wanted: string) =>
  given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(wanted).digest());

/**
 * Behind the firewall, CDK names a secret (ORIGIN_VERIFY_SECRET_ID, on the form intake) whose
 * value CloudFront sends as X-Origin-Verify on every request it forwards: one without it reached
 * the execute-api URL directly, where no web ACL applies, and is refused before anything else
 * is read (without the header, before the secret is even read). Without the secret, nothing to check.
 */
const throughFirewallOnly = (originVerify: OriginVerifySource | undefined): MiddlewareObj<HttpEvent> => ({
  before: async ({ event }) => {
    if (!originVerify) return;
    const given = event.headers['x-origin-verify'];
    if (given === undefined || !sameSecret(given, await originVerify())) throw new AroundTheFirewall();
  },
});

/** Which of middy's body parsers refused the body, if one did. */
const unparsableBody = (error: unknown): 'JSON' | 'a form' | undefined => {
  const source = (error as { cause?: { package?: string } })?.cause?.package;
  if (source === '@middy/http-json-body-parser') return 'JSON';
  if (source === '@middy/http-urlencode-body-parser') return 'a form';
  return undefined;
};

/** Keeps the body's exact bytes before the parsers replace it: a webhook signature covers those bytes. */
const keepRawBody = (): MiddlewareObj<HttpEvent> => ({
  before: async ({ event }) => {
    if (typeof event.body !== 'string') return;
    event.rawBody = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  },
});

/** The signature headers and raw body of a CRM's webhook request; undefined for anything else. */
export function signedRequestOf(event: HttpEvent): SignedRequest | undefined {
  if (event.headers[SIGNATURE_HEADER] === undefined) return undefined;
  return { signature: event.headers[SIGNATURE_HEADER], timestamp: event.headers[TIMESTAMP_HEADER], rawBody: event.rawBody ?? Buffer.alloc(0) };
}

/** What HubSpot's signature v3 covers: the method, our public URL as HubSpot was given it (path and query as sent), the raw body. */
export function hubspotRequestOf(event: HttpEvent, publicBaseUrl: string): HubspotSignedRequest {
  return {
    signature: event.headers[HUBSPOT_SIGNATURE_HEADER],
    timestamp: event.headers[HUBSPOT_TIMESTAMP_HEADER],
    method: event.requestContext.http.method,
    uri: `${publicBaseUrl.replace(/\/+$/, '')}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
    rawBody: event.rawBody ?? Buffer.alloc(0),
  };
}

/** Did a person's browser make this request (a page or a no-JavaScript form), so errors should be pages? A CRM's signed request never is. */
export const wantsHtml = (event: HttpEvent) =>
  signedRequestOf(event) === undefined && (event.requestContext.http.method === 'GET' || CONTENT_TYPES.form.test(event.headers['content-type'] ?? ''));

/** What a CRM's developer needs to read to fix a refused request. */
const SIGNATURE_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'X-Signature is required: "sha256=" and the hex HMAC-SHA256 of "<X-Timestamp>.<raw body>" with the shared secret',
  'missing-timestamp': 'X-Timestamp is required: the Unix time in seconds when the request was signed',
  'malformed-signature': 'X-Signature must be "sha256=" followed by 64 hex digits',
  'malformed-timestamp': 'X-Timestamp must be the Unix time in seconds, e.g. 1764000000',
  mismatch: 'X-Signature does not match: sign "<X-Timestamp>.<raw body>" (the exact bytes sent) with HMAC-SHA256 and the shared secret',
  stale: 'X-Timestamp is more than 5 minutes from our clock: send the Unix time in seconds and sign each request when you send it (older requests are refused as replays)',
  replayed: 'This signed request was received before: sign each request when you send it',
};

/** The same, for requests that claim to come from HubSpot (ops setting up the app or the workflow read these). */
const HUBSPOT_SIGNATURE_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'X-HubSpot-Signature-v3 is required: in a workflow\'s "Send a webhook", choose "Include request signature in header"',
  'missing-timestamp': 'X-HubSpot-Request-Timestamp is required',
  'malformed-signature': 'X-HubSpot-Signature-v3 must be the base64 of an HMAC-SHA256 (44 characters)',
  'malformed-timestamp': 'X-HubSpot-Request-Timestamp must be the Unix time in milliseconds',
  mismatch: 'X-HubSpot-Signature-v3 does not match: is the HubSpot app\'s client secret in Secrets Manager, and is the webhook URL in HubSpot exactly this one?',
  stale: 'X-HubSpot-Request-Timestamp is more than 5 minutes from our clock: refused as a possible replay',
  replayed: 'This signed HubSpot request was received before: refused as a replay',
};

/** The same, for Pipedrive's Basic auth (it has no signature or timestamp, so three of these never apply). */
const PIPEDRIVE_AUTH_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'Authorization is required: give the webhook the HTTP Auth user name and password kept in the stack\'s Pipedrive secret',
  'missing-timestamp': 'Authorization is required',
  'malformed-signature': 'Authorization must be "Basic " and the base64 of "<user>:<password>"',
  'malformed-timestamp': 'Authorization is required',
  mismatch: 'The user name or password does not match the stack\'s Pipedrive secret',
  stale: 'Authorization is required',
  replayed: 'This Pipedrive event was received before',
};

/** The same, for Salesforce's outbound messages (the token in the endpoint URL ops gave Salesforce). */
const SALESFORCE_TOKEN_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'The endpoint URL needs ?token=: the value of the stack\'s Salesforce endpoint token secret',
  'missing-timestamp': 'The endpoint URL needs ?token=',
  'malformed-signature': 'The endpoint URL needs ?token=',
  'malformed-timestamp': 'The endpoint URL needs ?token=',
  mismatch: 'The token in the endpoint URL does not match the stack\'s Salesforce endpoint token secret',
  stale: 'The endpoint URL needs ?token=',
  replayed: 'This Salesforce notification was received before',
};

/** The same, for requests that claim to come from Slack (a person at Slack's side never reads these; ops debugging the app do). */
const SLACK_SIGNATURE_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'X-Slack-Signature is required: Slack signs every request with the app\'s signing secret',
  'missing-timestamp': 'X-Slack-Request-Timestamp is required',
  'malformed-signature': 'X-Slack-Signature must be "v0=" followed by 64 hex digits',
  'malformed-timestamp': 'X-Slack-Request-Timestamp must be the Unix time in seconds',
  mismatch: 'X-Slack-Signature does not match: is the Slack signing secret in Secrets Manager the app\'s (Basic Information, Signing Secret)?',
  stale: 'X-Slack-Request-Timestamp is more than 5 minutes from our clock: refused as a possible replay',
  replayed: 'This signed Slack request was received before: refused as a replay',
};

/** The same, for bookings that claim to come from Cal.com (ops setting up the webhook read these). */
const CALCOM_SIGNATURE_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'X-Cal-Signature-256 is required: give the Cal.com webhook the secret kept in the stack\'s Cal.com secret',
  'missing-timestamp': 'The body\'s createdAt is required',
  'malformed-signature': 'X-Cal-Signature-256 must be 64 hex digits: is the webhook\'s secret set in Cal.com (without one it sends "no-secret-provided")?',
  'malformed-timestamp': 'The body\'s createdAt must be an ISO 8601 time',
  mismatch: 'X-Cal-Signature-256 does not match: is the Cal.com webhook\'s secret the one in the stack\'s Cal.com secret?',
  stale: 'The body\'s createdAt is more than 5 minutes from our clock: refused as a possible replay',
  replayed: 'This signed Cal.com booking was received before: refused as a replay',
};

/** The same, for bookings that claim to come from Calendly. */
const CALENDLY_SIGNATURE_MESSAGES: Record<SignatureProblem, string> = {
  'missing-signature': 'Calendly-Webhook-Signature is required: create the webhook subscription with the signing key kept in the stack\'s Calendly secret',
  'missing-timestamp': 'Calendly-Webhook-Signature needs its t= part',
  'malformed-signature': 'Calendly-Webhook-Signature must be "t=<unix seconds>,v1=<64 hex digits>"',
  'malformed-timestamp': 'The t= of Calendly-Webhook-Signature must be the Unix time in seconds',
  mismatch: 'Calendly-Webhook-Signature does not match: is the subscription\'s signing key the one in the stack\'s Calendly secret?',
  stale: 'The t= of Calendly-Webhook-Signature is more than 5 minutes from our clock: refused as a possible replay',
  replayed: 'This signed Calendly delivery was received before: refused as a replay',
};

/**
 * An AWS service (DynamoDB, Step Functions, SQS) still failing after the SDK's retries: a
 * server-side fault, a throttle, a timeout or a dropped connection, as the SDK's own retry
 * strategy classifies them. Nothing the client sent caused it and the same request may work in
 * a moment: 503 with Retry-After, so a mail provider's one-click unsubscribe or a CRM's webhook
 * tries again.
 */
function isServiceOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const sdkError = error as Parameters<typeof isServerError>[0];
  return isServerError(sdkError) || isThrottlingError(sdkError) || isTransientError(sdkError);
}

/** Every error kind maps to its status here, and only here. Nothing a client sends yields a 500. */
export function errorResponse(error: unknown, asHtml: boolean): HttpResult {
  const respond = (status: number, kind: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    asHtml ? html(status, errorPage(status === 403 ? 'This link is not valid' : 'Something is not right', message), headers) : json(status, { error: kind, message, ...extra }, headers);

  if (error instanceof ValidationError) return respond(400, 'ValidationError', error.message, { issues: error.issues });
  const format = unparsableBody(error);
  if (format) {
    return respond(400, 'ValidationError', `Body is not valid ${format}`, { issues: [{ path: '(body)', message: `must be valid ${format}` }] });
  }
  if (error instanceof AroundTheFirewall) return respond(403, 'Forbidden', 'Post leads to the address in the form script');
  if (error instanceof SignatureInvalid) return respond(401, 'SignatureInvalid', { webhook: SIGNATURE_MESSAGES, slack: SLACK_SIGNATURE_MESSAGES, hubspot: HUBSPOT_SIGNATURE_MESSAGES, pipedrive: PIPEDRIVE_AUTH_MESSAGES, salesforce: SALESFORCE_TOKEN_MESSAGES, calcom: CALCOM_SIGNATURE_MESSAGES, calendly: CALENDLY_SIGNATURE_MESSAGES }[error.scheme][error.reason]);
  if (error instanceof TokenInvalid) {
    const expired = error.reason === 'expired';
    const message = expired ? 'This link has expired: ask for a new one from the latest email.' : 'This link is not valid for this lead.';
    return asHtml ? html(403, errorPage(expired ? 'This link has expired' : 'This link is not valid', message)) : respond(403, 'TokenInvalid', message);
  }
  if (error instanceof Forbidden) return respond(403, 'Forbidden', error.message);
  if (error instanceof PeriodTooLarge) {
    return respond(422, 'PeriodTooLarge', `This period has too many leads to read in time (${error.daysRead} of its ${error.days} days were read): choose a shorter period`);
  }
  if (error instanceof LeadNotFound) return respond(404, 'LeadNotFound', 'No such lead');
  if (error instanceof RepNotFound) return respond(404, 'RepNotFound', 'No such rep on the team');
  if (error instanceof TeamChanged) return respond(409, 'TeamChanged', 'Someone else changed this rep a moment ago: nothing was saved; reload the team and make the change again');
  if (error instanceof RequestInProgress) {
    return respond(409, 'RequestInProgress', 'The same request is being recorded now: send it again in a moment', {}, { 'retry-after': String(error.retryAfterSeconds) });
  }
  if (error instanceof PayloadTooLarge) return respond(413, 'PayloadTooLarge', error.message);
  if (error instanceof UnsupportedMediaType) return respond(415, 'UnsupportedMediaType', error.message);
  if (error instanceof TransientError || isServiceOutage(error)) {
    if (!(error instanceof TransientError)) logger.warn('A service we depend on failed past its retries', { error: error as Error });
    return respond(503, 'ServiceUnavailable', 'Please try again in a moment', {}, { 'retry-after': '2' });
  }
  logger.error('Unexpected error', { error: error as Error });
  return respond(500, 'InternalError', 'Something went wrong on our side');
}

const errorMapper = (jsonOnly: boolean): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error, !jsonOnly && wantsHtml(request.event));
  },
});

export interface HttpHandlerOptions {
  maxBodyBytes?: number;
  /**
   * Take a body of any type, read only when it is JSON or a form: for a route that acts on its
   * URL, like RFC 8058's one-click unsubscribe, whose POST may come as multipart/form-data.
   */
  anyContentType?: boolean;
  /** Routes (`POST /path`) that take a SOAP body (text/xml), read by the handler from the raw body. */
  soapRoutes?: readonly string[];
  /** An API for programs (the form intake): errors are JSON even for a browser's form post. */
  jsonOnly?: boolean;
  /**
   * Leave the body unparsed (`rawBody` and the string): for a route that must verify a
   * signature over it before anything reads it (Slack's interactions).
   */
  unparsedBody?: boolean;
  /** Where the X-Origin-Verify value to require comes from; default the secret ORIGIN_VERIFY_SECRET_ID names (set behind the firewall). */
  originVerify?: OriginVerifySource;
}

/**
 * The middleware every API function shares: logging context, metrics, header normalization,
 * body limits, the raw body, parsing (JSON or form), and error mapping. The handler itself
 * only parses its input with a schema, calls the domain and shapes the answer.
 */
export function httpHandler(handler: (event: HttpEvent, context: Context) => Promise<HttpResult>, options: HttpHandlerOptions = {}) {
  const common = middy<HttpEvent, HttpResult>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMeasurements<HttpEvent, HttpResult>())
    .use(errorMapper(options.jsonOnly ?? false))
    .use(httpHeaderNormalizer())
    .use(throughFirewallOnly(options.originVerify ?? originVerifyFromEnv()))
    .use(bodyGuard(options.maxBodyBytes ?? 32 * 1024, options.anyContentType ?? false, options.soapRoutes ?? []))
    .use(keepRawBody());
  if (options.unparsedBody) return common.handler(handler);
  return common.use(httpJsonBodyParser({ disableContentTypeError: true })).use(httpUrlencodeBodyParser({ disableContentTypeError: true })).handler(handler);
}
