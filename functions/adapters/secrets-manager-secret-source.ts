import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TransientError } from '@domain/errors';
import type { SecretSource } from '@domain/ports';

/** One secret's string, read on first use and kept for the life of the container. */
class CachedSecret {
  private value: Promise<string> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string | undefined,
    private readonly what: string,
  ) {}

  read(): Promise<string> {
    if (!this.secretId) return Promise.reject(new Error(`No ${this.what} is configured for this function`));
    this.value ??= this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })).then(
      (result) => {
        if (!result.SecretString || result.SecretString.length < 16) throw new Error(`The ${this.what} is missing or shorter than 16 characters`);
        return result.SecretString;
      },
      (error: unknown) => {
        // Throttling, a 5xx or a network fault passes: the caller answers 503 (or the workflow
        // retries). A missing secret or a missing grant does not, and stays an error.
        const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = $metadata?.httpStatusCode;
        if (status === undefined || status >= 500 || /Throttl/i.test(name ?? '')) {
          throw new TransientError(`Could not read the ${this.what} (${name ?? 'error'})`, { cause: error });
        }
        throw error;
      },
    );
    // A failed read is not cached: the next call tries again.
    this.value.catch(() => (this.value = undefined));
    return this.value;
  }
}

/** The signing secrets from Secrets Manager, each read once per cold start and kept. */
export class SecretsManagerSecretSource implements SecretSource {
  private readonly link: CachedSecret;
  private readonly webhook: CachedSecret;

  constructor(client: SecretsManagerClient, ids: { link: string; webhook?: string }) {
    this.link = new CachedSecret(client, ids.link, 'link-signing secret');
    this.webhook = new CachedSecret(client, ids.webhook, 'webhook signing secret');
  }

  linkSecret(): Promise<string> {
    return this.link.read();
  }

  webhookSecret(): Promise<string> {
    return this.webhook.read();
  }
}
