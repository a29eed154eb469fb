import { describe, expect, it } from 'vitest';
import { defaultStartQuota, TokenBucket } from '../../local/sfn-endpoint';

/** The local StartExecution quota: AWS's token bucket, on a clock the test moves. */
describe('the StartExecution token bucket', () => {
  it("spends its capacity at once, then refills at its rate, never above capacity", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it("defaults to AWS's quota in most regions: 800, refilled at 150/s", () => {
    expect(defaultStartQuota).toEqual({ capacity: 800, refillPerSecond: 150 });
  });
});
