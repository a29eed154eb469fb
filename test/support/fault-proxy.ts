import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
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

/** The transient faults a cloud service really answers with, and that the product promises to ride out. */
export type FaultKind = 'throttling' | 'unavailable' | 'reset' | 'timeout';
export const faultKinds: readonly FaultKind[] = ['throttling', 'unavailable', 'reset', 'timeout'];

/**
 * Faults drawn at random, for soak runs. Every one is refused before it reaches the emulator,
 * so a failed request never took effect: retrying it is always safe, which is what makes the
 * fault transient. (A response lost after the service acted is another kind: the product
 * promises at-least-once there, not exactly-once.)
 */
export interface RandomFaults {
  /** Share of requests that fail, 0 to 1. */
  rate: number;
  /** Whose error bodies to answer with. */
  service: 'dynamodb' | 'ses';
  /**
   * Fail only an SDK call's first attempt (its `amz-sdk-request: attempt=N` header), so the
   * client's own retry gets through: how a brief throttle or blip looks to a caller.
   */
  firstAttemptOnly?: boolean;
}

/** How long a `timeout` holds the request before dropping the connection (ms). */
const STALL_MS = 250;

type Answer = { status: number; type: string; message: string };

// DynamoDB names its errors in the body's __type (JSON 1.0); SES v2 in x-amzn-errortype.
const DYNAMO = 'com.amazonaws.dynamodb.v20120810#';
const answers: Record<RandomFaults['service'], Record<'throttling' | 'unavailable', Answer[]>> = {
  dynamodb: {
    throttling: [{ status: 400, type: `${DYNAMO}ThrottlingException`, message: 'Rate of requests exceeds the allowed throughput.' }],
    unavailable: [{ status: 503, type: `${DYNAMO}ServiceUnavailable`, message: 'Service Unavailable' }],
  },
  ses: {
    // SES's sending-rate limit, as its v1 API words it and as v2 answers it: a client must treat both as "later".
    throttling: [
      { status: 400, type: 'Throttling', message: 'Maximum sending rate exceeded.' },
      { status: 429, type: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' },
    ],
    unavailable: [{ status: 503, type: 'ServiceUnavailable', message: 'Service Unavailable' }],
  },
};

const attemptOf = (request: IncomingMessage) => Number(/attempt=(\d+)/.exec(String(request.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);

export async function startFaultProxy(targetUrl: string, options: { random?: RandomFaults } = {}) {
  const target = new URL(targetUrl);
  const faults: Fault[] = [];
  const random = options.random;
  const counts: Record<FaultKind, number> = { throttling: 0, unavailable: 0, reset: 0, timeout: 0 };
  const held = new Set<NodeJS.Timeout>();
  let injected = 0;
  let requests = 0;

  const answer = (res: ServerResponse, status: number, type: string, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
    res.end(JSON.stringify(body));
  };

  /** The random fault for this request, if it draws one. */
  const randomFault = (req: IncomingMessage): FaultKind | undefined => {
    if (!random || random.rate <= 0) return undefined;
    if (random.firstAttemptOnly && attemptOf(req) > 1) return undefined;
    if (Math.random() >= random.rate) return undefined;
    return faultKinds[Math.floor(Math.random() * faultKinds.length)]!;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      const body = Buffer.concat(chunks);
      const fault = faults.find((f) => f.times > 0 && f.matches(body.toString('utf8')));
      if (fault) {
        fault.times -= 1;
        injected += 1;
        answer(res, fault.status, String((fault.body as { __type?: string }).__type ?? ''), fault.body);
        return;
      }
      const kind = randomFault(req);
      if (kind) {
        injected += 1;
        counts[kind] += 1;
        if (kind === 'reset') {
          req.socket.destroy();
        } else if (kind === 'timeout') {
          // Nothing comes back until the connection drops: what a client sees of a stalled service.
          const timer = setTimeout(() => {
            held.delete(timer);
            req.socket.destroy();
          }, STALL_MS);
          held.add(timer);
        } else {
          const choices = answers[random!.service][kind];
          const { status, type, message } = choices[Math.floor(Math.random() * choices.length)]!;
          answer(res, status, type.replace(/^.*#/, ''), { __type: type, message });
        }
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
    /** Faults answered so far, armed and random. */
    get injected() {
      return injected;
    },
    /** Random faults so far, by kind. */
    get counts(): Readonly<Record<FaultKind, number>> {
      return { ...counts };
    },
    /** Requests that reached the proxy (failed or forwarded). */
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        held.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;
