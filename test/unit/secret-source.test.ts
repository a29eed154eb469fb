import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SecretsManagerSecretSource } from '@adapters/secrets-manager-secret-source';
import type { RunningEndpoint } from '../../local/aws-json-endpoint';
import { startSecretsEndpoint } from '../../local/secrets-endpoint';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';

/**
 * The signing secrets as functions read them: the current and the previous version from
 * Secrets Manager (the local stand-in, through the real SDK client), kept for maxAge, read
 * again after it, and a read that fails for a while is a TransientError (503), not a 500.
 */
const [first, second, third] = ['first-value-of-the-link-key', 'second-value-of-the-link-key', 'third-value-of-the-link-key'];
const MAX_AGE = 300;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let secrets: RunningEndpoint;
let proxy: FaultProxy;
let admin: SecretsManagerClient;
let functions: SecretsManagerClient;

beforeAll(async () => {
  secrets = await startSecretsEndpoint({ 'link-key': first, 'webhook-key': 'the-crm-shared-secret-000', 'fresh-key': first });
  // Counts the functions' reads, and fails them when told to.
  proxy = await startFaultProxy(secrets.url);
  admin = new SecretsManagerClient({ endpoint: secrets.url, region: 'us-east-1', credentials });
  functions = new SecretsManagerClient({ endpoint: proxy.url, region: 'us-east-1', credentials, maxAttempts: 2 });
});

afterAll(async () => {
  admin?.destroy();
  functions?.destroy();
  await proxy?.close();
  await secrets?.close();
});

afterEach(() => {
  vi.useRealTimers();
});

const rotate = (value: string) => admin.send(new PutSecretValueCommand({ SecretId: 'link-key', SecretString: value }));

describe('the link secret across rotations', () => {
  it('is the current value alone before any rotation, read once per maxAge, then current and previous after each', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = new SecretsManagerSecretSource(functions, { link: 'link-key' }, MAX_AGE);
    const before = proxy.requests;
    expect(await source.linkSecrets()).toEqual({ current: first });
    expect(await source.linkSecrets()).toEqual({ current: first });
    // AWSCURRENT and AWSPREVIOUS (absent) read once, then kept.
    expect(proxy.requests - before).toBe(2);

    await rotate(second);
    // Within maxAge the function still has what it read.
    vi.setSystemTime(Date.now() + (MAX_AGE - 1) * 1000);
    expect(await source.linkSecrets()).toEqual({ current: first });
    vi.setSystemTime(Date.now() + 2_000);
    expect(await source.linkSecrets()).toEqual({ current: second, previous: first });

    await rotate(third);
    vi.setSystemTime(Date.now() + (MAX_AGE + 1) * 1000);
    expect(await source.linkSecrets()).toEqual({ current: third, previous: second });
  });

  it('read fresh (a signature neither value matched): at once after a put; from the cache for 10 seconds after a fresh read that found nothing new', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = new SecretsManagerSecretSource(functions, { link: 'fresh-key' }, MAX_AGE);
    expect(await source.linkSecrets()).toEqual({ current: first });
    await admin.send(new PutSecretValueCommand({ SecretId: 'fresh-key', SecretString: second }));
    expect(await source.linkSecrets()).toEqual({ current: first });
    expect(await source.linkSecrets({ fresh: true })).toEqual({ current: second, previous: first });
    // What a fresh read found is the cache now.
    expect(await source.linkSecrets()).toEqual({ current: second, previous: first });

    // A flood of forged links: the first fresh read finds nothing new, the next 10 seconds' come from the cache.
    let before = proxy.requests;
    for (let i = 0; i < 5; i++) expect(await source.linkSecrets({ fresh: true })).toEqual({ current: second, previous: first });
    expect(proxy.requests - before).toBe(2);
    await admin.send(new PutSecretValueCommand({ SecretId: 'fresh-key', SecretString: third }));
    before = proxy.requests;
    vi.setSystemTime(Date.now() + 9_000);
    expect(await source.linkSecrets({ fresh: true })).toEqual({ current: second, previous: first });
    expect(proxy.requests - before).toBe(0);
    vi.setSystemTime(Date.now() + 1_000);
    expect(await source.linkSecrets({ fresh: true })).toEqual({ current: third, previous: second });
    expect(proxy.requests - before).toBe(2);
  });

  it('a read failing past the SDK retries is a TransientError (a 503 to the caller), and the next call reads again', async () => {
    const source = new SecretsManagerSecretSource(functions, { link: 'webhook-key' }, MAX_AGE);
    // Both stages' reads fail on each of the client's two attempts.
    const before = proxy.injected;
    proxy.fail({ matches: () => true, times: 4, status: 503, body: { __type: 'InternalServiceError', message: 'Service Unavailable' } });
    await expect(source.linkSecrets()).rejects.toMatchObject({ name: 'TransientError', message: expect.stringMatching(/Could not read the link-signing secret/) });
    await vi.waitFor(() => expect(proxy.injected - before).toBe(4));
    await expect(source.linkSecrets()).resolves.toEqual({ current: 'the-crm-shared-secret-000' });
  });

  it('a secret that does not exist, or none configured, is an error that stays one (not a 503 to retry)', async () => {
    const missing = new SecretsManagerSecretSource(functions, { link: 'no-such-secret' }, MAX_AGE);
    await expect(missing.linkSecrets()).rejects.toMatchObject({ name: 'GetParameterError', cause: { name: 'ResourceNotFoundException' } });
    const unconfigured = new SecretsManagerSecretSource(functions, { link: 'link-key' }, MAX_AGE);
    await expect(unconfigured.webhookSecrets()).rejects.toThrow(/No webhook signing secret is configured/);
  });
});

describe('the local Secrets Manager, as AWS keeps versions', () => {
  it('moves AWSCURRENT to a new value and AWSPREVIOUS to the one it replaced; a version read by id keeps its value', async () => {
    const stand = await startSecretsEndpoint({ key: 'value-one' });
    const client = new SecretsManagerClient({ endpoint: stand.url, region: 'us-east-1', credentials });
    const get = (input: { VersionStage?: string; VersionId?: string }) => client.send(new GetSecretValueCommand({ SecretId: 'key', ...input }));
    try {
      const one = await get({});
      expect(one).toMatchObject({ SecretString: 'value-one', VersionStages: ['AWSCURRENT'] });
      await expect(get({ VersionStage: 'AWSPREVIOUS' })).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: expect.stringMatching(/staging label: AWSPREVIOUS/) });

      const two = await client.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'value-two', ClientRequestToken: 'a1b2c3d4-0000-4000-8000-000000000002' }));
      expect(two).toMatchObject({ VersionId: 'a1b2c3d4-0000-4000-8000-000000000002', VersionStages: ['AWSCURRENT'] });
      // The SDK's retry of the same put (same token, same value) is the same version; another value with it is refused.
      expect((await client.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'value-two', ClientRequestToken: two.VersionId }))).VersionId).toBe(two.VersionId);
      await expect(client.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'other', ClientRequestToken: two.VersionId }))).rejects.toMatchObject({ name: 'ResourceExistsException' });
      expect(await get({ VersionStage: 'AWSCURRENT' })).toMatchObject({ SecretString: 'value-two', VersionId: two.VersionId });
      expect(await get({ VersionStage: 'AWSPREVIOUS' })).toMatchObject({ SecretString: 'value-one', VersionId: one.VersionId, VersionStages: ['AWSPREVIOUS'] });

      await client.send(new PutSecretValueCommand({ SecretId: 'key', SecretString: 'value-three' }));
      expect(await get({ VersionStage: 'AWSPREVIOUS' })).toMatchObject({ SecretString: 'value-two' });
      // Two rotations old: no label any more, still readable by its id.
      expect(await get({ VersionId: one.VersionId! })).toMatchObject({ SecretString: 'value-one', VersionStages: [] });
      await expect(get({ VersionId: one.VersionId!, VersionStage: 'AWSCURRENT' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      client.destroy();
      await stand.close();
    }
  });
});
