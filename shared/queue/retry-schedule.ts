/**
 * When a failed delivery (a mail, a logout token) is tried again. While the
 * outage is young the gap stays short, so a receiver that comes back after a
 * few minutes is served within `boundedDelayMs`; after `boundedForMs` the gap
 * grows to a tenth of the time already waited (a long outage is not hammered),
 * up to `maxDelayMs`.
 */
export type RetrySchedule = {
  /** The first retry waits twice this; each further one doubles, within the caps below. */
  baseDelayMs: number;
  /** The longest gap while the delivery is younger than `boundedForMs`. */
  boundedDelayMs: number;
  boundedForMs: number;
  /** The longest gap ever. */
  maxDelayMs: number;
};

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = {
  baseDelayMs: 1000,
  boundedDelayMs: 60_000,
  boundedForMs: 10 * 60_000,
  maxDelayMs: 15 * 60_000,
};

/** The wait before the next try, after `attempts` failed tries of a delivery queued `ageMs` ago. */
export function retryDelayMs(schedule: RetrySchedule, attempts: number, ageMs: number): number {
  const doubled = schedule.baseDelayMs * 2 ** Math.min(attempts, 40);
  const cap =
    ageMs < schedule.boundedForMs
      ? schedule.boundedDelayMs
      : Math.min(schedule.maxDelayMs, Math.max(schedule.boundedDelayMs, Math.floor(ageMs / 10)));
  return Math.min(doubled, cap);
}
