import { Tracer } from '@aws-lambda-powertools/tracer';

/** X-Ray traces of each invocation and its AWS calls; off outside Lambda. */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'speed-to-lead' });
