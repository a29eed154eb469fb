import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { TransientError } from '@domain/errors';
import type { SecretRead, SecretSource, SecretVersions } from '@domain/ports';

/** After a fresh read that found nothing new, how long fresh reads come from the cache: a flood of forged links costs one read per this. */
const FRESH_READ_FLOOR_MS = 10_000;

/**
 * One secret's current and previous values (Secrets Manager's `AWSCURRENT` and `AWSPREVIOUS`
 * stages), each kept for `maxAgeSeconds` and then read again: after a new value is put, every
 * container signs with it within that time, and what the old value signed still verifies
 * until the next rotation. A signature neither value matches asks for a fresh read: it may be
 * a link another container signed with a value put since this one read.
 */
class RotatingSecret {
  // One provider per stage: Powertools keys its cache by the secret's name, not by the stage.
  private readonly current: SecretsProvider;
  private readonly previous: SecretsProvider;
  /** Until when (ms) the secret is known to have no previous version: Powertools caches values, not absences. */
  private noPreviousUntil = 0;
  private noFreshReadUntil = 0;
  private lastCurrent: string | undefined;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string | undefined,
    private readonly what: string,
    private readonly maxAgeSeconds: number,
  ) {
    this.current = new SecretsProvider({ awsSdkV3Client: client });
    this.previous = new SecretsProvider({ awsSdkV3Client: client });
  }

  async read({ fresh = false }: SecretRead = {}): Promise<SecretVersions> {
    if (!this.secretId) throw new Error(`No ${this.what} is configured for this function`);
    const forceFetch = fresh && Date.now() >= this.noFreshReadUntil;
    if (forceFetch) this.noPreviousUntil = 0;
    const [current, previous] = await Promise.all([this.readCurrent(this.secretId, forceFetch), this.readPrevious(this.secretId, forceFetch)]);
    if (forceFetch && current === this.lastCurrent) this.noFreshReadUntil = Date.now() + FRESH_READ_FLOOR_MS;
    this.lastCurrent = current;
    return previous !== undefined && previous !== current ? { current, previous } : { current };
  }

  private async readCurrent(secretId: string, forceFetch: boolean): Promise<string> {
    const value = await this.current.get(secretId, { maxAge: this.maxAgeSeconds, forceFetch, sdkOptions: { VersionStage: 'AWSCURRENT' } }).catch(this.asTransient);
    if (typeof value !== 'string' || value.length < 16) throw new Error(`The ${this.what} is missing or shorter than 16 characters`);
    return value;
  }

  /** The value before the last rotation; none before the first one (or one too short to have ever signed). */
  private async readPrevious(secretId: string, forceFetch: boolean): Promise<string | undefined> {
    if (Date.now() < this.noPreviousUntil) return undefined;
    try {
      const value = await this.previous.get(secretId, { maxAge: this.maxAgeSeconds, forceFetch, throwOnMissing: true, sdkOptions: { VersionStage: 'AWSPREVIOUS' } });
      return typeof value === 'string' && value.length >= 16 ? value : undefined;
    } catch (error) {
      if (!(error instanceof ParameterNotFoundError)) return this.asTransient(error);
      this.noPreviousUntil = Date.now() + this.maxAgeSeconds * 1000;
      return undefined;
    }
  }

  /**
   * Throttling, a 5xx or a network fault passes: the caller answers 503 (or the workflow
   * retries). A missing secret or a missing grant does not, and stays an error. A failed read
   * is not cached: the next call tries again.
   */
  private readonly asTransient = (error: unknown): never => {
    // Powertools wraps the SDK's error as its cause.
    const sdkError = ((error as { cause?: unknown })?.cause ?? error) as { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = sdkError.$metadata?.httpStatusCode;
    if (status === undefined || status >= 500 || /Throttl/i.test(sdkError.name ?? '')) {
      throw new TransientError(`Could not read the ${this.what} (${sdkError.name ?? 'error'})`, { cause: error });
    }
    throw error;
  };
}

/** The signing secrets from Secrets Manager, each read again after `maxAgeSeconds` so a rotation needs no redeploy. */
export class SecretsManagerSecretSource implements SecretSource {
  private readonly link: RotatingSecret;
  private readonly webhook: RotatingSecret;
  private readonly slackSigning: RotatingSecret;
  private readonly slackBot: RotatingSecret;
  private readonly hubspotClient: RotatingSecret;
  private readonly pipedrive: RotatingSecret;
  private readonly salesforce: RotatingSecret;
  private readonly calcom: RotatingSecret;
  private readonly calendly: RotatingSecret;

  constructor(client: SecretsManagerClient, ids: { link: string; webhook?: string; slackSigning?: string; slackBot?: string; hubspotClient?: string; pipedrive?: string; salesforce?: string; calcom?: string; calendly?: string }, maxAgeSeconds: number) {
    this.link = new RotatingSecret(client, ids.link, 'link-signing secret', maxAgeSeconds);
    this.webhook = new RotatingSecret(client, ids.webhook, 'webhook signing secret', maxAgeSeconds);
    this.slackSigning = new RotatingSecret(client, ids.slackSigning, 'Slack signing secret', maxAgeSeconds);
    this.slackBot = new RotatingSecret(client, ids.slackBot, 'Slack bot token', maxAgeSeconds);
    this.hubspotClient = new RotatingSecret(client, ids.hubspotClient, 'HubSpot client secret', maxAgeSeconds);
    this.pipedrive = new RotatingSecret(client, ids.pipedrive, 'Pipedrive webhook credentials', maxAgeSeconds);
    this.salesforce = new RotatingSecret(client, ids.salesforce, 'Salesforce endpoint token', maxAgeSeconds);
    this.calcom = new RotatingSecret(client, ids.calcom, 'Cal.com webhook secret', maxAgeSeconds);
    this.calendly = new RotatingSecret(client, ids.calendly, 'Calendly signing key', maxAgeSeconds);
  }

  calcomWebhookSecrets(read?: SecretRead): Promise<SecretVersions> {
    return this.calcom.read(read);
  }

  calendlySigningKeys(read?: SecretRead): Promise<SecretVersions> {
    return this.calendly.read(read);
  }

  salesforceTokens(read?: SecretRead): Promise<SecretVersions> {
    return this.salesforce.read(read);
  }

  pipedriveCredentials(read?: SecretRead): Promise<SecretVersions> {
    return this.pipedrive.read(read);
  }

  hubspotClientSecrets(read?: SecretRead): Promise<SecretVersions> {
    return this.hubspotClient.read(read);
  }

  slackSigningSecrets(read?: SecretRead): Promise<SecretVersions> {
    return this.slackSigning.read(read);
  }

  /** The token as put now: a revoked one is replaced, not kept alongside. */
  async slackBotToken(read?: SecretRead): Promise<string> {
    return (await this.slackBot.read(read)).current;
  }

  linkSecrets(read?: SecretRead): Promise<SecretVersions> {
    return this.link.read(read);
  }

  webhookSecrets(read?: SecretRead): Promise<SecretVersions> {
    return this.webhook.read(read);
  }
}
