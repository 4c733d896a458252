import { InvalidCredentials } from '../../shared/http/errors.ts';
import { signInFailures, signIns } from '../../shared/observability/metrics.ts';
import { AccountLocked } from '../accounts/locking.ts';
import { emailKey } from '../accounts/normalize.ts';
import { findCredentialsByEmailKey } from '../accounts/repository.ts';
import type { AccountService } from '../accounts/service.ts';
import { recordActivity } from '../activity/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { BotCheckRequired, type GuardedAttempt, RetryLater, type SecretGuard } from './guard.ts';
import { createTrustedDevices } from './trusted-devices.ts';

export type PasswordAttempt = {
  email: string;
  password: string;
  /** What the form posted in its `altcha` field, if anything. */
  botCheck?: string;
  /** The device ids this browser's cookie carries: the server decides what, if anything, they stand for. */
  deviceIds: readonly string[];
  address: string;
  userAgent?: string;
  clientId?: string;
};

/** Counts a sign-in step the guard held back, and lets the refusal go on to the form. */
export function countGuardRefusal(step: 'password' | 'security_key') {
  return (error: unknown): never => {
    if (error instanceof RetryLater) signInFailures.inc({ step, reason: 'throttled' });
    if (error instanceof BotCheckRequired) signInFailures.inc({ step, reason: 'bot_check_required' });
    throw error;
  };
}

/** The usual wrong-password answer, knowing whether the next try must carry the bot check. */
export class PasswordRejected extends InvalidCredentials {
  readonly botCheckNext: boolean;

  constructor(botCheckNext: boolean) {
    super();
    this.botCheckNext = botCheckNext;
  }
}

/**
 * Password sign-in behind the brute-force guard, with every verdict on a known
 * account in its owner's activity. An unknown address goes through the same
 * steps (it has no activity to write), so the answers cannot tell them apart.
 */
export function createPasswordSignIn(deps: {
  db: IdpDatabase;
  accounts: AccountService;
  guard: SecretGuard;
}) {
  const { db, accounts, guard } = deps;
  const devices = createTrustedDevices(db);

  async function signIn(attempt: PasswordAttempt): Promise<string> {
    const key = emailKey(attempt.email);
    const account = await findCredentialsByEmailKey(db, key);
    const guarded: GuardedAttempt = {
      target: account ? { accountId: account.id } : { emailKey: key },
      trustedDevice: await devices.trustedFor(account?.id, attempt.deviceIds),
      address: attempt.address,
      userAgent: attempt.userAgent,
      botCheck: attempt.botCheck,
    };
    const tried = await guard.check(guarded).catch(countGuardRefusal('password'));
    const activity = {
      kind: 'sign-in' as const,
      clientId: attempt.clientId,
      ip: attempt.address,
      userAgent: attempt.userAgent,
    };

    let accountId: string;
    try {
      // The account was read above to pick the guard's lanes: verify against that row.
      accountId = await accounts.verifyPassword(account, attempt.password);
    } catch (error) {
      if (!(error instanceof InvalidCredentials)) throw error;
      if (account) await recordActivity(db, { ...activity, accountId: account.id, success: false });
      const { botCheckNext } = await tried.failed();
      // Known and unknown addresses alike: the metric must not tell them apart either.
      signInFailures.inc({ step: 'password', reason: 'invalid_credentials' });
      throw new PasswordRejected(botCheckNext);
    }
    await tried.succeeded();
    if (account && account.locked_at !== null) {
      await recordActivity(db, { ...activity, accountId, success: false, detail: 'locked' });
      throw new AccountLocked();
    }
    signIns.inc({ step: 'password' });
    await recordActivity(db, { ...activity, accountId, success: true });
    return accountId;
  }

  return { signIn };
}

export type PasswordSignIn = ReturnType<typeof createPasswordSignIn>;
