import type { TextMessenger } from '@domain/ports';
import type { OutgoingText } from '@domain/sms';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let messenger: Promise<TextMessenger> | undefined;

/**
 * Text messages for this function, when the stage names an SMS origination identity; undefined
 * otherwise (nobody is texted). The End User Messaging client (about 100 KB of the bundle) is
 * loaded on the first text, not at cold start: most alerts go to reps who take none. Two
 * attempts of 3 s at most: a text is extra, the step's time is the email's.
 */
export function texts(): TextMessenger | undefined {
  const settings = config().SMS;
  if (!settings) return undefined;
  return {
    sendText: async (text: OutgoingText) => {
      messenger ??= (async () => {
        const [{ PinpointSMSVoiceV2Client }, { SmsTextMessenger }] = await Promise.all([import('@aws-sdk/client-pinpoint-sms-voice-v2'), import('@adapters/sms-text-messenger')]);
        return new SmsTextMessenger(tracer.captureAWSv3Client(new PinpointSMSVoiceV2Client({ maxAttempts: 2, requestHandler: { requestTimeout: 3000, connectionTimeout: 1000 } })), settings);
      })();
      return (await messenger).sendText(text);
    },
  };
}
