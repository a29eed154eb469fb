import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Sits between a handler's SDK client and an emulator and, when armed, answers a matching
 * request with an error instead of forwarding it: the faults an emulator cannot produce
 * (throttling, 503s) injected at the HTTP level, so the real client and adapter handle them.
 */
export interface Fault {
  /** Which requests fail: tested against the raw request body. */
  matches: (body: string) => boolean;
  times: number;
  status: number;
  body: object;
}

export async function startFaultProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  const faults: Fault[] = [];
  let injected = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault = faults.find((f) => f.times > 0 && f.matches(body.toString('utf8')));
      if (fault) {
        fault.times -= 1;
        injected += 1;
        res.writeHead(fault.status, { 'content-type': 'application/json', 'x-amzn-errortype': String((fault.body as { __type?: string }).__type ?? '') });
        res.end(JSON.stringify(fault.body));
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fail(fault: Fault) {
      faults.push(fault);
    },
    get injected() {
      return injected;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
