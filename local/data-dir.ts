import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `npm start` keeps between runs, in one folder (`.local/` by default, git-ignored):
 * the DynamoDB data, so leads and their unfinished sequences survive a restart, the queued
 * workflow starts (SQS), so a start throttled just before a stop still happens, the
 * link-signing secret, so the links in emails already sent keep working, and the CRM webhook's
 * secret, so local tools (`npm run seed`) can sign requests as a CRM would.
 */
export interface LocalData {
  dir: string;
  /** dynalite's folder. */
  dynamoPath: string;
  /** The local SQS's messages (the start queue's). */
  queuePath: string;
  /** cognito-local's folder: the team's users. */
  cognitoPath: string;
  linkSecret: string;
  /** The signed webhook's secret (`POST /leads/{id}/contact` and `/outcome`), unless CRM_WEBHOOK_SECRET gives one. */
  webhookSecret: string;
  /** Nothing was kept yet: a first start, or a start with --fresh. */
  isNew: boolean;
  /** Lets the next process open the folder. */
  release(): void;
}

/** Another live process has the folder open (its pid). */
export class DataDirInUse extends Error {
  override name = 'DataDirInUse';
  constructor(readonly dir: string, readonly pid: number) {
    super(`${dir} is in use by process ${pid}`);
  }
}

const SECRET_FILE = 'link-secret';
const WEBHOOK_SECRET_FILE = 'crm-webhook-secret';
const DYNAMO_DIR = 'dynamodb';
const QUEUE_FILE = 'sqs.jsonl';
const COGNITO_DIR = 'cognito';
const PID_FILE = 'pid';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One process at a time: dynalite's store cannot be shared, and finds out only after it has
 * started (with an uncaught error). A pid file whose process is gone was left by a crash.
 */
function claim(dir: string): () => void {
  const pidPath = join(dir, PID_FILE);
  for (;;) {
    try {
      writeFileSync(pidPath, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(pidPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(pidPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) throw new DataDirInUse(dir, holder);
      unlinkSync(pidPath);
    }
  }
}

export function openLocalData(dir: string, opts: { fresh?: boolean } = {}): LocalData {
  const dynamoPath = join(dir, DYNAMO_DIR);
  const secretPath = join(dir, SECRET_FILE);
  const webhookSecretPath = join(dir, WEBHOOK_SECRET_FILE);
  const queuePath = join(dir, QUEUE_FILE);
  const cognitoPath = join(dir, COGNITO_DIR);
  mkdirSync(dir, { recursive: true });
  // Before --fresh: never wipe the data of a run that is still going.
  const release = claim(dir);
  if (opts.fresh) {
    // Only what we wrote: LOCAL_DATA_DIR may point at a folder that holds other things.
    rmSync(dynamoPath, { recursive: true, force: true });
    rmSync(queuePath, { force: true });
    rmSync(secretPath, { force: true });
    rmSync(webhookSecretPath, { force: true });
    rmSync(cognitoPath, { recursive: true, force: true });
  }
  const isNew = !existsSync(dynamoPath);
  mkdirSync(dynamoPath, { recursive: true });

  return { dir, dynamoPath, queuePath, cognitoPath, linkSecret: keptSecret(secretPath), webhookSecret: keptSecret(webhookSecretPath), isNew, release };
}

/** A secret kept in the folder (only its owner may read it), made on first use. */
function keptSecret(path: string): string {
  let secret = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (!/^[0-9a-f]{64}$/.test(secret)) {
    secret = randomBytes(32).toString('hex');
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  }
  return secret;
}

/** The CRM webhook's secret a running `npm start` keeps in `dir`, for a local tool; undefined before the first start. */
export function keptWebhookSecret(dir: string): string | undefined {
  const path = join(dir, WEBHOOK_SECRET_FILE);
  const secret = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  return /^[0-9a-f]{64}$/.test(secret) ? secret : undefined;
}
