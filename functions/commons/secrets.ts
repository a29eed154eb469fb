import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretSource } from '@adapters/secrets-manager-secret-source';
import type { SecretSource } from '@domain/ports';
import { config } from '@commons/config';
import { tracer } from '@commons/tracer';

let secrets: SecretSource | undefined;

/** The link secret for every function with links; the webhook and Slack secrets only where CDK grants them. Each is read again after SECRETS_MAX_AGE_SECONDS. */
export function signingSecrets(): SecretSource {
  secrets ??= new SecretsManagerSecretSource(
    tracer.captureAWSv3Client(new SecretsManagerClient({})),
    {
      link: config().LINK_SECRET_ID,
      ...(config().WEBHOOK_SECRET_ID ? { webhook: config().WEBHOOK_SECRET_ID } : {}),
      ...(config().SLACK_SIGNING_SECRET_ID ? { slackSigning: config().SLACK_SIGNING_SECRET_ID } : {}),
      ...(config().SLACK_BOT_TOKEN_ID ? { slackBot: config().SLACK_BOT_TOKEN_ID } : {}),
      ...(config().HUBSPOT_CLIENT_SECRET_ID ? { hubspotClient: config().HUBSPOT_CLIENT_SECRET_ID } : {}),
      ...(config().PIPEDRIVE_CREDENTIALS_ID ? { pipedrive: config().PIPEDRIVE_CREDENTIALS_ID } : {}),
      ...(config().SALESFORCE_TOKEN_ID ? { salesforce: config().SALESFORCE_TOKEN_ID } : {}),
      ...(config().CALCOM_WEBHOOK_SECRET_ID ? { calcom: config().CALCOM_WEBHOOK_SECRET_ID } : {}),
      ...(config().CALENDLY_SIGNING_KEY_ID ? { calendly: config().CALENDLY_SIGNING_KEY_ID } : {}),
    },
    config().SECRETS_MAX_AGE_SECONDS,
  );
  return secrets;
}
