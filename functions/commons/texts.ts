import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SmsTextMessenger } from '@adapters/sms-text-messenger';
import type { TextMessenger } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let messenger: TextMessenger | undefined;

/**
 * Text messages for this function, when the stage names an SMS origination identity; undefined
 * otherwise (nobody is texted). Two attempts of 3 s at most: a text is extra, the step's time is
 * the email's.
 */
export function texts(): TextMessenger | undefined {
  const settings = config().SMS;
  if (!settings) return undefined;
  messenger ??= new SmsTextMessenger(tracer.captureAWSv3Client(new PinpointSMSVoiceV2Client({ maxAttempts: 2, requestHandler: { requestTimeout: 3000, connectionTimeout: 1000 } })), settings);
  return messenger;
}
