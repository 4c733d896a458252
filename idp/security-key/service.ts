import type Provider from 'oidc-provider';
import { DomainError, InvalidInput, SessionExpired } from '../../shared/http/errors.ts';
import { translate } from '../../shared/i18n/context.ts';
import { enqueueMail } from '../../shared/mail/outbox.ts';
import { signInFailures, signIns } from '../../shared/observability/metrics.ts';
import type { BotCheck } from '../../shared/security/botcheck.ts';
import { hashSecret, verifySecret } from '../../shared/security/hashing.ts';
import { normalizeAnswer } from '../accounts/normalize.ts';
import { type ActivityEntry, recordActivity } from '../activity/repository.ts';
import type { IdpDatabase } from '../database.ts';
import { recipientWords } from '../locales/catalogues.ts';
import { endSessions } from '../oidc/end-sessions.ts';
import type { ShortLivedStore } from '../state/short-lived-store.ts';
import { createSecretGuard, type GuardedAttempt } from '../throttling/guard.ts';
import { countGuardRefusal } from '../throttling/service.ts';
import { createTrustedDevices, type RememberedAccount } from '../throttling/trusted-devices.ts';
import type { SetUpChoice } from './forms.ts';
import { securityKeyResetMail, securityKeySetMail } from './mails.ts';
import {
  attachSecurityKey,
  findSecurityKeyAccount,
  replaceSecurityKeyHash,
  type SecurityKeyAccount,
} from './repository.ts';

/** Who and where a try came from, for the activity the owner sees. */
export type Attempt = Pick<ActivityEntry, 'clientId' | 'ip' | 'userAgent'>;

/**
 * A try at a guarded secret: where it came from, what the form posted for the
 * bot check, and the device ids the browser carries (its trusted lane, if any).
 */
export type GuardedTry = { from: Attempt; botCheck?: string; deviceIds?: readonly string[] };

/**
 * What a half-done change belongs to: one sign-in interaction, or one signed-in
 * session in account services. A change begun in one never finishes in another.
 */
export type StepOwner = `interaction:${string}` | `session:${string}`;

/** A set-up whose answers are mistyped this often is dropped: the person chooses again. */
const CONFIRMATION_TRIES = 3;

type PendingSetUp = {
  keyHash: string;
  questions: string[];
  answerHashes: string[];
  wrongConfirmations: number;
};

/** Thrown for a wrong key or wrong answers; names the fields to mark. */
export class WrongSecret extends DomainError {
  override name = 'WrongSecret';
  readonly fieldErrors: Record<string, string>;
  /** Whether the form must show the bot check for the next try (see asksForBotCheck). */
  readonly botCheckNext: boolean;
  /** `code`: the catalogue's `errors.<code>`; `messageKey` when the code's usual message does not fit. */
  constructor(
    code: string,
    fieldErrors: Record<string, string>,
    options: { botCheckNext?: boolean; messageKey?: string } = {},
  ) {
    super(401, code, { messageKey: options.messageKey });
    const botCheckNext = options.botCheckNext ?? false;
    this.fieldErrors = fieldErrors;
    this.botCheckNext = botCheckNext;
  }
}

/** The step a form belongs to is gone (expired, finished elsewhere, or never begun). */
export class StepMissing extends DomainError {
  override name = 'StepMissing';
  constructor() {
    super(409, 'step_missing');
  }
}

export function createSecurityKeyService(deps: {
  db: IdpDatabase;
  shortLived: ShortLivedStore;
  provider: Provider;
  botCheck: BotCheck;
  mailQueued: () => void;
}) {
  const { db, provider } = deps;
  const { shortLived } = deps;
  const counters = shortLived.counters;
  const keyGuard = createSecretGuard({ ...deps, counters, secret: 'security-key' });
  const answersGuard = createSecretGuard({ ...deps, counters, secret: 'security-key-answers' });
  const devices = createTrustedDevices(db);

  /** The guard's view of a try: the trusted lane only for a browser where the key was typed before. */
  function guarded(
    accountId: string,
    attempt: GuardedTry,
    device: RememberedAccount | undefined,
  ): GuardedAttempt {
    return {
      target: { accountId },
      trustedDevice: device?.keyProved ? device.device : undefined,
      address: attempt.from.ip ?? '',
      userAgent: attempt.from.userAgent ?? undefined,
      botCheck: attempt.botCheck,
    };
  }

  async function account(accountId: string): Promise<SecurityKeyAccount> {
    const found = await findSecurityKeyAccount(db, accountId);
    if (!found) throw new SessionExpired();
    return found;
  }

  async function emailOf(accountId: string): Promise<string> {
    return (await account(accountId)).email;
  }

  /** Whether the account has a key, and which questions guard it. */
  async function keyStatus(accountId: string) {
    const { key } = await account(accountId);
    return key ? { questions: key.questions, setAt: key.setAt } : undefined;
  }

  /**
   * The first half of a set-up: the key and answers are hashed at once and kept
   * with the owner of the step, not on the account, until the answers are
   * confirmed; nothing plain is kept anywhere.
   */
  async function proposeSetUp(
    owner: StepOwner,
    accountId: string,
    choice: SetUpChoice,
    expiresAt: number,
  ): Promise<void> {
    const { passwordHash } = await account(accountId);
    await refuseThePassword(passwordHash, choice.key);
    const [keyHash, ...answerHashes] = await Promise.all([
      hashSecret(choice.key),
      ...choice.answers.map((answer) => hashSecret(normalizeAnswer(answer))),
    ]);
    const pending: PendingSetUp = {
      keyHash: keyHash!,
      questions: choice.questions,
      answerHashes,
      wrongConfirmations: 0,
    };
    await shortLived.savePendingStep(stepId('set-up', owner), accountId, pending, expiresAt);
  }

  async function pendingSetUp(owner: StepOwner, accountId: string) {
    const step = await shortLived.findPendingStep(stepId('set-up', owner), accountId);
    return step && { setUp: step.payload as PendingSetUp, expiresAt: step.expiresAt };
  }

  /** The questions of a set-up waiting for its answers to be confirmed. */
  async function questionsToConfirm(owner: StepOwner, accountId: string): Promise<string[] | undefined> {
    return (await pendingSetUp(owner, accountId))?.setUp.questions;
  }

  /**
   * The second half: the answers typed again must all match before the key is
   * the account's. A key that replaces another ends every session but
   * `keepSessionId`'s: a strong level reached with the old key is not kept
   * silently anywhere.
   */
  async function confirmSetUp(
    owner: StepOwner,
    accountId: string,
    answers: string[],
    attempt: Attempt,
    keepSessionId: string,
  ): Promise<void> {
    const pending = await pendingSetUp(owner, accountId);
    if (!pending) throw new StepMissing();
    const { setUp } = pending;
    const matched = await answersMatched(setUp.answerHashes, answers);
    if (!matched.every(Boolean)) {
      const wrong = setUp.wrongConfirmations + 1;
      if (wrong >= CONFIRMATION_TRIES) {
        await shortLived.takePendingStep(stepId('set-up', owner));
        throw new WrongSecret('answers_differ', {}, { messageKey: 'errors.answers_differ.too_often' });
      }
      await shortLived.savePendingStep(
        stepId('set-up', owner),
        accountId,
        { ...setUp, wrongConfirmations: wrong },
        pending.expiresAt,
      );
      // Each mismatch is named: the person typed these answers a moment ago, in
      // this very step, and no key stands behind them yet for a guesser to reach.
      throw new WrongSecret(
        'answers_differ',
        answerErrors(translate('errors.answers_differ.field'), matched),
      );
    }
    const now = Date.now();
    const { verifiedEmails, key: previous, language } = await account(accountId);
    // Of two confirmations sent at once only one takes the step and attaches the key. The step
    // may live in Redis, outside the transaction: if the transaction fails, the person starts again.
    if (!(await shortLived.takePendingStep(stepId('set-up', owner)))) throw new StepMissing();
    await db.transaction().execute(async (tx) => {
      await attachSecurityKey(tx, accountId, setUp, now);
      await recordActivity(
        tx,
        {
          accountId,
          kind: 'security-key-change',
          success: true,
          detail: previous ? 'changed' : 'set up',
          ...attempt,
        },
        now,
      );
      for (const to of verifiedEmails)
        await enqueueMail(tx, securityKeySetMail(recipientWords(language), to, Boolean(previous)));
    });
    deps.mailQueued();
    if (previous) await endSessions(provider, deps.shortLived, accountId, { sessionId: keepSessionId });
  }

  /**
   * The key itself, behind the brute-force guard: past a few wrong keys each
   * further try waits longer and needs the bot check, and the owner is mailed.
   */
  async function verifyKey(accountId: string, key: string, attempt: GuardedTry): Promise<void> {
    const found = await account(accountId);
    if (!found.key) throw new StepMissing();
    const device = await devices.deviceFor(accountId, attempt.deviceIds ?? []);
    const tried = await keyGuard
      .check(guarded(accountId, attempt, device))
      .catch(countGuardRefusal('security_key'));
    if (!(await verifySecret(found.key.keyHash, key))) {
      await recordActivity(db, { accountId, kind: 'security-key', success: false, ...attempt.from });
      const { botCheckNext } = await tried.failed();
      signInFailures.inc({ step: 'security_key', reason: 'invalid_credentials' });
      throw new WrongSecret(
        'security_key_wrong',
        { key: translate('errors.security_key_wrong.message') },
        { botCheckNext },
      );
    }
    await tried.succeeded();
    signIns.inc({ step: 'security_key' });
    if (device && !device.keyProved) await devices.keyProved(device.device);
    await recordActivity(db, { accountId, kind: 'security-key', success: true, ...attempt.from });
  }

  /** The first step of a reset: the three answers, guarded like the key. */
  async function proveAnswers(
    owner: StepOwner,
    accountId: string,
    answers: string[],
    attempt: GuardedTry,
    expiresAt: number,
  ): Promise<void> {
    const found = await account(accountId);
    if (!found.key) throw new StepMissing();
    const device = await devices.deviceFor(accountId, attempt.deviceIds ?? []);
    const tried = await answersGuard.check(guarded(accountId, attempt, device));
    if (!(await answersMatch(found.key.answerHashes, answers))) {
      await recordActivity(db, {
        accountId,
        kind: 'security-key-change',
        success: false,
        detail: 'wrong answers to the security key questions',
        ...attempt.from,
      });
      const { botCheckNext } = await tried.failed();
      throw new WrongSecret('answers_wrong', answerErrors(translate('errors.answers_wrong.field')), {
        botCheckNext,
      });
    }
    await tried.succeeded();
    await shortLived.savePendingStep(
      stepId('reset', owner),
      accountId,
      { answersProvedAt: Date.now() },
      expiresAt,
    );
  }

  async function resetProved(owner: StepOwner, accountId: string): Promise<boolean> {
    return (await shortLived.findPendingStep(stepId('reset', owner), accountId)) !== undefined;
  }

  /**
   * The second step of a reset: a new key; the questions and answers stay.
   * Like any replaced key it ends every session but `keepSessionId`'s.
   */
  async function resetKey(
    owner: StepOwner,
    accountId: string,
    key: string,
    attempt: Attempt,
    keepSessionId: string,
  ): Promise<void> {
    if (!(await resetProved(owner, accountId))) throw new StepMissing();
    const { verifiedEmails, passwordHash, language } = await account(accountId);
    await refuseThePassword(passwordHash, key);
    const keyHash = await hashSecret(key);
    const now = Date.now();
    if (!(await shortLived.takePendingStep(stepId('reset', owner)))) throw new StepMissing();
    await db.transaction().execute(async (tx) => {
      await replaceSecurityKeyHash(tx, accountId, keyHash, now);
      await recordActivity(
        tx,
        { accountId, kind: 'security-key-change', success: true, detail: 'reset', ...attempt },
        now,
      );
      for (const to of verifiedEmails)
        await enqueueMail(tx, securityKeyResetMail(recipientWords(language), to));
    });
    deps.mailQueued();
    await endSessions(provider, deps.shortLived, accountId, { sessionId: keepSessionId });
  }

  return {
    emailOf,
    keyStatus,
    proposeSetUp,
    questionsToConfirm,
    confirmSetUp,
    verifyKey,
    proveAnswers,
    resetProved,
    resetKey,
  };
}

export type SecurityKeyService = ReturnType<typeof createSecurityKeyService>;

async function refuseThePassword(passwordHash: string, key: string): Promise<void> {
  if (await verifySecret(passwordHash, key)) {
    throw new InvalidInput({ key: translate('form_errors.key_is_password') });
  }
}

/** Every answer is checked, right or wrong, so the time taken does not tell which one was wrong. */
async function answersMatched(hashes: string[], answers: string[]): Promise<boolean[]> {
  const results = await Promise.all(
    hashes.map((hash, index) => verifySecret(hash, normalizeAnswer(answers[index] ?? ''))),
  );
  return results.length === 3 ? results : [false, false, false];
}

async function answersMatch(hashes: string[], answers: string[]): Promise<boolean> {
  return (await answersMatched(hashes, answers)).every(Boolean);
}

/** The message on each answer that did not match; on all three when `matched` is not told. */
function answerErrors(message: string, matched: boolean[] = [false, false, false]): Record<string, string> {
  const errors: Record<string, string> = {};
  matched.forEach((right, index) => {
    if (!right) errors[`answer${index + 1}`] = message;
  });
  return errors;
}

function stepId(step: 'set-up' | 'reset', owner: StepOwner): string {
  return `${step}:${owner}`;
}
