/**
 * dynalite and the SES emulator in a process of their own, so that they have a core to
 * themselves and the runner and the handlers the other one (local/emulators.ts starts it with
 * `fork` and speaks to it over IPC). It lives exactly as long as its parent wants it: it
 * stops when asked, and when the IPC channel closes because the parent is gone (an exit, a
 * crash, `kill -9`), so no test or `npm start` ever leaves one behind.
 */
import type { EmulatorAnswer, EmulatorMessage, EmulatorReply, EmulatorRequest, RunningEmulator } from './emulators';
import { countEmails, startDynamoDb, startSes } from './emulators';

if (!process.send) {
  console.error('local/emulator-process.ts is started by startEmulators() (local/emulators.ts), over IPC');
  process.exit(1);
}

const running: RunningEmulator[] = [];
let stopping: Promise<void> | undefined;

const answer = (id: number, reply: EmulatorReply) =>
  new Promise<void>((resolve) => (process.connected ? process.send!({ id, reply } satisfies EmulatorAnswer, () => resolve()) : resolve()));

/** Closes the servers (dynalite writes its data out) and exits; `id`: the close request to answer. */
function stop(id?: number): Promise<void> {
  stopping ??= (async () => {
    for (const emulator of running.splice(0).reverse()) await emulator.close().catch((error: unknown) => console.error('[emulators] close failed', error));
    if (id !== undefined) await answer(id, { closed: true });
    process.exit(0);
  })();
  return stopping;
}

// Ctrl-C in a terminal signals the whole process group: the parent decides when we stop,
// because it still needs DynamoDB to let the steps under way finish.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.once('disconnect', () => void stop());

process.on('message', ({ id, request }: EmulatorMessage) => {
  handle(id, request).then(
    (reply) => reply && answer(id, reply),
    (error: unknown) => {
      const { name = 'Error', message = String(error), code, port, syscall, address } = error as NodeJS.ErrnoException & { port?: number; address?: string };
      return answer(id, { failed: { name, message, ...(code ? { code } : {}), ...(port !== undefined ? { port } : {}), ...(syscall ? { syscall } : {}), ...(address ? { address } : {}) } });
    },
  );
});

async function handle(id: number, request: EmulatorRequest): Promise<EmulatorReply | undefined> {
  if ('start' in request) {
    const { host, dynamo, ses } = request.start;
    const dynamoDb = await startDynamoDb({ host, ...dynamo });
    running.push(dynamoDb);
    const inbox = await startSes({ host, ...ses });
    running.push(inbox);
    return { ready: { dynamoUrl: dynamoDb.url, sesUrl: inbox.url } };
  }
  if ('usage' in request) {
    const cpu = process.cpuUsage();
    return { usage: { pid: process.pid, rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 } };
  }
  if ('emails' in request) return { emails: await countEmails() };
  // Answered once the servers are closed, just before it exits.
  await stop(id);
  return undefined;
}
