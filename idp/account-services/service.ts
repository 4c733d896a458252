import type Provider from 'oidc-provider';
import { isUniqueViolation } from '../../shared/db/errors.ts';
import { clearCount, countInWindow, countSoFar } from '../../shared/db/window-counters.ts';
import { DomainError, InvalidInput, LinkInvalid, NotFound, Throttled } from '../../shared/http/errors.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { hashSecret, verifySecret } from '../../shared/security/hashing.ts';
import {
  consumeEmailToken,
  dropPendingTokens,
  issueEmailToken,
  peekEmailToken,
} from '../accounts/email-tokens.ts';
import { emailKey, normalizeAnswer } from '../accounts/normalize.ts';
import { emailKeyExists, findAccountEmails, setPassword } from '../accounts/repository.ts';
import type { AccountService } from '../accounts/service.ts';
import { type ActivityEntry, listActivity, recordActivity } from '../activity/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { endSessions } from '../oidc/end-sessions.ts';
import {
  addressTakenMail,
  alternateEmailChangedNotice,
  alternateEmailLinkMail,
  emailChangedNotice,
  emailChangeLinkMail,
  passwordChangedNotice,
  secretAnswerChangedNotice,
} from './mails.ts';
import * as settings from './repository.ts';

const LINK_TTL_MS = 24 * 60 * 60 * 1000;
const ACTIVITY_SHOWN_MS = 90 * 24 * 60 * 60 * 1000;
// Someone holding a signed-in browser must not get unlimited guesses at the password.
const PASSWORD_CHECKS_PER_HOUR = 10;
const HOUR_MS = 60 * 60 * 1000;

/** Who is changing their account, and from where: what the activity page shows. */
export type Actor = { accountId: string; ip: string | null; userAgent: string | null };

/** Where an action came from when it has no signed-in person yet (a mailed link). */
export type RequestOrigin = Pick<Actor, 'ip' | 'userAgent'>;

export class AddressTaken extends DomainError {
  override name = 'AddressTaken';
  constructor() {
    super(
      409,
      'This address already has a Passport',
      'This e-mail address now belongs to another Passport, so your address was not changed.',
    );
  }
}

/** A wrong password when confirming it: a failed authentication, shown next to the field. */
export class PasswordIncorrect extends InvalidInput {
  override name = 'PasswordIncorrect';
  override readonly status = 401;
  constructor() {
    super({ password: 'The password is incorrect.' }, 'The password is incorrect.');
  }
}

export function createAccountSettings(deps: {
  db: IdpDatabase;
  provider: Provider;
  accounts: AccountService;
  issuer: string;
  mailQueued: () => void;
}) {
  const { db, provider, issuer } = deps;

  async function load(accountId: string) {
    const account = await settings.findSettings(db, accountId);
    // The session outlived its account: nothing here can be shown or changed.
    if (!account) throw new NotFound('This Passport no longer exists.');
    return account;
  }

  function entry(actor: Actor, kind: ActivityEntry['kind'], detail?: string): ActivityEntry {
    return { ...actor, kind, success: true, detail };
  }

  /**
   * The password again, for a change to a credential. Checked through the
   * accounts service so it costs and answers exactly like a sign-in.
   */
  async function confirmPassword(actor: Actor, password: string, clientId: string): Promise<void> {
    const ok = await checkPassword(actor, await passwordHashOf(actor), password);
    await recordActivity(db, {
      ...actor,
      kind: 'sign-in',
      success: ok,
      clientId,
      detail: 'Password confirmed to change the account',
    });
    if (!ok) throw new PasswordIncorrect();
  }

  async function passwordHashOf(actor: Actor): Promise<string> {
    const hash = await settings.findPasswordHash(db, actor.accountId);
    // The session outlived its account: nothing here can be shown or changed.
    if (hash === undefined) throw new NotFound('This Passport no longer exists.');
    return hash;
  }

  async function checkPassword(actor: Actor, passwordHash: string, password: string): Promise<boolean> {
    const throttleKey = `account-password-check:${actor.accountId}`;
    if ((await countSoFar(db, throttleKey, HOUR_MS)) >= PASSWORD_CHECKS_PER_HOUR) {
      throw new Throttled('Too many wrong passwords. Please try again in an hour.');
    }
    try {
      await deps.accounts.verifyPassword({ id: actor.accountId, password_hash: passwordHash }, password);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await countInWindow(db, throttleKey, HOUR_MS);
      return false;
    }
    await clearCount(db, throttleKey);
    return true;
  }

  /**
   * Same answer whether or not the new address is free: the link goes only to
   * a free address, and a taken one is told it already has a Passport.
   */
  async function requestEmailChange(actor: Actor, newEmail: string): Promise<void> {
    const account = await load(actor.accountId);
    const key = emailKey(newEmail);
    if (key === account.email_key) {
      throw new InvalidInput({ email: 'This is already your e-mail address.' });
    }
    await db.transaction().execute(async (tx) => {
      if (await emailKeyExists(tx, key)) {
        await enqueueMail(tx, addressTakenMail(newEmail, `${issuer}/`));
        return;
      }
      await dropPendingTokens(tx, account.id, ['email-change']);
      const token = await issueEmailToken(tx, {
        purpose: 'email-change',
        emailKey: key,
        accountId: account.id,
        payload: { email: newEmail },
        ttlMs: LINK_TTL_MS,
      });
      await enqueueMail(tx, emailChangeLinkMail(newEmail, `${issuer}/account/email/confirm/${token}`));
    });
    deps.mailQueued();
  }

  async function checkEmailChangeLink(token: unknown): Promise<void> {
    await peekEmailToken(db, 'email-change', token);
  }

  /** The address changes, `sub` (the account id) does not: every site keeps its link to the person. */
  async function confirmEmailChange(token: unknown, origin: RequestOrigin): Promise<{ email: string }> {
    try {
      const email = await db.transaction().execute(async (tx) => {
        const spent = await consumeEmailToken(tx, 'email-change', token);
        const account = spent.account_id ? await settings.findSettings(tx, spent.account_id) : undefined;
        if (!account) throw new LinkInvalid();
        const { email: newEmail } = spent.payload as { email: string };
        if (await emailKeyExists(tx, spent.email_key)) throw new AddressTaken();
        await settings.updateEmail(tx, account.id, newEmail, spent.email_key);
        // Reset links went to the old address, which may no longer be the owner's.
        await dropPendingTokens(tx, account.id, ['password-reset']);
        await recordActivity(tx, {
          ...origin,
          accountId: account.id,
          kind: 'email-change',
          success: true,
          detail: `From ${account.email} to ${newEmail}`,
        });
        await enqueueMail(tx, emailChangedNotice(account.email, newEmail));
        return newEmail;
      });
      deps.mailQueued();
      return { email };
    } catch (error) {
      // Someone took the address between our check and the update.
      if (isUniqueViolation(error)) throw new AddressTaken();
      throw error;
    }
  }

  /** Other sessions end: whoever else was signed in with the old password is out. */
  async function changePassword(
    actor: Actor,
    change: { currentPassword: string; newPassword: string },
    keepSessionId: string,
  ): Promise<void> {
    const account = await load(actor.accountId);
    const passwordHash = await passwordHashOf(actor);
    if (!(await checkPassword(actor, passwordHash, change.currentPassword))) {
      await recordActivity(db, { ...actor, kind: 'password-change', success: false });
      throw new InvalidInput({ current_password: 'Your current password is not correct.' });
    }
    if (await verifySecret(passwordHash, change.newPassword)) {
      throw new InvalidInput({ password: 'Choose a password other than your current one.' });
    }
    const newPasswordHash = await hashSecret(change.newPassword);
    await db.transaction().execute(async (tx) => {
      await setPassword(tx, account.id, newPasswordHash);
      await dropPendingTokens(tx, account.id, ['email-change', 'alternate-email', 'password-reset']);
      await recordActivity(tx, entry(actor, 'password-change'));
      await enqueueMail(tx, passwordChangedNotice(account.email));
    });
    deps.mailQueued();
    await endSessions(provider, db, account.id, { sessionId: keepSessionId });
  }

  /** The address is stored unconfirmed and used (by password recovery) only once confirmed. */
  async function requestAlternateEmail(actor: Actor, alternate: string): Promise<void> {
    const account = await load(actor.accountId);
    const key = emailKey(alternate);
    if (key === account.email_key) {
      throw new InvalidInput({ email: 'Use an address other than your Passport e-mail address.' });
    }
    await db.transaction().execute(async (tx) => {
      await settings.setAlternateEmail(tx, account.id, alternate);
      await dropPendingTokens(tx, account.id, ['alternate-email']);
      const token = await issueEmailToken(tx, {
        purpose: 'alternate-email',
        emailKey: key,
        accountId: account.id,
        payload: { email: alternate },
        ttlMs: LINK_TTL_MS,
      });
      await recordActivity(
        tx,
        entry(actor, 'alternate-email-change', `${alternate} added, not yet confirmed`),
      );
      await enqueueMail(
        tx,
        alternateEmailLinkMail(alternate, `${issuer}/account/alternate-email/verify/${token}`),
      );
      await enqueueMail(tx, alternateEmailChangedNotice(account.email, alternate));
    });
    deps.mailQueued();
  }

  async function removeAlternateEmail(actor: Actor): Promise<void> {
    const account = await load(actor.accountId);
    if (!account.alternate_email) return;
    await db.transaction().execute(async (tx) => {
      await settings.setAlternateEmail(tx, account.id, null);
      await dropPendingTokens(tx, account.id, ['alternate-email']);
      await recordActivity(tx, entry(actor, 'alternate-email-change', `${account.alternate_email} removed`));
      await enqueueMail(tx, alternateEmailChangedNotice(account.email, null));
    });
    deps.mailQueued();
  }

  async function checkAlternateEmailLink(token: unknown): Promise<void> {
    await peekEmailToken(db, 'alternate-email', token);
  }

  async function confirmAlternateEmailLink(
    token: unknown,
    origin: RequestOrigin,
  ): Promise<{ email: string }> {
    return db.transaction().execute(async (tx) => {
      const spent = await consumeEmailToken(tx, 'alternate-email', token);
      const { email } = spent.payload as { email: string };
      // The owner replaced or removed the address after this link was sent.
      if (!spent.account_id || !(await settings.confirmAlternateEmail(tx, spent.account_id, email))) {
        throw new LinkInvalid();
      }
      await recordActivity(tx, {
        ...origin,
        accountId: spent.account_id,
        kind: 'alternate-email-change',
        success: true,
        detail: `${email} confirmed`,
      });
      return { email };
    });
  }

  async function updateMailingAddress(
    actor: Actor,
    address: Parameters<typeof settings.updateMailingAddress>[2],
  ): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await settings.updateMailingAddress(tx, actor.accountId, address);
      await recordActivity(tx, entry(actor, 'profile-change', 'Mailing address'));
    });
  }

  async function updatePersonalData(
    actor: Actor,
    data: Parameters<typeof settings.updatePersonalData>[2],
  ): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await settings.updatePersonalData(tx, actor.accountId, data);
      await recordActivity(tx, entry(actor, 'profile-change', 'Name and personal data'));
    });
  }

  async function changeSecretQuestion(actor: Actor, secret: { question: string; answer: string }) {
    const account = await load(actor.accountId);
    // Whoever learns the answer must not learn the password with it.
    if (await verifySecret(await passwordHashOf(actor), secret.answer)) {
      throw new InvalidInput({ answer: 'Your answer cannot be your password.' });
    }
    const answerHash = await hashSecret(normalizeAnswer(secret.answer));
    await db.transaction().execute(async (tx) => {
      await settings.updateSecretQuestion(tx, account.id, secret.question, answerHash);
      await recordActivity(tx, entry(actor, 'secret-answer-change'));
      await enqueueMail(tx, secretAnswerChangedNotice(account.email));
    });
    deps.mailQueued();
  }

  /** Every session ends, this one too, and links mailed from any of them stop working. */
  async function signOutEverywhere(actor: Actor): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await dropPendingTokens(tx, actor.accountId, ['email-change', 'alternate-email']);
      await recordActivity(tx, entry(actor, 'sign-out-everywhere'));
    });
    await endSessions(provider, db, actor.accountId);
  }

  function recentActivity(accountId: string, now = Date.now()) {
    return listActivity(db, accountId, now - ACTIVITY_SHOWN_MS);
  }

  /** The accounts a device remembers, in the device's order; ids of deleted accounts drop out. */
  async function rememberedAccounts(ids: string[]) {
    const found = await findAccountEmails(db, ids);
    return found.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  }

  return {
    load,
    confirmPassword,
    requestEmailChange,
    checkEmailChangeLink,
    confirmEmailChange,
    changePassword,
    requestAlternateEmail,
    removeAlternateEmail,
    checkAlternateEmailLink,
    confirmAlternateEmailLink,
    updateMailingAddress,
    updatePersonalData,
    changeSecretQuestion,
    signOutEverywhere,
    recentActivity,
    rememberedAccounts,
  };
}

export type AccountSettingsService = ReturnType<typeof createAccountSettings>;
