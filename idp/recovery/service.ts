import { createHmac } from 'node:crypto';
import type { Transaction } from 'kysely';
import type Provider from 'oidc-provider';
import { storedSecret } from '../../shared/db/stored-secret.ts';
import { clearCount, countInWindow } from '../../shared/db/window-counters.ts';
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
import { setPassword } from '../accounts/repository.ts';
import { SECRET_QUESTIONS } from '../accounts/secret-questions.ts';
import { recordActivity } from '../activity/repository.ts';
import type { IdpDatabase, IdpTables } from '../database.ts';
import { endSessions } from '../oidc/end-sessions.ts';
import { revokeTrustedDevices } from '../throttling/trusted-devices.ts';
import { passwordChangedMail, resetLinkMail, secretAnswerLockoutMail } from './mails.ts';
import {
  findRecoveryAccountByEmailKey,
  findRecoveryAccountById,
  type RecoveryAccount,
} from './repository.ts';

const HOUR_MS = 60 * 60 * 1000;
const RESET_LINK_TTL_MS = 30 * 60 * 1000;
const RESET_LINK_REQUESTS_PER_HOUR = 5;
const SECRET_ANSWER_TRIES_PER_HOUR = 5;

/** Who asked, for the account's activity list. */
export type RequestOrigin = { ip: string; userAgent?: string };

export type SecretAnswerClaim = {
  email: string;
  answer: string;
  country: string;
  postalCode: string;
  newPassword: string;
};

export class RecoveryDetailsWrong extends DomainError {
  override name = 'RecoveryDetailsWrong';
  constructor() {
    super(
      401,
      'These details do not match',
      'The secret answer, country or region, or postal code does not match what was given at sign-up. Check them and try again.',
    );
  }
}

export class SecretAnswerTriesUsedUp extends Throttled {
  override name = 'SecretAnswerTriesUsedUp';
  constructor() {
    super(
      `Too many tries to answer the secret question for this address: for your security, you can try again in an hour. ` +
        'You can also reset your password with a link sent by e-mail.',
    );
  }
}

// People write one postal code in several ways ("sw1a 1aa", "SW1A1AA"): case and spaces do not count.
function postalKey(postalCode: string): string {
  return postalCode.normalize('NFKC').replace(/\s+/gu, '').toLocaleUpperCase('und');
}

/** The primary address always; the alternate one only once its owner proved it is theirs. */
function resetRecipients(account: RecoveryAccount): string[] {
  const alternate =
    account.alternate_email && account.alternate_email_verified_at !== null ? account.alternate_email : null;
  return alternate && alternate.toLowerCase() !== account.email.toLowerCase()
    ? [account.email, alternate]
    : [account.email];
}

/**
 * "Forgot your password?": a mailed link, or the secret answer with the
 * personal data given at sign-up. Neither way tells whether an address has an
 * account; both end every session of the account and tell its owner.
 */
export function createRecoveryService(deps: {
  db: IdpDatabase;
  provider: Provider;
  issuer: string;
  mailQueued: () => void;
}) {
  const { db, provider, issuer } = deps;
  const resetUrl = `${issuer}/password/reset`;
  let decoyKey: Promise<string> | undefined;

  /**
   * One link, mailed to every address of the account, so whichever mailbox the
   * person can still open works; spending it from one spends it for all.
   */
  async function requestResetLink(email: string, linkBase: string): Promise<void> {
    const key = emailKey(email);
    // Unknown addresses are counted too, so the limit itself tells nothing.
    const requests = await countInWindow(db, `reset-link:${key}`, HOUR_MS);
    if (requests > RESET_LINK_REQUESTS_PER_HOUR) return;
    const account = await findRecoveryAccountByEmailKey(db, key);
    if (!account) return;
    await db.transaction().execute(async (tx) => {
      const token = await issueEmailToken(tx, {
        purpose: 'password-reset',
        emailKey: key,
        accountId: account.id,
        payload: {},
        ttlMs: RESET_LINK_TTL_MS,
      });
      for (const to of resetRecipients(account)) {
        await enqueueMail(tx, resetLinkMail(to, `${linkBase}${token}`));
      }
    });
    deps.mailQueued();
  }

  async function checkResetLink(token: unknown): Promise<void> {
    await peekEmailToken(db, 'password-reset', token);
  }

  /** The link is spent in the transaction that changes the password: both happen or neither. */
  async function resetWithLink(token: unknown, newPassword: string, origin: RequestOrigin): Promise<void> {
    const link = await peekEmailToken(db, 'password-reset', token);
    const account = link.account_id ? await findRecoveryAccountById(db, link.account_id) : undefined;
    if (!account) throw new LinkInvalid();
    const problem = passwordProblem(newPassword, account.email);
    if (problem) throw new InvalidInput({ password: problem });
    // Hashed before the transaction, so the store is not held while argon2 works.
    const passwordHash = await hashSecret(newPassword);
    await db.transaction().execute(async (tx) => {
      await consumeEmailToken(tx, 'password-reset', token);
      await changePassword(tx, account, passwordHash, origin, 'link');
    });
    await afterPasswordChange(account.id);
  }

  /** The account's question, or for an unknown address a plausible one that stays the same. */
  async function secretQuestionFor(email: string): Promise<string> {
    const key = emailKey(email);
    const account = await findRecoveryAccountByEmailKey(db, key);
    return account ? account.secret_question : decoyQuestion(key);
  }

  async function decoyQuestion(key: string): Promise<string> {
    decoyKey ??= storedSecret(db, 'recovery_decoy_key').catch((error: unknown) => {
      decoyKey = undefined;
      throw error;
    });
    const digest = createHmac('sha256', await decoyKey)
      .update(key)
      .digest();
    return SECRET_QUESTIONS[digest.readUInt32BE(0) % SECRET_QUESTIONS.length]!;
  }

  /**
   * Every try is counted before it is checked, so concurrent guesses cannot
   * slip past the limit; an unknown address is counted under its own key and
   * costs one argon2 verification like a known one, so both behave alike.
   */
  async function resetWithAnswer(claim: SecretAnswerClaim, origin: RequestOrigin): Promise<void> {
    const key = emailKey(claim.email);
    const account = await findRecoveryAccountByEmailKey(db, key);
    const triesKey = `reset-answer:${account?.id ?? key}`;
    const tries = await countInWindow(db, triesKey, HOUR_MS);
    if (tries > SECRET_ANSWER_TRIES_PER_HOUR) throw new SecretAnswerTriesUsedUp();

    const answer = normalizeAnswer(claim.answer);
    const answerHolds = account
      ? await verifySecret(account.secret_answer_hash, answer)
      : await verifyAgainstNothing(answer);
    const detailsHold =
      account !== undefined &&
      account.country === claim.country &&
      postalKey(account.postal_code) === postalKey(claim.postalCode);
    if (!account || !answerHolds || !detailsHold) {
      if (account) await recordWrongAnswer(account, tries, origin);
      throw new RecoveryDetailsWrong();
    }

    const passwordHash = await hashSecret(claim.newPassword);
    await db
      .transaction()
      .execute((tx) => changePassword(tx, account, passwordHash, origin, 'secret answer'));
    await clearCount(db, triesKey);
    await afterPasswordChange(account.id);
  }

  async function recordWrongAnswer(account: RecoveryAccount, tries: number, origin: RequestOrigin) {
    const lockedOut = tries === SECRET_ANSWER_TRIES_PER_HOUR;
    await db.transaction().execute(async (tx) => {
      await recordActivity(tx, {
        accountId: account.id,
        kind: 'password-reset',
        success: false,
        ip: origin.ip,
        userAgent: origin.userAgent,
        detail: 'secret answer',
      });
      if (lockedOut) {
        await recordActivity(tx, {
          accountId: account.id,
          kind: 'lockout',
          success: false,
          ip: origin.ip,
          userAgent: origin.userAgent,
          detail: 'secret answer',
        });
        // Mailed once, by the try that used up the allowance; later tries are refused silently.
        await enqueueMail(tx, secretAnswerLockoutMail(account.email, resetUrl));
      }
    });
    if (lockedOut) deps.mailQueued();
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
    const how = way === 'link' ? 'with a reset link sent by e-mail' : 'with your secret answer';
    await enqueueMail(tx, passwordChangedMail(account.email, resetUrl, how));
  }

  /** Whoever knew the old password is out: every session, grant and refresh token ends. */
  async function afterPasswordChange(accountId: string) {
    deps.mailQueued();
    await endSessions(provider, db, accountId);
  }

  return { requestResetLink, checkResetLink, resetWithLink, secretQuestionFor, resetWithAnswer };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
