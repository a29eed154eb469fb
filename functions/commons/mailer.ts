import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SesMailer } from '@adapters/ses-mailer';
import type { Mailer } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let mailer: Mailer | undefined;

export function sesMailer(): Mailer {
  // The state machine retries sends with jitter; one SDK attempt keeps a step's timing honest.
  mailer ??= new SesMailer(tracer.captureAWSv3Client(new SESv2Client({ maxAttempts: 2 })), config().SENDER, config().SES_CONFIGURATION_SET);
  return mailer;
}
