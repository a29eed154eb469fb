import { createHash } from 'node:crypto';
import { AwsJsonError, requireString, startAwsJsonEndpoint } from './aws-json-endpoint';
import type { RunningEndpoint } from './aws-json-endpoint';

/**
 * Secrets Manager's GetSecretValue over a fixed map of secret name -> string, so handlers read
 * their signing key the same way locally as in AWS (`AWS_ENDPOINT_URL_SECRETS_MANAGER`).
 */

export interface SecretsEndpointOptions {
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
}

export async function startSecretsEndpoint(
  secrets: Record<string, string>,
  opts: SecretsEndpointOptions = {},
): Promise<RunningEndpoint> {
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';

  return startAwsJsonEndpoint({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    port: opts.port,
    host: opts.host,
    operations: {
      GetSecretValue: (body) => {
        const secretId = requireString(body, 'SecretId');
        // Read the map on every call, so a test can rotate a secret in place.
        const name = findSecret(Object.keys(secrets), secretId);
        if (name === undefined) {
          throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        }
        const value = secrets[name]!;
        return {
          ARN: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix(name)}`,
          Name: name,
          SecretString: value,
          VersionId: versionId(value),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 0,
        };
      },
    },
  });
}

/**
 * A secret is found by its name, or by an ARN (full, with AWS's random 6-character suffix, or
 * partial without it). The longest matching name wins so `key` never shadows `key-2`.
 */
function findSecret(names: string[], secretId: string): string | undefined {
  if (names.includes(secretId)) return secretId;
  const at = secretId.lastIndexOf(':secret:');
  if (at < 0) return undefined;
  const tail = secretId.slice(at + ':secret:'.length);
  return names
    .filter((name) => tail === name || tail.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
}

/** Stable stand-ins for values AWS generates, derived from the input so they never change between calls. */
function suffix(name: string): string {
  return createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6);
}

function versionId(value: string): string {
  const hex = createHash('sha256').update(value).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
