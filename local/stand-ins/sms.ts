import { randomUUID } from 'node:crypto';
import { AwsJsonError, type RunningEndpoint, startAwsJsonEndpoint } from '../aws-json-endpoint';

/**
 * AWS End User Messaging SMS ("SMS and Voice v2"), for `npm start` and the tests: its
 * SendTextMessage on the service's wire format (AWS JSON 1.0, `X-Amz-Target:
 * PinpointSMSVoiceV2.SendTextMessage`), so the real `@aws-sdk/client-pinpoint-sms-voice-v2`
 * talks to it through `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`. It refuses what the service
 * refuses (a number not in E.164, an empty or over-long body, a time to live out of range, an
 * origination identity the account does not have) and records every text it accepts
 * (`GET /messages`). `failing` makes it answer as the service does when throttled.
 */
export interface TextMessageRecord {
  messageId: string;
  to: string;
  from: string;
  body: string;
  messageType?: string;
  timeToLive?: number;
  configurationSetName?: string;
  context?: Record<string, string>;
  at: string;
}

export interface RunningSmsStandIn extends RunningEndpoint {
  texts(): TextMessageRecord[];
  /** While set, every text is refused (ThrottlingException), as a service in trouble answers. */
  failing: boolean;
}

/** The service's own limits (SendTextMessage's API reference). */
const LIMITS = { bodyMax: 1600, ttlMin: 5, ttlMax: 259_200, destination: /^\+?[1-9][0-9]{1,18}$/, maxPrice: /^[0-9]{0,2}\.[0-9]{0,5}$/ } as const;
const MESSAGE_TYPES = new Set(['TRANSACTIONAL', 'PROMOTIONAL']);

export async function startSmsStandIn(options: { port?: number; host?: string; originationIdentities: readonly string[] }): Promise<RunningSmsStandIn> {
  const records: TextMessageRecord[] = [];
  const known = new Set(options.originationIdentities);
  const invalid = (message: string) => new AwsJsonError('ValidationException', message);

  const endpoint = await startAwsJsonEndpoint({
    targetPrefix: 'PinpointSMSVoiceV2',
    jsonVersion: '1.0',
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host ? { host: options.host } : {}),
    pages: { '/messages': () => records },
    operations: {
      SendTextMessage: (input) => {
        if (standIn.failing) throw new AwsJsonError('ThrottlingException', 'Rate exceeded', 400);
        const to = String(input.DestinationPhoneNumber ?? '');
        if (!LIMITS.destination.test(to)) throw invalid(`1 validation error detected: Value at 'destinationPhoneNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: ${LIMITS.destination.source}`);
        const body = typeof input.MessageBody === 'string' ? input.MessageBody : '';
        if (body.length < 1 || body.length > LIMITS.bodyMax) throw invalid(`1 validation error detected: Value at 'messageBody' failed to satisfy constraint: Member must have length between 1 and ${LIMITS.bodyMax}`);
        const ttl = input.TimeToLive;
        if (ttl !== undefined && (typeof ttl !== 'number' || ttl < LIMITS.ttlMin || ttl > LIMITS.ttlMax)) throw invalid(`1 validation error detected: Value at 'timeToLive' failed to satisfy constraint: Member must have value between ${LIMITS.ttlMin} and ${LIMITS.ttlMax}`);
        if (input.MessageType !== undefined && !MESSAGE_TYPES.has(String(input.MessageType))) throw invalid("1 validation error detected: Value at 'messageType' failed to satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]");
        if (input.MaxPrice !== undefined && !LIMITS.maxPrice.test(String(input.MaxPrice))) throw invalid("1 validation error detected: Value at 'maxPrice' failed to satisfy constraint");
        const from = String(input.OriginationIdentity ?? '');
        if (!known.has(from)) throw new AwsJsonError('ResourceNotFoundException', `Resource not found: ${from || '(no origination identity)'}`, 404);
        const record: TextMessageRecord = {
          messageId: randomUUID(),
          to,
          from,
          body,
          ...(input.MessageType ? { messageType: String(input.MessageType) } : {}),
          ...(typeof ttl === 'number' ? { timeToLive: ttl } : {}),
          ...(input.ConfigurationSetName ? { configurationSetName: String(input.ConfigurationSetName) } : {}),
          ...(input.Context && typeof input.Context === 'object' ? { context: input.Context as Record<string, string> } : {}),
          at: new Date().toISOString(),
        };
        records.push(record);
        return { MessageId: record.messageId };
      },
    },
  });
  const standIn: RunningSmsStandIn = { ...endpoint, texts: () => [...records], failing: false };
  return standIn;
}
