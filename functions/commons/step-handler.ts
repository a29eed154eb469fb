import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger } from '@commons/logger';

/**
 * A workflow step: the state machine's payload is parsed with the step's schema, the lead id
 * becomes the log's correlation id, and errors propagate by name so the state machine's Retry
 * and Catch can tell transient from final.
 */
export function stepHandler<S extends z.ZodType<{ leadId: string }>, R>(schema: S, step: (input: z.infer<S>) => Promise<R>) {
  return middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const input = schema.parse(event);
      logger.appendKeys({ leadId: input.leadId });
      return step(input);
    });
}
