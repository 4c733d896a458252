import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, retryDelayMs } from '../../shared/queue/retry-schedule.ts';

const MINUTE = 60_000;

/** When each try happens while every try fails at once: the ages, from the first try at 0. */
function triesUntil(endMs: number): number[] {
  const tries = [0];
  for (let attempts = 1; tries.at(-1)! < endMs; attempts += 1) {
    const last = tries.at(-1)!;
    tries.push(last + retryDelayMs(DEFAULT_RETRY_SCHEDULE, attempts, last));
  }
  return tries;
}

describe('the default retry schedule of mail and back-channel logouts', () => {
  test('no gap is longer than a minute in the first ten minutes of an outage', () => {
    const tries = triesUntil(10 * MINUTE);
    for (let index = 1; index < tries.length; index += 1) {
      if (tries[index - 1]! < 10 * MINUTE)
        expect(tries[index]! - tries[index - 1]!).toBeLessThanOrEqual(MINUTE);
    }
  });

  test('the first retries come quickly: a brief blip costs seconds, not a minute', () => {
    expect(triesUntil(30_000).slice(0, 5)).toEqual([0, 2000, 6000, 14_000, 30_000]);
  });

  test('after ten minutes the gap grows with the outage, up to fifteen minutes, never shrinking', () => {
    const tries = triesUntil(24 * 60 * MINUTE);
    const gaps = tries.slice(1).map((at, index) => at - tries[index]!);
    for (let index = 1; index < gaps.length; index += 1)
      expect(gaps[index]!).toBeGreaterThanOrEqual(gaps[index - 1]!);
    expect(Math.max(...gaps)).toBe(15 * MINUTE);
    expect(gaps.at(-1)).toBe(15 * MINUTE);
    // An hour in, a try every six minutes: far fewer than one a minute, far more than one a quarter.
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE, 30, 60 * MINUTE)).toBe(6 * MINUTE);
  });

  test('SMTP down for two and a half minutes: the mail goes within a minute of its return', () => {
    const back = 150_000;
    const firstTryAfter = triesUntil(back + MINUTE).find((at) => at >= back)!;
    expect(firstTryAfter - back).toBeLessThanOrEqual(MINUTE);
  });

  test('SMTP down for two minutes: each mail, whenever queued in the outage, goes within 70 s of its return', () => {
    const back = 2 * MINUTE;
    for (let queuedAt = 0; queuedAt < back; queuedAt += 5000) {
      const firstTryAfter = triesUntil(back + MINUTE)
        .map((age) => queuedAt + age)
        .find((at) => at >= back)!;
      // One poll (1 s) and the send itself fit in the 10 s left.
      expect(firstTryAfter - back).toBeLessThanOrEqual(MINUTE);
    }
  });
});
