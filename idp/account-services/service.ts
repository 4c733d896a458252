import type Provider from 'oidc-provider';
import { isUniqueViolation } from '../../shared/db/errors.ts';
import { DomainError, InvalidInput, LinkInvalid, NotFound } from '../../shared/http/errors.ts';
import { translate } from '../../shared/i18n/context.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import type { BotCheck } from '../../shared/security/botcheck.ts';
import { hashSecret, verifySecret } from '../../shared/security/hashing.ts';
import {
  consumeEmailToken,
  dropPendingTokens,
  issueEmailToken,
  peekEmailToken,
} from '../accounts/email-tokens.ts';
import { emailKey, normalizeAnswer } from '../accounts/normalize.ts';
import { emailKeyExists, languageOfEmailKey, setPassword } from '../accounts/repository.ts';
import type { AccountService } from '../accounts/service.ts';
import { type ActivityEntry, listActivity, recordActivity } from '../activity/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { recipientWords } from '../locales/catalogues.ts';
import { forgetConsents, listConsents, revokeSiteGrants, withdrawConsent } from '../oidc/consents.ts';
import { endSessions } from '../oidc/end-sessions.ts';
import { listSiteUses } from '../oidc/site-uses.ts';
import { findSecurityKeyAccount } from '../security-key/repository.ts';
import type { ShortLivedStore } from '../state/short-lived-store.ts';
import { createSecretGuard } from '../throttling/guard.ts';
import { revokeTrustedDevices } from '../throttling/trusted-devices.ts';
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

/** Who is changing their account, and from where: what the activity page shows. */
export type Actor = { accountId: string; ip: string | null; userAgent: string | null };

/** Where an action came from when it has no signed-in person yet (a mailed link). */
export type RequestOrigin = Pick<Actor, 'ip' | 'userAgent'>;

export class AddressTaken extends DomainError {
  override name = 'AddressTaken';
  constructor() {
    super(409, 'address_taken');
  }
}

/** A wrong password when confirming it: a failed authentication, shown next to the field. */
export class PasswordIncorrect extends InvalidInput {
  override name = 'PasswordIncorrect';
  override readonly status = 401;
  /** Whether the form must show the bot check for the next try (see asksForBotCheck). */
  readonly botCheckNext: boolean;
  constructor(botCheckNext: boolean) {
    super({ password: translate('form_errors.password_incorrect') }, 'form_errors.password_incorrect');
    this.botCheckNext = botCheckNext;
  }
}

/** A wrong current password on the password form, shown next to that field. */
export class CurrentPasswordIncorrect extends InvalidInput {
  override name = 'CurrentPasswordIncorrect';
  readonly botCheckNext: boolean;
  constructor(botCheckNext: boolean) {
    super({ current_password: translate('form_errors.current_password_incorrect') });
    this.botCheckNext = botCheckNext;
  }
}

/** What a form posted in its `altcha` field, for the guard. */
export type BotCheckAnswer = string | undefined;

export function createAccountSettings(deps: {
  db: IdpDatabase;
  shortLived: ShortLivedStore;
  provider: Provider;
  accounts: AccountService;
  issuer: string;
  botCheck: BotCheck;
  mailQueued: () => void;
}) {
  const { db, provider, issuer } = deps;
  // The same secret as at sign-in, so guesses here and there share one count.
  const passwordGuard = createSecretGuard({
    db,
    counters: deps.shortLived.counters,
    botCheck: deps.botCheck,
    mailQueued: deps.mailQueued,
    secret: 'password',
  });

  async function load(accountId: string) {
    const account = await settings.findSettings(db, accountId);
    // The session outlived its account: nothing here can be shown or changed.
    if (!account) throw new NotFound('errors.not_found.account_gone');
    return account;
  }

  /** Whether the account's strongest factor is a security key (else it is the password). */
  async function hasSecurityKey(accountId: string): Promise<boolean> {
    return (await findSecurityKeyAccount(db, accountId))?.key !== undefined;
  }

  function entry(actor: Actor, kind: ActivityEntry['kind'], detail?: string): ActivityEntry {
    return { ...actor, kind, success: true, detail };
  }

  /**
   * The password again, for a change to a credential of an account whose
   * strongest factor it is. Checked through the accounts service so it costs
   * and answers exactly like a sign-in.
   */
  async function confirmPassword(
    actor: Actor,
    password: string,
    clientId: string,
    botCheck: BotCheckAnswer,
  ): Promise<void> {
    const verdict = await checkPassword(actor, await passwordHashOf(actor), password, botCheck);
    await recordActivity(db, {
      ...actor,
      kind: 'sign-in',
      success: verdict.ok,
      clientId,
      detail: 'Password confirmed to change the account',
    });
    if (!verdict.ok) throw new PasswordIncorrect(verdict.botCheckNext);
  }

  async function passwordHashOf(actor: Actor): Promise<string> {
    const hash = await settings.findPasswordHash(db, actor.accountId);
    // The session outlived its account: nothing here can be shown or changed.
    if (hash === undefined) throw new NotFound('errors.not_found.account_gone');
    return hash;
  }

  /**
   * Through the one guard, which counts the try before the password is
   * verified: parallel guesses cannot all pass on one reading. No browser is
   * trusted here: whoever holds a signed-in browser is who this check doubts.
   * Throws RetryLater or BotCheckRequired without looking at the password.
   */
  async function checkPassword(
    actor: Actor,
    passwordHash: string,
    password: string,
    botCheck: BotCheckAnswer,
  ): Promise<{ ok: true } | { ok: false; botCheckNext: boolean }> {
    const tried = await passwordGuard.check({
      target: { accountId: actor.accountId },
      address: actor.ip ?? '',
      userAgent: actor.userAgent ?? undefined,
      botCheck,
    });
    try {
      await deps.accounts.verifyPassword({ id: actor.accountId, password_hash: passwordHash }, password);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ok: false, ...(await tried.failed()) };
    }
    await tried.succeeded();
    return { ok: true };
  }

  /**
   * Same answer whether or not the new address is free: the link goes only to
   * a free address, and a taken one is told it already has a Passport.
   */
  async function requestEmailChange(actor: Actor, newEmail: string): Promise<void> {
    const account = await load(actor.accountId);
    const key = emailKey(newEmail);
    if (key === account.email_key) {
      throw new InvalidInput({ email: translate('form_errors.already_your_email') });
    }
    await db.transaction().execute(async (tx) => {
      const owner = await languageOfEmailKey(tx, key);
      if (owner !== undefined) {
        await enqueueMail(tx, addressTakenMail(recipientWords(owner), newEmail, `${issuer}/`));
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
      await enqueueMail(
        tx,
        emailChangeLinkMail(
          recipientWords(account.language),
          newEmail,
          `${issuer}/account/email/confirm/${token}`,
        ),
      );
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
        await enqueueMail(tx, emailChangedNotice(recipientWords(account.language), account.email, newEmail));
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
    change: { currentPassword: string; newPassword: string; botCheck: BotCheckAnswer },
    keepSessionId: string,
  ): Promise<void> {
    const account = await load(actor.accountId);
    const passwordHash = await passwordHashOf(actor);
    const verdict = await checkPassword(actor, passwordHash, change.currentPassword, change.botCheck);
    if (!verdict.ok) {
      await recordActivity(db, { ...actor, kind: 'password-change', success: false });
      throw new CurrentPasswordIncorrect(verdict.botCheckNext);
    }
    if (await verifySecret(passwordHash, change.newPassword)) {
      throw new InvalidInput({ password: translate('form_errors.same_password') });
    }
    const newPasswordHash = await hashSecret(change.newPassword);
    await db.transaction().execute(async (tx) => {
      await setPassword(tx, account.id, newPasswordHash);
      await dropPendingTokens(tx, account.id, ['email-change', 'alternate-email', 'password-reset']);
      await recordActivity(tx, entry(actor, 'password-change'));
      await enqueueMail(tx, passwordChangedNotice(recipientWords(account.language), account.email));
    });
    deps.mailQueued();
    await endSessions(provider, deps.shortLived, account.id, { sessionId: keepSessionId });
  }

  /** The address is stored unconfirmed and used (by password recovery) only once confirmed. */
  async function requestAlternateEmail(actor: Actor, alternate: string): Promise<void> {
    const account = await load(actor.accountId);
    const key = emailKey(alternate);
    if (key === account.email_key) {
      throw new InvalidInput({ email: translate('form_errors.alternate_is_main') });
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
        alternateEmailLinkMail(
          recipientWords(account.language),
          alternate,
          `${issuer}/account/alternate-email/verify/${token}`,
        ),
      );
      await enqueueMail(
        tx,
        alternateEmailChangedNotice(recipientWords(account.language), account.email, alternate),
      );
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
      await enqueueMail(
        tx,
        alternateEmailChangedNotice(recipientWords(account.language), account.email, null),
      );
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
      throw new InvalidInput({ answer: translate('form_errors.answer_is_password') });
    }
    const answerHash = await hashSecret(normalizeAnswer(secret.answer));
    await db.transaction().execute(async (tx) => {
      await settings.updateSecretQuestion(tx, account.id, secret.question, answerHash);
      await recordActivity(tx, entry(actor, 'secret-answer-change'));
      await enqueueMail(tx, secretAnswerChangedNotice(recipientWords(account.language), account.email));
    });
    deps.mailQueued();
  }

  /**
   * Every session ends, this one too, and links mailed from any of them stop
   * working; no browser stays trusted or keeps offering the account, and every
   * site allowed must ask again: a fresh start, as the page promises.
   */
  async function signOutEverywhere(actor: Actor): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await dropPendingTokens(tx, actor.accountId, ['email-change', 'alternate-email']);
      await revokeTrustedDevices(tx, actor.accountId);
      await forgetConsents(tx, actor.accountId);
      await recordActivity(tx, entry(actor, 'sign-out-everywhere'));
    });
    await endSessions(provider, deps.shortLived, actor.accountId);
  }

  function allowedSites(accountId: string) {
    return listConsents(db, accountId);
  }

  function usedSites(accountId: string) {
    return listSiteUses(db, accountId);
  }

  /** The site loses its access now; the next sign-in there asks again. */
  async function withdrawSite(actor: Actor, clientId: string): Promise<void> {
    // The site's grants go first: if the store fails, the "Allow" is still listed and can be withdrawn again.
    const revoked = await revokeSiteGrants(deps.shortLived, actor.accountId, clientId);
    await db.transaction().execute(async (tx) => {
      if ((await withdrawConsent(tx, actor.accountId, clientId)) || revoked) {
        await recordActivity(tx, { ...entry(actor, 'site-withdrawn'), clientId });
      }
    });
  }

  function recentActivity(accountId: string, now = Date.now()) {
    return listActivity(db, accountId, now - ACTIVITY_SHOWN_MS);
  }

  return {
    load,
    hasSecurityKey,
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
    allowedSites,
    usedSites,
    withdrawSite,
    recentActivity,
  };
}

export type AccountSettingsService = ReturnType<typeof createAccountSettings>;
