// autocannon ships no types; the slice the bench uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    connections?: number;
    amount?: number;
    timeout?: number;
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
    requests?: Array<Request & { setupRequest?: (request: Request, context: Record<string, unknown>) => Request; onResponse?: (status: number, body: string) => void }>;
  }
  interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    latency: { p50: number; p99: number };
    requests: { average: number; total: number };
  }
  interface Instance extends EventEmitter {
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }
  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
