import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import * as sesLocal from 'aws-ses-v2-local';
import type { CfnTemplate } from './template';

/**
 * The AWS services the product uses, emulated on loopback with no account and no Docker:
 * dynalite for DynamoDB and aws-ses-v2-local for SES (its page shows the inbox).
 */
export interface RunningEmulator {
  url: string;
  close(): Promise<void>;
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** DynamoDB in memory, or on disk under `path` so a restart keeps the leads. */
export async function startDynamoDb(opts: { port?: number; host?: string; path?: string } = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) }) as Server;
  await listen(server, opts.port ?? 0, host);
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

export async function startSes(opts: { port?: number; host?: string } = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  // The emulator listens itself; an explicit IPv4 host, since its default binds `::`.
  // A CommonJS module: its default export sits one level deeper when loaded from ESM.
  const start = ((sesLocal as { default: unknown }).default as { default?: typeof sesLocal.default }).default ?? sesLocal.default;
  const server = await start({ host, port: opts.port ?? 0 });
  if (!server.listening) await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

/** The lead table as the template declares it: keys and indexes come from CDK, not from here. */
export function tableDefinition(template: CfnTemplate, tableName: string): CreateTableCommandInput {
  const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
  if (tables.length !== 1) throw new Error(`Expected one DynamoDB table in the template, found ${tables.length}`);
  const props = tables[0]!.Properties;
  return {
    TableName: tableName,
    AttributeDefinitions: props.AttributeDefinitions,
    KeySchema: props.KeySchema,
    BillingMode: 'PAY_PER_REQUEST',
    ...(props.GlobalSecondaryIndexes
      ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map(({ IndexName, KeySchema, Projection }: Record<string, unknown>) => ({ IndexName, KeySchema, Projection })) }
      : {}),
  } as CreateTableCommandInput;
}

/** Creates the table unless it is there already (a restart with data kept on disk). */
export async function ensureTable(dynamoUrl: string, definition: CreateTableCommandInput): Promise<void> {
  const client = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as { name?: string }).name !== 'ResourceInUseException') throw error;
  } finally {
    client.destroy();
  }
}
