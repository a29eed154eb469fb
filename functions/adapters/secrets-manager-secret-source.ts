import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '@domain/ports';

/** Reads the link-signing secret once per cold start and keeps it. */
export class SecretsManagerSecretSource implements SecretSource {
  private secret: Promise<string> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  linkSecret(): Promise<string> {
    this.secret ??= this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })).then((result) => {
      if (!result.SecretString || result.SecretString.length < 16) throw new Error('The link-signing secret is missing or shorter than 16 characters');
      return result.SecretString;
    });
    // A failed read is not cached: the next call tries again.
    this.secret.catch(() => (this.secret = undefined));
    return this.secret;
  }
}
