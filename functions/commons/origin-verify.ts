import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '@commons/tracer';

/** Reads the value every request must carry in X-Origin-Verify. */
export type OriginVerifySource = () => Promise<string>;

const sources = new Map<string, Promise<string>>();

/**
 * Behind the firewall, CDK names the secret CloudFront sends (ORIGIN_VERIFY_SECRET_ID, the form
 * intake only): its value is read from Secrets Manager on first use and kept for the container,
 * never put in the environment. Replacing the secret is a deploy that gives the intake a new
 * ARN, so new containers. Undefined when the function is not behind the firewall.
 */
export function originVerifyFromEnv(secretId: string | undefined = process.env.ORIGIN_VERIFY_SECRET_ID): OriginVerifySource | undefined {
  if (!secretId) return undefined;
  return () => {
    let value = sources.get(secretId);
    if (!value) {
      value = client()
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .then(({ SecretString }) => {
          if (!SecretString || SecretString.length < 16) throw new Error('The origin-verify secret is missing or shorter than 16 characters');
          return SecretString;
        });
      sources.set(secretId, value);
      // A failed read is not kept: the next request tries again (a throttled read answers 503 meanwhile).
      value.catch(() => sources.delete(secretId));
    }
    return value;
  };
}

let secretsManager: SecretsManagerClient | undefined;
const client = () => (secretsManager ??= tracer.captureAWSv3Client(new SecretsManagerClient({})));
