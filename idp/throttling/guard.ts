import { z } from 'zod';
import { Throttled } from '../../shared/http/errors.ts';
import { translate } from '../../shared/i18n/context.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { throttleHits } from '../../shared/observability/metrics.ts';
import { type BotCheck, MAX_PAYLOAD_LENGTH } from '../../shared/security/botcheck.ts';
import type { CounterReading, WindowCounters } from '../../shared/state/counters.ts';
import { findAccountById } from '../accounts/repository.ts';
import { recordActivity } from '../activity/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { recipientWords } from '../locales/catalogues.ts';
import { BotCheckRequired, createBotCheckGate } from './bot-check-gate.ts';
import { clientNetwork } from './client-address.ts';
import { lockoutMail } from './mails.ts';
import type { TrustedDevice } from './trusted-devices.ts';

const MINUTE_MS = 60_000;

/** The secrets a guard can stand before, in the words of the owner's activity list. */
const SECRETS = {
  password: { wrongMany: 'wrong passwords' },
  'security-key': { wrongMany: 'wrong security keys' },
  'security-key-answers': { wrongMany: 'wrong answers to the security key questions' },
  'secret-answer': { wrongMany: 'wrong secret answers' },
} as const;

export type GuardedSecret = keyof typeof SECRETS;

export type LaneLimit = { failures: number; windowMs: number };

export type GuardLimits = {
  /** Failures for one account from browsers that never signed in to it. */
  account: LaneLimit;
  /** Failures from one browser that did sign in to the account before: its own allowance. */
  device: LaneLimit;
  /** Failures from one client network, whatever the account. */
  address: LaneLimit;
  /** The wait after the failure that reaches a limit; it doubles with each further failure. */
  firstDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_LIMITS: GuardLimits = {
  account: { failures: 5, windowMs: 15 * MINUTE_MS },
  device: { failures: 10, windowMs: 15 * MINUTE_MS },
  address: { failures: 50, windowMs: 15 * MINUTE_MS },
  firstDelayMs: 2000,
  maxDelayMs: 15 * MINUTE_MS,
};

export type GuardedAttempt = {
  /**
   * Whose secret is tried. An address without an account is counted under its
   * emailKey exactly like an account, so the answers cannot tell them apart.
   */
  target: { accountId: string } | { emailKey: string };
  /**
   * Only when this browser signed in to this very account before: the device
   * the server issued it then (trusted-devices.ts, `trustedFor`). Leave it out
   * for a second factor, where a fresh password sign-in would otherwise make
   * any browser trusted.
   */
  trustedDevice?: TrustedDevice;
  /** The client's address (request.ip). */
  address: string;
  userAgent?: string;
  /** What the form posted in its `altcha` field, if anything. */
  botCheck?: unknown;
  /** The form was posted by a browser running no scripts (its <noscript> mark). */
  noScript?: boolean;
};

/** One try that passed the guard; tell it how the secret turned out. */
export type GuardedTry = {
  /** The secret was wrong; says whether the form must show the bot check for the next try. */
  failed(): Promise<{ botCheckNext: boolean }>;
  succeeded(): Promise<void>;
};

export type SecretGuard = {
  /** Before the secret is verified: throws RetryLater or NoScriptLaneFull (429), or BotCheckRequired (400). */
  check(attempt: GuardedAttempt): Promise<GuardedTry>;
};

export type SecretGuardDeps = {
  db: IdpDatabase;
  /** The throttle counters, in the database or in Redis. */
  counters: WindowCounters;
  botCheck: BotCheck;
  mailQueued: () => void;
  secret: GuardedSecret;
  limits?: Partial<GuardLimits>;
  /**
   * For forms that always show the bot check: the guard verifies it on every
   * try. A solution is accepted once only, so the form must not verify it too.
   */
  botCheckAlways?: boolean;
  /** Tries per network and hour that may come without the bot check, from browsers without scripts. */
  noScriptPerHour?: number;
  now?: () => number;
};

/** Too soon after the last failure: refused without looking at the secret. */
export class RetryLater extends Throttled {
  override name = 'RetryLater';
  readonly retryAfterSeconds: number;
  readonly botCheckNext = true;

  constructor(waitMs: number) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    super('errors.throttled.retry_later', waitVars(seconds));
    this.retryAfterSeconds = seconds;
  }
}

export { BotCheckRequired };

/** Whether a refusal means the form must show the bot check, so the next try can carry a solution. */
export function asksForBotCheck(error: unknown): boolean {
  return (error as { botCheckNext?: unknown } | null)?.botCheckNext === true;
}

/** The form field the bot check widget posts: guarded forms add `altcha: botCheckAnswer`. */
export const botCheckAnswer = z
  .string()
  .max(MAX_PAYLOAD_LENGTH, { error: () => translate('form_errors.bot_check_invalid') })
  .optional();

type Lane = { key: string; limit: LaneLimit; owner?: string };

/**
 * Brute-force defence after OWASP's device cookie pattern: failures are counted
 * per account for browsers the account never used, per client network across
 * accounts, and per device for browsers that signed in to the account before.
 * Past a limit each further try from that lane waits longer and needs the bot
 * check; the owner's own browsers keep their allowance, so guessing cannot lock
 * the owner out. Nothing sleeps on the server: a try that comes too soon is
 * refused with the time to wait.
 */
export function createSecretGuard(deps: SecretGuardDeps): SecretGuard {
  const { db, secret, counters } = deps;
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const now = deps.now ?? Date.now;
  const botCheckGate = createBotCheckGate({
    counters,
    botCheck: deps.botCheck,
    noScriptPerHour: deps.noScriptPerHour,
  });

  function lanesOf(attempt: GuardedAttempt): Lane[] {
    const { target } = attempt;
    const account = 'accountId' in target ? `account:${target.accountId}` : `email:${target.emailKey}`;
    if (attempt.trustedDevice) {
      return [{ key: `${secret}:device:${account}:${attempt.trustedDevice}`, limit: limits.device }];
    }
    return [
      {
        key: `${secret}:${account}`,
        limit: limits.account,
        owner: 'accountId' in target ? target.accountId : undefined,
      },
      { key: `${secret}:network:${clientNetwork(attempt.address)}`, limit: limits.address },
    ];
  }

  /** Failures reach back one window; the wait after the nth failure past the limit doubles n times. */
  function delayAfter(limit: LaneLimit, failures: number): number {
    return Math.min(limits.firstDelayMs * 2 ** (failures - limit.failures), limits.maxDelayMs);
  }

  function failuresIn(lane: Lane, row: CounterReading | undefined, at: number) {
    return row && row.windowStartedAt > at - lane.limit.windowMs
      ? { count: row.count, lastAt: row.lastCountedAt }
      : { count: 0, lastAt: 0 };
  }

  async function mailOwner(accountId: string, attempt: GuardedAttempt, failures: number): Promise<void> {
    const owner = await findAccountById(db, accountId);
    if (!owner) return;
    await db.transaction().execute(async (tx) => {
      await recordActivity(tx, {
        accountId,
        kind: 'lockout',
        success: false,
        ip: attempt.address,
        userAgent: attempt.userAgent,
        detail: `${failures} ${SECRETS[secret].wrongMany}`,
      });
      await enqueueMail(
        tx,
        lockoutMail(recipientWords(owner.language), owner.email, {
          secret: secret.replaceAll('-', '_'),
          failures,
          address: attempt.address,
        }),
      );
    });
    deps.mailQueued();
  }

  async function check(attempt: GuardedAttempt): Promise<GuardedTry> {
    const lanes = lanesOf(attempt);
    const keys = lanes.map((lane) => lane.key);
    const at = now();
    const rows = await counters.read(keys);
    const before = lanes.map((lane) => failuresIn(lane, rows.get(lane.key), at));
    const limited = lanes.map((lane, i) => before[i]!.count >= lane.limit.failures);

    const nextTryAt = Math.max(
      ...lanes.map((lane, i) =>
        limited[i] ? before[i]!.lastAt + delayAfter(lane.limit, before[i]!.count) : 0,
      ),
    );
    if (nextTryAt > at) {
      throttleHits.inc({ service: 'idp', limit: secret, answer: 'wait' });
      throw new RetryLater(nextTryAt - at);
    }
    const overLimit = limited.some(Boolean);
    if (deps.botCheckAlways || overLimit) {
      try {
        await botCheckGate.pass(
          secret,
          { altcha: attempt.botCheck, noScript: attempt.noScript },
          attempt.address,
          { afterFailures: !deps.botCheckAlways },
        );
      } catch (error) {
        // A form that always asks for the check is not held back by a limit.
        if (overLimit && error instanceof BotCheckRequired) {
          throttleHits.inc({ service: 'idp', limit: secret, answer: 'bot_check' });
        }
        throw error;
      }
    }

    // Counted before the secret is checked, so a burst of simultaneous guesses
    // cannot all pass on one reading; a right secret takes its count back.
    const counts = await countLanes(counters, lanes, at);
    // Past a limit one try per wait goes through: one that another try overtook
    // between the reading and the count waits like any other.
    const overtaken = lanes.findIndex(
      (lane, i) => counts[i]! > lane.limit.failures && counts[i] !== before[i]!.count + 1,
    );
    if (overtaken >= 0) {
      throttleHits.inc({ service: 'idp', limit: secret, answer: 'wait' });
      throw new RetryLater(delayAfter(lanes[overtaken]!.limit, counts[overtaken]!));
    }

    return {
      async failed() {
        const accountLane = lanes.findIndex((lane) => lane.owner);
        // Only one try sees the count reach the limit: the owner hears of a lockout once.
        if (accountLane >= 0 && counts[accountLane] === lanes[accountLane]!.limit.failures) {
          await mailOwner(lanes[accountLane]!.owner!, attempt, counts[accountLane]!);
        }
        return {
          botCheckNext:
            Boolean(deps.botCheckAlways) || lanes.some((lane, i) => counts[i]! >= lane.limit.failures),
        };
      },

      async succeeded() {
        // As OWASP has it, a success resets only the device it came from. The
        // lanes of untrusted browsers are shared with whoever is guessing, so
        // they only lose this try: the owner signing in somewhere must not
        // hand an attacker a fresh allowance.
        if (attempt.trustedDevice) await counters.clear(keys[0]!);
        else await counters.uncount(keys);
      },
    };
  }

  return { check };
}

/** Each lane's count including this try: one write for all the lanes that share a window. */
async function countLanes(counters: WindowCounters, lanes: Lane[], at: number): Promise<number[]> {
  const windows = [...new Set(lanes.map((lane) => lane.limit.windowMs))];
  const counted = await Promise.all(
    windows.map((windowMs) =>
      counters.countEach(
        lanes.filter((lane) => lane.limit.windowMs === windowMs).map((lane) => lane.key),
        windowMs,
        at,
      ),
    ),
  );
  return lanes.map((lane) => counted[windows.indexOf(lane.limit.windowMs)]!.get(lane.key)!);
}

/** The wait in the largest unit that reads well; the catalogue words it (ICU plural). */
function waitVars(seconds: number) {
  return seconds < 120
    ? { unit: 'seconds', count: seconds }
    : { unit: 'minutes', count: Math.ceil(seconds / 60) };
}
