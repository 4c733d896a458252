import { DomainError } from '../../shared/http/errors.ts';
import type { IdpDatabase } from '../database.ts';
import { setLocked } from './repository.ts';

/**
 * Told only to whoever typed the right password: anyone else gets the usual
 * wrong-credentials answer, so a lock does not reveal that an address has an account.
 */
export class AccountLocked extends DomainError {
  override name = 'AccountLocked';
  constructor() {
    super(403, 'account_locked');
  }
}

/** An operator's lock: no new sign-in, and every session (and site session) of the account ends now. */
export function createAccountLocking(deps: {
  db: IdpDatabase;
  /** Every session of the account, and its sites' sessions through back-channel logout. */
  endSessions: (accountId: string) => Promise<void>;
}) {
  const { db, endSessions } = deps;

  async function lock(accountId: string, now = Date.now()): Promise<boolean> {
    const changed = await setLocked(db, accountId, true, now);
    // Also when it was locked already: a session begun in the instant before the lock must not survive it.
    await endSessions(accountId);
    return changed;
  }

  function unlock(accountId: string, now = Date.now()): Promise<boolean> {
    return setLocked(db, accountId, false, now);
  }

  return { lock, unlock };
}
