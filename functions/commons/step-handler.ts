import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type * as z from '@domain/zod';
import { logger } from '@commons/logger';
import { measure, type Measurement, publishMeasurements } from '@commons/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { tracer } from '@commons/tracer';

/**
 * A workflow step: the state machine's payload is parsed with the step's schema, the lead id
 * becomes the log's correlation id, and errors propagate by name so the state machine's Retry
 * and Catch can tell transient from final. `measurements` turns the step's result into
 * metrics, published by middleware once the step returns.
 */
export function stepHandler<S extends z.ZodMiniType<{ leadId: string }>, R>(
  schema: S,
  step: (input: z.infer<S>) => Promise<R>,
  measurements?: (input: z.infer<S>, result: R) => Measurement[],
) {
  return middy<unknown, R, Error, Context>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMeasurements<unknown, R>())
    .handler(async (event, context) => {
      const input = schema.parse(event);
      logger.appendKeys({ leadId: input.leadId });
      const result = await step(input);
      if (measurements) measure(context, ...measurements(input, result));
      return result;
    });
}
