import { Throttled } from '../../../shared/http/errors.ts';
import { throttleHits } from '../../../shared/observability/metrics.ts';
import type { CounterReading, WindowCounters } from '../../../shared/state/counters.ts';
import { clientNetwork } from './client-network.ts';

const MINUTE_MS = 60_000;

export type LaneLimit = { failures: number; windowMs: number };

export type GuardLimits = {
  /** Failures for one account from browsers that never signed in to it. */
  account: LaneLimit;
  /** Failures from one browser that signed in to the account before: its own allowance. */
  device: LaneLimit;
  /** Failures from one client network, whatever the account. */
  network: LaneLimit;
  /** The wait after the failure that reaches a limit; it doubles with each further failure. */
  firstDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  account: { failures: 5, windowMs: 15 * MINUTE_MS },
  device: { failures: 10, windowMs: 15 * MINUTE_MS },
  network: { failures: 50, windowMs: 15 * MINUTE_MS },
  firstDelayMs: 2000,
  maxDelayMs: 15 * MINUTE_MS,
};

export type GuardedAttempt = {
  /** An unknown user name is counted under its name exactly like an account, so answers cannot tell them apart. */
  target: { adminUserId: string } | { userName: string };
  /** Only when this browser signed in to this very account before (trusted-devices.ts). */
  trustedDevice?: string;
  address: string;
};

export type GuardedTry = {
  /** The password was wrong; resolves with the failures on the account lane when they just reached its limit. */
  failed(): Promise<{ reachedLimit?: number }>;
  succeeded(): Promise<void>;
};

/** Too soon after the last failure: refused without looking at the password. */
export class RetryLater extends Throttled {
  override name = 'RetryLater';
  readonly retryAfterSeconds: number;

  constructor(waitMs: number) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    super(
      'errors.throttled.retry_later',
      seconds < 120
        ? { unit: 'seconds', count: seconds }
        : { unit: 'minutes', count: Math.ceil(seconds / 60) },
    );
    this.retryAfterSeconds = seconds;
  }
}

type Lane = { key: string; limit: LaneLimit; owner?: string };

/**
 * The Center's sign-in guard, the IdP's design on the shared counters: failures
 * counted per account for browsers the account never used, per client network
 * across accounts, and per device for browsers that signed in to the account
 * before, so guessing never locks the owner out of their own browser. Counted
 * BEFORE the password is verified; past a limit each further try waits twice as
 * long. Nothing sleeps on the server: a try that comes too soon is refused with
 * the time to wait.
 */
export function createSignInGuard(deps: {
  counters: WindowCounters;
  limits?: Partial<GuardLimits>;
  now?: () => number;
}) {
  const { counters } = deps;
  const limits = { ...DEFAULT_GUARD_LIMITS, ...deps.limits };
  const now = deps.now ?? Date.now;

  function lanesOf(attempt: GuardedAttempt): Lane[] {
    const { target } = attempt;
    const account = 'adminUserId' in target ? `user:${target.adminUserId}` : `name:${target.userName}`;
    if (attempt.trustedDevice) {
      return [{ key: `center:device:${account}:${attempt.trustedDevice}`, limit: limits.device }];
    }
    return [
      {
        key: `center:${account}`,
        limit: limits.account,
        owner: 'adminUserId' in target ? target.adminUserId : undefined,
      },
      { key: `center:network:${clientNetwork(attempt.address)}`, limit: limits.network },
    ];
  }

  function delayAfter(limit: LaneLimit, failures: number): number {
    return Math.min(limits.firstDelayMs * 2 ** (failures - limit.failures), limits.maxDelayMs);
  }

  function failuresIn(lane: Lane, row: CounterReading | undefined, at: number) {
    return row && row.windowStartedAt > at - lane.limit.windowMs
      ? { count: row.count, lastAt: row.lastCountedAt }
      : { count: 0, lastAt: 0 };
  }

  async function check(attempt: GuardedAttempt): Promise<GuardedTry> {
    const lanes = lanesOf(attempt);
    const keys = lanes.map((lane) => lane.key);
    const at = now();
    const rows = await counters.read(keys);
    const before = lanes.map((lane) => failuresIn(lane, rows.get(lane.key), at));
    const nextTryAt = Math.max(
      ...lanes.map((lane, i) =>
        before[i]!.count >= lane.limit.failures
          ? before[i]!.lastAt + delayAfter(lane.limit, before[i]!.count)
          : 0,
      ),
    );
    if (nextTryAt > at) {
      throttleHits.inc({ service: 'admin-center', limit: 'password', answer: 'wait' });
      throw new RetryLater(nextTryAt - at);
    }

    // Counted before the password is checked, so a burst of simultaneous guesses
    // cannot all pass on one reading; a right password takes its count back.
    const counts = await Promise.all(lanes.map((lane) => counters.count(lane.key, lane.limit.windowMs, at)));
    // Past a limit one try per wait goes through: one that another try overtook waits like any other.
    const overtaken = lanes.findIndex(
      (lane, i) => counts[i]! > lane.limit.failures && counts[i] !== before[i]!.count + 1,
    );
    if (overtaken >= 0) {
      throttleHits.inc({ service: 'admin-center', limit: 'password', answer: 'wait' });
      throw new RetryLater(delayAfter(lanes[overtaken]!.limit, counts[overtaken]!));
    }

    return {
      async failed() {
        const accountLane = lanes.findIndex((lane) => lane.owner);
        // Only one try sees the count reach the limit: the owner hears of it once.
        const reached = accountLane >= 0 && counts[accountLane] === lanes[accountLane]!.limit.failures;
        return reached ? { reachedLimit: counts[accountLane] } : {};
      },
      async succeeded() {
        // A success resets only the device it came from; the shared lanes only lose this try,
        // so the owner signing in somewhere does not hand a guesser a fresh allowance.
        if (attempt.trustedDevice) await counters.clear(keys[0]!);
        else await counters.uncount(keys);
      },
    };
  }

  return { check };
}

export type SignInGuard = ReturnType<typeof createSignInGuard>;
