import { type PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { TextMessenger } from '@domain/ports';
import type { OutgoingText, SmsSettings } from '@domain/sms';

/**
 * Texts through AWS End User Messaging SMS (the "SMS and Voice v2" API): transactional, from
 * the stage's origination identity, dropped by the carrier once the alert is too late to help.
 */
export class SmsTextMessenger implements TextMessenger {
  constructor(
    private readonly sms: PinpointSMSVoiceV2Client,
    private readonly settings: SmsSettings,
  ) {}

  async sendText(text: OutgoingText): Promise<string> {
    const result = await this.sms.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: text.to,
        OriginationIdentity: this.settings.originationIdentity,
        MessageBody: text.body,
        MessageType: 'TRANSACTIONAL',
        TimeToLive: text.timeToLiveSeconds,
        Context: text.context,
        ...(this.settings.configurationSetName ? { ConfigurationSetName: this.settings.configurationSetName } : {}),
        ...(this.settings.maxPrice ? { MaxPrice: this.settings.maxPrice } : {}),
      }),
    );
    return result.MessageId ?? 'unknown';
  }
}
