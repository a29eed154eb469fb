import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
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
  // Loaded on first use: a stack whose emulators run in their own process never needs them here.
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) }) as Server;
  await listen(server, opts.port ?? 0, host);
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

export async function startSes(opts: { port?: number; host?: string } = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  // The emulator listens itself; an explicit IPv4 host, since its default binds `::`.
  // A CommonJS module: its default export sits one level deeper when loaded from ESM.
  const sesLocal = await import('aws-ses-v2-local');
  const start = ((sesLocal as { default: unknown }).default as { default?: typeof sesLocal.default }).default ?? sesLocal.default;
  const server = await start({ host, port: opts.port ?? 0 });
  // Express hands a listen error to the callback, which resolves with a server that is not
  // listening and the error gone: listening again on it brings the error (EADDRINUSE) back.
  if (!server.listening) await listen(server, opts.port ?? 0, host);
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

export interface EmulatorOptions {
  dynamo?: { port?: number; path?: string };
  ses?: { port?: number };
  host?: string;
  /**
   * Run them in this process instead of a child process of their own. The child is the
   * default: dynalite and the SES emulator then have a core of their own, and the runner and
   * the handlers the other (everything in one process is one core for all of it).
   */
  inProcess?: boolean;
}

/** What the emulators' process has used (absent when they run in this process). */
export interface EmulatorUsage {
  pid: number;
  rss: number;
  /** CPU time in ms, user + system, since the process started. */
  cpuMs: number;
}

export interface RunningEmulators {
  dynamo: RunningEmulator;
  ses: RunningEmulator;
  usage(): Promise<EmulatorUsage | undefined>;
  /**
   * How many emails each address received (To, Cc and Bcc), counted where the SES emulator
   * keeps them: a bench checks ten thousand leads' emails without every body crossing HTTP.
   */
  emailCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Counts the SES emulator's emails by recipient, in the process that runs it. */
export async function countEmails(): Promise<Record<string, number>> {
  // Its store module, the one its server writes to (the package has no exports map).
  const { getStoreReadonly } = (await import('aws-ses-v2-local/dist/store.js')) as { getStoreReadonly: () => { emails: Array<{ destination: { to?: string[]; cc?: string[]; bcc?: string[] } }> } };
  const counts: Record<string, number> = {};
  for (const { destination } of getStoreReadonly().emails) {
    for (const address of [...(destination.to ?? []), ...(destination.cc ?? []), ...(destination.bcc ?? [])]) counts[address] = (counts[address] ?? 0) + 1;
  }
  return counts;
}

/** Both emulators, in a child process of their own unless `inProcess`. */
export async function startEmulators(opts: EmulatorOptions = {}): Promise<RunningEmulators> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.inProcess) {
    const dynamo = await startDynamoDb({ host, ...opts.dynamo });
    const ses = await startSes({ host, ...opts.ses }).catch(async (error: unknown) => {
      await dynamo.close();
      throw error;
    });
    return { dynamo, ses, usage: async () => undefined, emailCounts: countEmails, close: async () => void (await Promise.all([ses.close(), dynamo.close()])) };
  }
  return startEmulatorProcess({ host, dynamo: opts.dynamo ?? {}, ses: opts.ses ?? {} });
}

/** The messages between this module and local/emulator-process.ts; an answer carries its question's id. */
export type EmulatorMessage = { id: number; request: EmulatorRequest };
export type EmulatorAnswer = { id: number; reply: EmulatorReply };
export type EmulatorRequest = { start: { host: string; dynamo: { port?: number; path?: string }; ses: { port?: number } } } | { usage: true } | { emails: true } | { close: true };
export type EmulatorReply =
  | { ready: { dynamoUrl: string; sesUrl: string } }
  | { failed: { name: string; message: string; code?: string; port?: number; syscall?: string; address?: string } }
  | { usage: EmulatorUsage }
  | { emails: Record<string, number> }
  | { closed: true };

const CHILD_ENTRY = fileURLToPath(new URL('./emulator-process.ts', import.meta.url));
// Absolute, so the child finds the TypeScript loader whatever its working directory.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CLOSE_TIMEOUT_MS = 15_000;

async function startEmulatorProcess(spec: Extract<EmulatorRequest, { start: unknown }>['start']): Promise<RunningEmulators> {
  const child = fork(CHILD_ENTRY, [], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const waiting = new Map<number, (reply: EmulatorReply | Error) => void>();
  let lastId = 0;
  let closing = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', ({ id, reply }: EmulatorAnswer) => {
    waiting.get(id)?.(reply);
    waiting.delete(id);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of waiting.values()) waiter(new Error(`The emulator process exited (${signal ?? code}) before it answered`));
    waiting.clear();
    if (!closing) console.error(`[emulators] the emulator process exited unexpectedly (${signal ?? code}): DynamoDB and SES are gone`);
  });
  const ask = (request: EmulatorRequest) =>
    new Promise<EmulatorReply>((resolve, reject) => {
      if (!child.connected) return reject(new Error('The emulator process is not running'));
      const id = ++lastId;
      waiting.set(id, (reply) => (reply instanceof Error ? reject(reply) : resolve(reply)));
      child.send({ id, request } satisfies EmulatorMessage);
    }).then((reply) => {
      if ('failed' in reply) throw Object.assign(new Error(reply.failed.message), reply.failed);
      return reply;
    });
  // While it runs, the child must not keep this process alive (a script that ends without
  // close() still ends, and the child follows when the IPC channel closes); while we wait
  // for an answer it must, or a process with nothing else to do would exit mid-question.
  let held = 0;
  const holding = async <T>(work: () => Promise<T>): Promise<T> => {
    if (held++ === 0) {
      child.ref();
      child.channel?.ref();
    }
    try {
      return await work();
    } finally {
      if (--held === 0) {
        child.unref();
        child.channel?.unref();
      }
    }
  };
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const close = () =>
    holding(async () => {
      if (closing) return exited;
      closing = true;
      const timer = setTimeout(kill, CLOSE_TIMEOUT_MS);
      try {
        // It closes its servers (dynalite writes its data out) and exits.
        if (child.connected) await ask({ close: true }).catch(() => undefined);
        await exited;
      } finally {
        clearTimeout(timer);
      }
    });

  try {
    const reply = await holding(() => ask({ start: spec }));
    if (!('ready' in reply)) throw new Error(`Unexpected answer from the emulator process: ${JSON.stringify(reply)}`);
    const remote = (url: string): RunningEmulator => ({ url, close });
    return {
      dynamo: remote(reply.ready.dynamoUrl),
      ses: remote(reply.ready.sesUrl),
      usage: () => holding(async () => ((await ask({ usage: true })) as Extract<EmulatorReply, { usage: unknown }>).usage),
      emailCounts: () => holding(async () => ((await ask({ emails: true })) as Extract<EmulatorReply, { emails: unknown }>).emails),
      close,
    };
  } catch (error) {
    closing = true;
    kill();
    await exited;
    throw error;
  }
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
  // Loaded here, not at the top: the emulator process imports this module and needs no SDK.
  const { CreateTableCommand, DynamoDBClient, ResourceInUseException } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as { name?: string }).name !== 'ResourceInUseException') throw error;
  } finally {
    client.destroy();
  }
}
