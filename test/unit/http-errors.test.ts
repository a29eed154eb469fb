import { ConditionalCheckFailedException, InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodTooLarge } from '@domain/errors';
import { errorResponse } from '@commons/http';
import { logger } from '@commons/logger';

/**
 * What a caller gets when a service behind a route still fails after the SDK's retries: a 503
 * with Retry-After (try again), not a 500 (our bug), in both the JSON and the HTML answers.
 */
const metadata = { $metadata: { httpStatusCode: 500 } };

const logged = { warn: vi.spyOn(logger, 'warn').mockImplementation(() => undefined), error: vi.spyOn(logger, 'error').mockImplementation(() => undefined) };
beforeEach(() => vi.clearAllMocks());

describe('errors from the services behind a route', () => {
  it.each([
    ['a DynamoDB internal error', new InternalServerError({ message: 'Internal server error', ...metadata })],
    ['DynamoDB throughput exceeded', new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } })],
    ['an SES throttle', new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } })],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })],
  ])('%s is a 503 to try again', (_, error) => {
    for (const asHtml of [false, true]) {
      const response = errorResponse(error, asHtml);
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('2');
    }
    expect(JSON.parse(errorResponse(error, false).body!)).toEqual({ error: 'ServiceUnavailable', message: 'Please try again in a moment' });
    // An outage is logged as a warning (the service's own alarms page someone), not as our error.
    expect(logged.warn).toHaveBeenCalledWith('A service we depend on failed past its retries', { error });
    expect(logged.error).not.toHaveBeenCalled();
  });

  it('a dashboard period too big to read in time is a 422 that says to choose a shorter period (trying again would not help)', () => {
    const response = errorResponse(new PeriodTooLarge(16, 90), false);
    expect(response.statusCode).toBe(422);
    expect(response.headers?.['retry-after']).toBeUndefined();
    expect(JSON.parse(response.body!)).toEqual({ error: 'PeriodTooLarge', message: 'This period has too many leads to read in time (16 of its 90 days were read): choose a shorter period' });
  });

  it.each([
    ['a condition our code did not expect', new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'email')")],
  ])('%s stays a 500, without its message', (_, error) => {
    const response = errorResponse(error, false);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(error.message);
    expect(logged.error).toHaveBeenCalledWith('Unexpected error', { error });
  });
});
