import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretSource } from '@adapters/secrets-manager-secret-source';
import type { SecretSource } from '@domain/ports';
import { config } from '@commons/config';

let secrets: SecretSource | undefined;

export function linkSecrets(): SecretSource {
  secrets ??= new SecretsManagerSecretSource(new SecretsManagerClient({}), config().LINK_SECRET_ID);
  return secrets;
}
