import { randomBytes } from 'node:crypto';
import { isUniqueViolation } from '../../shared/db/errors.ts';
import { countInWindow, countSoFar } from '../../shared/db/window-counters.ts';
import { DomainError, InvalidCredentials, InvalidInput } from '../../shared/http/errors.ts';
import { translate } from '../../shared/i18n/context.ts';
import type { Language } from '../../shared/i18n/languages.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import {
  hashSecret,
  needsRehash,
  verifyAgainstNothing,
  verifySecret,
} from '../../shared/security/hashing.ts';
import { hashMailToken, looksLikeMailToken, newMailToken } from '../../shared/security/mail-token.ts';
import type { IdpDatabase } from '../database.ts';
import { recipientWords } from '../locales/catalogues.ts';
import {
  consumeEmailToken,
  dropPendingSignUps,
  issueEmailToken,
  peekEmailToken,
  spentEmailTokenKey,
} from './email-tokens.ts';
import { activationMail, alreadyRegisteredMail } from './mails.ts';
import { emailKey, normalizeAnswer } from './normalize.ts';
import * as accounts from './repository.ts';

const ACTIVATION_TTL_MS = 24 * 60 * 60 * 1000;
// A form sent again (a double click, a reload of the answer) comes within moments.
const SUBMISSION_WINDOW_MS = 60 * 60 * 1000;

/**
 * The id of one showing of the sign-up form. It becomes the browser binding
 * of the sign-up it sends, so a second sending answers with the same binding.
 */
export function newSignUpSubmission(): string {
  return newMailToken().token;
}

// With the address: the same form sent again after correcting the address is a new sign-up.
function submissionKey(submission: string, email: string): string {
  return `sign-up-sent:${hashMailToken(`${submission}\n${emailKey(email)}`)}`;
}

export type Registration = {
  email: string;
  password: string;
  secretQuestion: string;
  secretAnswer: string;
  firstName: string;
  lastName: string;
  country: string;
  postalCode: string;
  /** The language the person signed up in: their mails' language from now on. */
  language: Language;
};

/** Where the person was going when they signed up, so activation can take them there. */
export type SignUpOrigin = { interactionUid: string; clientId: string } | null;

type PendingAccount = Omit<Registration, 'password' | 'secretAnswer' | 'email'> & {
  email: string;
  passwordHash: string;
  secretAnswerHash: string;
  origin: SignUpOrigin;
  /** The hash of the sign-up's browser binding: only that browser activates without the password. */
  browserBindingHash: string;
};

/** Who opens an activation link: the binding the browser holds, and the password if it typed one. */
export type Activator = { browserBinding: unknown; password?: string };

export class SignUpPasswordWrong extends DomainError {
  override name = 'SignUpPasswordWrong';
  readonly fieldErrors = { password: translate('errors.signup_password_wrong.field') };
  constructor() {
    super(401, 'signup_password_wrong');
  }
}

export class AccountAlreadyActive extends DomainError {
  override name = 'AccountAlreadyActive';
  constructor() {
    super(409, 'account_already_active');
  }
}

type Credentials = { id: string; password_hash: string };

export function createAccountService(deps: { db: IdpDatabase; issuer: string; mailQueued: () => void }) {
  const { db, issuer } = deps;

  /**
   * Sign-up never reveals whether the address is taken: both paths hash the same
   * secrets, write one mail and end on the same page; only the mail differs.
   */
  /** Whether this showing of the form was sent and registered before, for this address. */
  async function signUpRepeated(submission: string | undefined, email: string): Promise<boolean> {
    if (submission === undefined) return false;
    return (await countSoFar(db, submissionKey(submission, email), SUBMISSION_WINDOW_MS)) > 0;
  }

  /**
   * Registers a sign-up and returns the browser binding to hand the browser.
   * A form sent twice at once registers once: the second sending only counts.
   */
  async function register(
    registration: Registration,
    origin: SignUpOrigin,
    submission?: string,
  ): Promise<string> {
    const key = emailKey(registration.email);
    // Handed to the browser whether or not the address is taken, so the answers stay alike.
    const binding = submission ? { token: submission, hash: hashMailToken(submission) } : newMailToken();
    const [passwordHash, secretAnswerHash] = await Promise.all([
      hashSecret(registration.password),
      hashSecret(normalizeAnswer(registration.secretAnswer)),
    ]);
    await db.transaction().execute(async (tx) => {
      if (
        submission &&
        (await countInWindow(tx, submissionKey(submission, registration.email), SUBMISSION_WINDOW_MS)) > 1
      )
        return;
      const owner = await accounts.languageOfEmailKey(tx, key);
      if (owner !== undefined) {
        await enqueueMail(tx, alreadyRegisteredMail(recipientWords(owner), registration.email, `${issuer}/`));
        return;
      }
      const { password: _password, secretAnswer: _answer, ...profile } = registration;
      const pending: PendingAccount = {
        ...profile,
        passwordHash,
        secretAnswerHash,
        origin,
        browserBindingHash: binding.hash,
      };
      const token = await issueEmailToken(tx, {
        purpose: 'activate',
        emailKey: key,
        accountId: null,
        payload: pending,
        ttlMs: ACTIVATION_TTL_MS,
      });
      await enqueueMail(
        tx,
        activationMail(
          recipientWords(registration.language),
          registration.email,
          `${issuer}/activate/${token}`,
        ),
      );
    });
    deps.mailQueued();
    return binding.token;
  }

  function boundTo(pending: PendingAccount, browserBinding: unknown): boolean {
    return looksLikeMailToken(browserBinding) && hashMailToken(browserBinding) === pending.browserBindingHash;
  }

  /** Whether the link was opened in the browser that signed up; elsewhere activation asks for the password. */
  async function checkActivationLink(token: unknown, browserBinding: unknown): Promise<{ bound: boolean }> {
    const link = await peekEmailToken(db, 'activate', token);
    return { bound: boundTo(JSON.parse(link.payload) as PendingAccount, browserBinding) };
  }

  /**
   * Whether a spent activation link made an account that exists: a second
   * click then says the Passport is active rather than only "already used".
   * Only the holder of the link learns it, and the link named the address.
   */
  async function activatedBy(token: unknown): Promise<boolean> {
    const key = await spentEmailTokenKey(db, 'activate', token);
    return key !== undefined && (await accounts.emailKeyExists(db, key));
  }

  /**
   * Creates the account from a pending sign-up; the link is spent in the same
   * transaction. Whoever can read the address's mail may hold the link of
   * somebody else's sign-up for it: outside the browser that signed up, only
   * the password chosen at sign-up activates, so nobody is handed an account
   * whose password a stranger chose.
   */
  async function activate(
    token: unknown,
    activator: Activator,
  ): Promise<{ accountId: string; origin: SignUpOrigin; bound: boolean }> {
    const link = await peekEmailToken(db, 'activate', token);
    const bound = boundTo(JSON.parse(link.payload) as PendingAccount, activator.browserBinding);
    if (!bound) {
      if (!activator.password) {
        throw new InvalidInput({ password: translate('form_errors.signup_password') });
      }
      const { passwordHash } = JSON.parse(link.payload) as PendingAccount;
      if (!(await verifySecret(passwordHash, activator.password))) throw new SignUpPasswordWrong();
    }
    try {
      return await db.transaction().execute(async (tx) => {
        const spent = await consumeEmailToken(tx, 'activate', token);
        const pending = spent.payload as PendingAccount;
        if (await accounts.emailKeyExists(tx, spent.email_key)) throw new AccountAlreadyActive();
        const now = Date.now();
        const accountId = randomBytes(16).toString('base64url');
        await accounts.insertAccount(tx, {
          id: accountId,
          email: pending.email,
          email_key: spent.email_key,
          password_hash: pending.passwordHash,
          secret_question: pending.secretQuestion,
          secret_answer_hash: pending.secretAnswerHash,
          // The owner of the address stands behind the answer by activating the sign-up.
          secret_answer_confirmed_at: now,
          first_name: pending.firstName,
          last_name: pending.lastName,
          country: pending.country,
          postal_code: pending.postalCode,
          language: pending.language ?? 'en',
          created_at: now,
          updated_at: now,
        });
        // Other pending sign-ups of the address can never become this account.
        await dropPendingSignUps(tx, spent.email_key);
        return { accountId, origin: pending.origin, bound };
      });
    } catch (error) {
      // Two sign-ups of one address activated at the same moment: the second loses.
      if (isUniqueViolation(error)) throw new AccountAlreadyActive();
      throw error;
    }
  }

  /** One answer for every failure, and the same cost whether or not the account exists. */
  async function authenticate(email: string, password: string): Promise<string> {
    return verifyPassword(await accounts.findCredentialsByEmailKey(db, emailKey(email)), password);
  }

  /** The same check, for a caller that has already looked the account up. */
  async function verifyPassword(account: Credentials | undefined, password: string): Promise<string> {
    const valid = account
      ? await verifySecret(account.password_hash, password)
      : await verifyAgainstNothing(password);
    if (!account || !valid) throw new InvalidCredentials();
    // Hashes made under older parameters move to the current ones while the password is at hand.
    if (needsRehash(account.password_hash)) {
      await accounts.replacePasswordHash(db, account.id, account.password_hash, await hashSecret(password));
    }
    return account.id;
  }

  return {
    register,
    signUpRepeated,
    checkActivationLink,
    activatedBy,
    activate,
    authenticate,
    verifyPassword,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
