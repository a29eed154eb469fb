import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; lead data stays out of them (ids only). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'speed-to-lead' });
