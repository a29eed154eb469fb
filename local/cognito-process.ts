/**
 * cognito-local (Amazon Cognito's user pool API and its tokens, on loopback) in a process of
 * its own, started by startCognito() (local/cognito.ts) with PORT and HOST set and its data
 * folder as the working directory (it keeps its pools in `.cognito/`). It stops when its
 * parent disconnects, so no test or `npm start` leaves one behind.
 */
import { createDefaultServer } from 'cognito-local';
import pino from 'pino';

if (!process.send) {
  console.error('local/cognito-process.ts is started by startCognito() (local/cognito.ts), over IPC');
  process.exit(1);
}
// The parent stops us when it is done with us (Ctrl-C reaches the whole process group).
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.once('disconnect', () => process.exit(0));

try {
  const server = await createDefaultServer(pino({ level: 'warn' }));
  const listening = await server.start();
  const address = listening.address();
  process.send({ ready: typeof address === 'object' && address ? address.port : undefined });
} catch (error) {
  const { message, code } = error as NodeJS.ErrnoException;
  process.send({ failed: { message, ...(code ? { code } : {}) } });
}
