import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pathToFileURL } from 'node:url';
import { DynamoDbLeadStore } from '@adapters/dynamodb-lead-store';
import { type DeployConfig, loadConfig } from '../lib/config';

/**
 * What the ops commands (`npm run lead`, `npm run report`) share: where the leads are, and
 * how a command fails. They only read. By default they read the local stack's DynamoDB
 * (`npm start`, port DYNAMODB_PORT or 8000); `--table <name>` reads that table in AWS with
 * the usual credentials (AWS_PROFILE, AWS_REGION, ...).
 */
export const LOCAL_TABLE = 'speed-to-lead-local';

/** Flags every ops command takes, for node:util parseArgs. */
export const storeFlags = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  stage: { type: 'string', default: 'dev' },
} as const;

export interface StoreFlags {
  table?: string;
  endpoint?: string;
  region?: string;
  stage?: string;
}

export interface OpenedStore {
  store: DynamoDbLeadStore;
  /** Where the data comes from, for messages: `http://127.0.0.1:8000 (table speed-to-lead-local)` or `AWS (table X)`. */
  where: string;
  close(): void;
}

/** A usage or input problem: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** `retentionDays`: the stage's, for a command that writes what expires with the leads (the dashboard's digest). */
export function openLeadStore(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env, retentionDays = 1): OpenedStore {
  const inAws = flags.table !== undefined && flags.endpoint === undefined;
  const endpoint = inAws ? undefined : (flags.endpoint ?? `http://127.0.0.1:${env.DYNAMODB_PORT || 8000}`);
  const table = flags.table ?? LOCAL_TABLE;
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint, region: flags.region ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    ...(inAws && flags.region ? { region: flags.region } : {}),
    maxAttempts: 3,
  });
  return {
    // Retention only matters for writes; the commands that only read leave it at 1.
    store: new DynamoDbLeadStore(DynamoDBDocumentClient.from(client), table, retentionDays),
    where: `${endpoint ?? 'AWS'} (table ${table})`,
    close: () => client.destroy(),
  };
}

/** The deploy config of the stage whose SLA the commands measure against. */
export function stageConfig(flags: StoreFlags): DeployConfig {
  try {
    return loadConfig(flags.stage ?? 'dev');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Turns what goes wrong into one line a person can act on. */
export function explain(error: unknown, where: string): string {
  const { name, message, cause } = error as { name?: string; message?: string; cause?: { code?: string }; code?: string };
  const code = (error as { code?: string }).code ?? cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message ?? '')) {
    return `No DynamoDB answers at ${where}. Start the product with \`npm start\` (or point DYNAMODB_PORT / --endpoint at it), or read AWS with --table <name>.`;
  }
  if (name === 'ResourceNotFoundException') return `No such table: ${where}. Check --table (the stack output TableName) and AWS_REGION.`;
  if (name === 'CredentialsProviderError' || name === 'UnrecognizedClientException') return `No usable AWS credentials for ${where}: set AWS_PROFILE (or the AWS_* variables).`;
  return `${name ?? 'Error'}: ${message ?? String(error)}`;
}

/**
 * Opens the store for one command, runs it, and always closes the store; a failure becomes
 * one line a person can act on and exit code 1.
 */
export async function withLeadStore(flags: StoreFlags, command: (opened: OpenedStore) => Promise<void>, retentionDays?: number): Promise<void> {
  const opened = openLeadStore(flags, process.env, retentionDays);
  try {
    await command(opened);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(explain(error, opened.where));
    process.exitCode = 1;
  } finally {
    opened.close();
  }
}

/** Runs a command's main when the file is the one tsx was asked to run (not when a test imports it). */
export async function runIfMain(moduleUrl: string, main: () => Promise<void>): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  try {
    await main();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
