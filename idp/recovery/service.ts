import type { Transaction } from 'kysely';
import type Provider from 'oidc-provider';
import { DomainError, InvalidInput, LinkInvalid, Throttled } from '../../shared/http/errors.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { hashSecret, verifyAgainstNothing, verifySecret } from '../../shared/security/hashing.ts';
import {
  consumeEmailToken,
  dropPendingTokens,
  issueEmailToken,
  peekEmailToken,
} from '../accounts/email-tokens.ts';
import { emailKey, normalizeAnswer } from '../accounts/normalize.ts';
import { passwordProblem } from '../accounts/password-policy.ts';
import { emailKeyExists, setPassword } from '../accounts/repository.ts';
import { recordActivity } from '../activity/repository.ts';
import type { IdpDatabase, IdpTables } from '../database.ts';
import { recipientWords } from '../locales/catalogues.ts';
import { endSessions } from '../oidc/end-sessions.ts';
import type { ShortLivedStore } from '../state/short-lived-store.ts';
import type { SecretGuard } from '../throttling/guard.ts';
import { createTrustedDevices, revokeTrustedDevices } from '../throttling/trusted-devices.ts';
import { passwordChangedMail, recoveryLockedMail, resetLinkMail } from './mails.ts';
import {
  type AddressesAtReset,
  dropSecretAnswer,
  dropUnconfirmedRecoveryData,
  findRecoveryAccountByEmailKey,
  findRecoveryAccountById,
  lockRecovery,
  type RecoveryAccount,
  restoreAddresses,
} from './repository.ts';

const HOUR_MS = 60 * 60 * 1000;
const RESET_LINK_TTL_MS = 30 * 60 * 1000;
const RESET_LINK_REQUESTS_PER_HOUR = 5;
// Long enough for the owner to read the notice after a weekend away.
const DISOWN_LINK_TTL_MS = 7 * 24 * HOUR_MS;
const RECOVERY_LOCK_MS = 24 * HOUR_MS;

/** Who asked, for the account's activity list and the guard's lanes. */
export type RequestOrigin = {
  ip: string;
  userAgent?: string;
  /** The device ids this browser carries; only the store can tell what they stand for. */
  deviceIds: readonly string[];
};

export type SecretAnswerClaim = {
  email: string;
  answer: string;
  newPassword: string;
  altcha?: string;
  /** Sent by a browser without scripts: no proof, counted in the no-script lane instead. */
  noScript?: boolean;
};

export class RecoveryDetailsWrong extends DomainError {
  override name = 'RecoveryDetailsWrong';
  constructor() {
    super(401, 'recovery_answer_wrong');
  }
}

/** An untrusted browser: said alike for known and unknown addresses. */
export class SecretAnswerNotHere extends DomainError {
  override name = 'SecretAnswerNotHere';
  constructor() {
    super(403, 'secret_answer_not_here');
  }
}

export class NoSecretAnswer extends DomainError {
  override name = 'NoSecretAnswer';
  constructor() {
    super(409, 'no_secret_answer');
  }
}

export class RecoveryPaused extends Throttled {
  override name = 'RecoveryPaused';
  constructor() {
    super('errors.throttled.recovery_paused');
  }
}

/** The primary address always; the alternate one only once its owner proved it is theirs. */
function verifiedAddresses(account: RecoveryAccount): string[] {
  const alternate =
    account.alternate_email && account.alternate_email_verified_at !== null ? account.alternate_email : null;
  return alternate && alternate.toLowerCase() !== account.email.toLowerCase()
    ? [account.email, alternate]
    : [account.email];
}

function recoveryLocked(account: RecoveryAccount, now = Date.now()): boolean {
  return account.recovery_locked_until !== null && account.recovery_locked_until > now;
}

/**
 * "Forgot your password?": a mailed link, or the secret answer on a browser
 * that signed in to the account before. No proof is something the IdP hands
 * to sites (country, postal code), and a stranger's browser is only ever
 * offered the mailed link, so neither way tells whether an address has an
 * account. A reset ends every session, never grants the strong level, and
 * mails every verified address a "this was not me" link.
 */
export function createRecoveryService(deps: {
  db: IdpDatabase;
  shortLived: ShortLivedStore;
  provider: Provider;
  issuer: string;
  mailQueued: () => void;
  secretAnswerGuard: SecretGuard;
}) {
  const { db, provider, issuer } = deps;
  const devices = createTrustedDevices(db);
  const resetUrl = `${issuer}/password/reset`;

  /**
   * One link, mailed to every address of the account, so whichever mailbox the
   * person can still open works; spending it from one spends it for all.
   */
  async function requestResetLink(email: string, linkBase: string): Promise<void> {
    const key = emailKey(email);
    // Unknown addresses are counted too, so the limit itself tells nothing.
    const requests = await deps.shortLived.counters.count(`reset-link:${key}`, HOUR_MS);
    if (requests > RESET_LINK_REQUESTS_PER_HOUR) return;
    const account = await findRecoveryAccountByEmailKey(db, key);
    if (!account || recoveryLocked(account)) return;
    await db.transaction().execute(async (tx) => {
      const token = await issueEmailToken(tx, {
        purpose: 'password-reset',
        emailKey: key,
        accountId: account.id,
        payload: {},
        ttlMs: RESET_LINK_TTL_MS,
      });
      for (const to of verifiedAddresses(account)) {
        await enqueueMail(tx, resetLinkMail(recipientWords(account.language), to, `${linkBase}${token}`));
      }
    });
    deps.mailQueued();
  }

  /** A live link of this purpose and the account it was mailed for; a link whose account is gone is invalid. */
  async function linkedAccount(purpose: 'password-reset' | 'password-reset-disowned', token: unknown) {
    const link = await peekEmailToken(db, purpose, token);
    const account = link.account_id ? await findRecoveryAccountById(db, link.account_id) : undefined;
    if (!account) throw new LinkInvalid();
    return { link, account };
  }

  async function checkResetLink(token: unknown): Promise<void> {
    await peekEmailToken(db, 'password-reset', token);
  }

  /** The link is spent in the transaction that changes the password: both happen or neither. */
  async function resetWithLink(token: unknown, newPassword: string, origin: RequestOrigin): Promise<void> {
    const { account } = await linkedAccount('password-reset', token);
    if (recoveryLocked(account)) throw new RecoveryPaused();
    const problem = passwordProblem(newPassword, account.email);
    if (problem) throw new InvalidInput({ password: problem });
    // Hashed before the transaction, so the store is not held while argon2 works.
    const passwordHash = await hashSecret(newPassword);
    await db.transaction().execute(async (tx) => {
      await consumeEmailToken(tx, 'password-reset', token);
      // The link proves the mailbox: what its owner never confirmed goes.
      await dropUnconfirmedRecoveryData(tx, account.id);
      const after = (await findRecoveryAccountById(tx, account.id))!;
      await changePassword(tx, after, passwordHash, origin, 'link');
    });
    await afterPasswordChange(account.id);
  }

  /**
   * The account, only when this browser signed in to it before and the server
   * still vouches for its device id. The store is asked for unknown addresses
   * too, so both take the same work and get the same refusal.
   */
  async function onTrustedBrowser(email: string, origin: RequestOrigin) {
    const account = await findRecoveryAccountByEmailKey(db, emailKey(email));
    const device = await devices.trustedFor(account?.id, origin.deviceIds);
    if (!account || !device) throw new SecretAnswerNotHere();
    return { account, device };
  }

  /**
   * The question to ask, only on a browser that signed in to the account
   * before. Anywhere else the answer is never asked, known address or not,
   * so a stranger learns nothing from it (not even a decoy).
   */
  async function askedQuestion(email: string, origin: RequestOrigin): Promise<string> {
    const { account } = await onTrustedBrowser(email, origin);
    if (recoveryLocked(account)) throw new RecoveryPaused();
    if (account.secret_question === '') throw new NoSecretAnswer();
    return account.secret_question;
  }

  /**
   * Behind the one secret guard, counted before the answer is checked: a
   * browser trusted by the account has its own allowance, so nobody else's
   * wrong answers lock the owner out.
   */
  async function resetWithAnswer(claim: SecretAnswerClaim, origin: RequestOrigin): Promise<void> {
    const { account, device } = await onTrustedBrowser(claim.email, origin);
    if (recoveryLocked(account)) throw new RecoveryPaused();
    const tried = await deps.secretAnswerGuard.check({
      target: { accountId: account.id },
      trustedDevice: device,
      address: origin.ip,
      userAgent: origin.userAgent,
      botCheck: claim.altcha,
      noScript: claim.noScript,
    });
    const answer = normalizeAnswer(claim.answer);
    const hasAnswer = account.secret_answer_hash !== '';
    const answerHolds = hasAnswer
      ? await verifySecret(account.secret_answer_hash, answer)
      : await verifyAgainstNothing(answer);
    if (!answerHolds) {
      await recordActivity(db, {
        accountId: account.id,
        kind: 'password-reset',
        success: false,
        ip: origin.ip,
        userAgent: origin.userAgent,
        detail: 'secret answer',
      });
      await tried.failed();
      throw hasAnswer ? new RecoveryDetailsWrong() : new NoSecretAnswer();
    }
    await tried.succeeded();
    const passwordHash = await hashSecret(claim.newPassword);
    await db
      .transaction()
      .execute((tx) => changePassword(tx, account, passwordHash, origin, 'secret answer'));
    await afterPasswordChange(account.id);
  }

  async function changePassword(
    tx: Transaction<IdpTables>,
    account: RecoveryAccount,
    passwordHash: string,
    origin: RequestOrigin,
    way: 'link' | 'secret answer',
  ) {
    await setPassword(tx, account.id, passwordHash);
    await revokeTrustedDevices(tx, account.id);
    // Whoever knew the old password may have asked to move the account to their own
    // addresses: those links, and any other reset link, stop working with the reset.
    await dropPendingTokens(tx, account.id, ['email-change', 'alternate-email', 'password-reset']);
    await recordActivity(tx, {
      accountId: account.id,
      kind: 'password-reset',
      success: true,
      ip: origin.ip,
      userAgent: origin.userAgent,
      detail: way,
    });
    const addresses: AddressesAtReset = {
      email: account.email,
      emailKey: account.email_key,
      alternateEmail: account.alternate_email,
      alternateEmailVerifiedAt: account.alternate_email_verified_at,
    };
    const disown = await issueEmailToken(tx, {
      purpose: 'password-reset-disowned',
      emailKey: account.email_key,
      accountId: account.id,
      payload: addresses,
      ttlMs: DISOWN_LINK_TTL_MS,
    });
    const words = recipientWords(account.language);
    for (const to of verifiedAddresses(account)) {
      await enqueueMail(
        tx,
        passwordChangedMail(
          words,
          to,
          `${issuer}/password/not-me/${disown}`,
          way === 'link' ? 'link' : 'answer',
        ),
      );
    }
  }

  /** Whoever knew the old password is out: every session, grant and refresh token ends. */
  async function afterPasswordChange(accountId: string) {
    deps.mailQueued();
    await endSessions(provider, deps.shortLived, accountId);
  }

  async function checkDisownLink(token: unknown): Promise<void> {
    await peekEmailToken(db, 'password-reset-disowned', token);
  }

  /**
   * "This was not me": the owner, reading a verified mailbox, takes the account
   * back. The addresses return to what they were at the reset, the password
   * becomes the owner's new one, the secret answer goes, every session ends,
   * and for a day no reset works, so whoever did it cannot simply do it again.
   */
  async function disownReset(token: unknown, newPassword: string, origin: RequestOrigin): Promise<void> {
    const { link, account } = await linkedAccount('password-reset-disowned', token);
    const atReset = JSON.parse(link.payload) as AddressesAtReset;
    const problem = passwordProblem(newPassword, atReset.email);
    if (problem) throw new InvalidInput({ password: problem });
    const passwordHash = await hashSecret(newPassword);
    await db.transaction().execute(async (tx) => {
      await consumeEmailToken(tx, 'password-reset-disowned', token);
      // The old address stays with the account unless someone else has signed up with it since.
      const emailBack =
        atReset.emailKey === account.email_key || !(await emailKeyExists(tx, atReset.emailKey));
      await restoreAddresses(
        tx,
        account.id,
        emailBack ? atReset : { ...atReset, email: account.email, emailKey: account.email_key },
      );
      await lockRecovery(tx, account.id, Date.now() + RECOVERY_LOCK_MS);
      // Whoever reset the password may know the answer: it goes until the owner chooses a new one.
      await dropSecretAnswer(tx, account.id);
      await setPassword(tx, account.id, passwordHash);
      await dropPendingTokens(tx, account.id, ['email-change', 'alternate-email', 'password-reset']);
      await recordActivity(tx, {
        accountId: account.id,
        kind: 'password-reset',
        success: true,
        ip: origin.ip,
        userAgent: origin.userAgent,
        detail: 'not me: addresses restored, recovery paused for 24 hours',
      });
      const restored = (await findRecoveryAccountById(tx, account.id))!;
      for (const to of new Set([...verifiedAddresses(restored), account.email])) {
        await enqueueMail(tx, recoveryLockedMail(recipientWords(account.language), to, resetUrl));
      }
    });
    await afterPasswordChange(account.id);
  }

  return {
    requestResetLink,
    checkResetLink,
    resetWithLink,
    askedQuestion,
    resetWithAnswer,
    checkDisownLink,
    disownReset,
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
