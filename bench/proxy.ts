import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP proxy on loopback that tells `onExchange` of each request body and the
 * response body once the upstream has answered (and before the client gets the answer), and
 * may rewrite the request body (e.g. ask DynamoDB for its consumed capacity).
 */
export async function startProxy(
  upstream: string,
  hooks: {
    rewrite?: (body: Buffer, request: IncomingMessage) => Buffer;
    onExchange?: (exchange: { request: IncomingMessage; requestBody: Buffer; status: number; responseBody: Buffer; finishedAt: number }) => void;
  },
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const original = Buffer.concat(chunks);
      const body = hooks.rewrite ? hooks.rewrite(original, req) : original;
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const up = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on('data', (c: Buffer) => out.push(c));
        upRes.on('end', () => {
          const responseBody = Buffer.concat(out);
          hooks.onExchange?.({ request: req, requestBody: original, status: upRes.statusCode ?? 0, responseBody, finishedAt: performance.timeOrigin + performance.now() });
          const outHeaders = { ...upRes.headers, 'content-length': String(responseBody.length) };
          delete outHeaders['transfer-encoding'];
          res.writeHead(upRes.statusCode ?? 502, outHeaders);
          res.end(responseBody);
        });
      });
      up.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SentEmail {
  to: string[];
  subject: string;
  at: number;
}

/** SES SendEmail requests as they complete (the emulator's own `at` is whole seconds). */
export function recordingSes(sent: SentEmail[]) {
  return (emulatorUrl: string) =>
    startProxy(emulatorUrl, {
      onExchange: ({ request, requestBody, status, finishedAt }) => {
        if (request.method !== 'POST' || !request.url?.includes('/outbound-emails') || status !== 200) return;
        try {
          const body = JSON.parse(requestBody.toString('utf8')) as { Destination?: { ToAddresses?: string[] }; Content?: { Simple?: { Subject?: { Data?: string } } } };
          sent.push({ to: body.Destination?.ToAddresses ?? [], subject: body.Content?.Simple?.Subject?.Data ?? '', at: finishedAt });
        } catch {
          /* not a SendEmail */
        }
      },
    }).then((proxy) => proxy.url);
}

