import { createHash, randomUUID } from 'node:crypto';
import { AwsJsonError, requireString, startAwsJsonEndpoint } from './aws-json-endpoint';
import type { RunningEndpoint } from './aws-json-endpoint';

/**
 * Secrets Manager's GetSecretValue and PutSecretValue over secrets named at start, so handlers
 * read their signing key the same way locally as in AWS (`AWS_ENDPOINT_URL_SECRETS_MANAGER`)
 * and a test rotates one with the real SDK client. Versions carry staging labels as in AWS:
 * a new value takes `AWSCURRENT`, the version it replaces becomes `AWSPREVIOUS`, and the one
 * before that loses its label.
 */

interface SecretVersion {
  id: string;
  value: string;
  stages: string[];
  createdAt: number;
}

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
  const versions = new Map<string, SecretVersion[]>(
    Object.entries(secrets).map(([name, value]) => [name, [{ id: versionId(value), value, stages: ['AWSCURRENT'], createdAt: Date.now() / 1000 }]]),
  );
  const arnOf = (name: string) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix(name)}`;
  const secretNamed = (secretId: string) => {
    const name = findSecret([...versions.keys()], secretId);
    if (name === undefined) throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return { name, versions: versions.get(name)! };
  };

  return startAwsJsonEndpoint({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    port: opts.port,
    host: opts.host,
    operations: {
      GetSecretValue: (body) => {
        const { name, versions: all } = secretNamed(requireString(body, 'SecretId'));
        const { VersionId: id, VersionStage: stage } = body as { VersionId?: unknown; VersionStage?: unknown };
        // Neither given: AWSCURRENT. Both given: they must name the same version.
        const byStage = id === undefined || stage !== undefined ? all.find((v) => v.stages.includes(String(stage ?? 'AWSCURRENT'))) : undefined;
        const byId = id !== undefined ? all.find((v) => v.id === id) : undefined;
        const version = id !== undefined && stage !== undefined ? (byId === byStage ? byId : undefined) : (byId ?? byStage);
        if (!version) {
          const what = stage !== undefined ? `staging label: ${String(stage)}` : `VersionId: ${String(id)}`;
          throw new AwsJsonError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${what}`);
        }
        return { ARN: arnOf(name), Name: name, SecretString: version.value, VersionId: version.id, VersionStages: version.stages, CreatedDate: version.createdAt };
      },
      PutSecretValue: (body) => {
        const { name, versions: all } = secretNamed(requireString(body, 'SecretId'));
        const value = requireString(body, 'SecretString');
        if (body.VersionStages !== undefined) {
          throw new AwsJsonError('ValidationException', 'This stand-in moves AWSCURRENT only: leave VersionStages out');
        }
        // The SDK fills ClientRequestToken (the new version's id); the same token again is a retry.
        const id = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : randomUUID();
        const retried = all.find((v) => v.id === id);
        if (retried) {
          if (retried.value !== value) throw new AwsJsonError('ResourceExistsException', `A resource with the ID you requested already exists: version ${id} has another value`);
          return { ARN: arnOf(name), Name: name, VersionId: id, VersionStages: retried.stages };
        }
        for (const version of all) {
          version.stages = version.stages.filter((s) => s !== 'AWSPREVIOUS').map((s) => (s === 'AWSCURRENT' ? 'AWSPREVIOUS' : s));
        }
        all.push({ id, value, stages: ['AWSCURRENT'], createdAt: Date.now() / 1000 });
        return { ARN: arnOf(name), Name: name, VersionId: id, VersionStages: ['AWSCURRENT'] };
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
