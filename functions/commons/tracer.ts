import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray traces of each invocation and its AWS calls; off outside Lambda. Loaded with the module
 * on purpose, though the X-Ray SDK is the largest part of every bundle after the AWS SDK (about
 * 120 KB and 15-20 ms of start-up): on Lambda, Powertools traces whenever AWS_EXECUTION_ENV is
 * set, so loading it lazily would only move that cost into the first invocation; it would save
 * it only where tracing is off anyway (tests, the local stack).
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'speed-to-lead' });
