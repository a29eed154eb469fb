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

/**
 * The app client's logout URLs, as the parent registers them (allowRedirect in local/cognito.ts).
 * cognito-local serves Cognito's /oauth2/authorize, its login form and /oauth2/token, but not
 * /logout: this stands in for it, in Cognito's wire format (GET with client_id and logout_uri,
 * a 302 to logout_uri when the client lists it, an error otherwise). It has no hosted session
 * cookie to clear: its login form asks every time.
 */
const logoutUrls = new Map<string, string[]>();
process.on('message', (message: { logoutUrls?: Record<string, string[]> }) => {
  for (const [clientId, urls] of Object.entries(message.logoutUrls ?? {})) logoutUrls.set(clientId, urls);
});

interface Request {
  query: Record<string, unknown>;
}
interface Response {
  redirect(url: string): void;
  status(code: number): { json(body: unknown): void };
}

try {
  const server = await createDefaultServer(pino({ level: 'warn' }));
  (server.application as { get(path: string, handler: (req: Request, res: Response) => void): void }).get('/logout', (req, res) => {
    const clientId = typeof req.query.client_id === 'string' ? req.query.client_id : '';
    const logoutUri = typeof req.query.logout_uri === 'string' ? req.query.logout_uri : '';
    if (!logoutUrls.has(clientId)) return res.status(400).json({ error: 'invalid_request', error_description: 'Invalid client_id' });
    if (!logoutUrls.get(clientId)!.includes(logoutUri)) return res.status(400).json({ error: 'invalid_request', error_description: 'logout_uri not registered for this client' });
    res.redirect(logoutUri);
  });
  const listening = await server.start();
  const address = listening.address();
  process.send({ ready: typeof address === 'object' && address ? address.port : undefined });
} catch (error) {
  const { message, code } = error as NodeJS.ErrnoException;
  process.send({ failed: { message, ...(code ? { code } : {}) } });
}
