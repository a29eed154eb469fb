import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentSendError, TransientError } from '@domain/errors';
import type { Mailer, OutgoingEmail } from '@domain/ports';

/** SES errors that a later attempt can get past; everything else about a message is final. */
const PERMANENT = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException', 'BadRequestException', 'NotFoundException']);

/**
 * Sends through SES v2: unlike v1's SendEmail it can set custom headers, which the one-click
 * unsubscribe (List-Unsubscribe, RFC 8058) needs.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly sender: string,
    private readonly configurationSet?: string,
  ) {}

  async send(email: OutgoingEmail): Promise<string> {
    const command = new SendEmailCommand({
      FromEmailAddress: this.sender,
      Destination: { ToAddresses: [email.to] },
      ...(email.replyTo ? { ReplyToAddresses: [email.replyTo] } : {}),
      ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
      ...(email.tags ? { EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          ...(email.headers ? { Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })) } : {}),
        },
      },
    });
    try {
      const result = await this.ses.send(command);
      return result.MessageId ?? 'unknown';
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (PERMANENT.has(name) || (status !== undefined && status >= 400 && status < 500 && status !== 429 && !/Throttl|TooMany|Limit/i.test(name))) {
        throw new PermanentSendError(`${name}: ${(error as Error).message}`);
      }
      throw new TransientError(`SES send failed (${name}${status ? `, HTTP ${status}` : ''})`, { cause: error });
    }
  }
}
