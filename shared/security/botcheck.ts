import { type Challenge, createChallenge, randomInt, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { z } from 'zod';
import type { SpentProofs } from '../state/spent-proofs.ts';

/**
 * The ALTCHA proof-of-work bot check that guards public forms (sign-up,
 * password reset). The browser widget fetches a signed challenge, solves it in
 * web workers and posts the solution in a hidden form field; we accept each
 * challenge once, until it expires.
 */
export interface BotCheck {
  /** A fresh signed challenge, the JSON the widget's `challenge` URL returns. */
  challenge(): Promise<Challenge>;
  /** True for a correct, unexpired solution seen for the first time; false for anything else. */
  verify(payload: unknown): Promise<boolean>;
  /** Forgets spent challenges that have expired anyway. */
  sweep(): Promise<void>;
}

export type BotCheckOptions = {
  /** Where accepted solutions are remembered: the database, or Redis. */
  spent: SpentProofs;
  hmacKey: string;
  /** Upper bound of the secret counter a browser must find: the work is about half of it on average. */
  maxNumber?: number;
  expiresInSeconds?: number;
};

// SHA-256 with one round per attempt: the widget bundles a worker for it, and
// 50 000 attempts at most take a browser well under a second.
const ALGORITHM = 'SHA-256';
const COST = 1;
const DEFAULT_MAX_NUMBER = 50_000;
const DEFAULT_EXPIRES_IN_SECONDS = 10 * 60;
// The largest counter the widget's uint32 counter encoding can carry.
const MAX_COUNTER = 0xffff_ffff;

// A real payload is about 500 characters; the cap keeps decoding cheap.
export const MAX_PAYLOAD_LENGTH = 4096;

// Several servers may share the spent list and their clocks may drift: keep a
// spent challenge a little past its expiry so no server still accepts it.
const CLOCK_SKEW_MARGIN_MS = 5 * 60 * 1000;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX = /^[0-9a-f]+$/;

// The parameters object stays loose: its signature covers every key in it, so
// nothing may be dropped before it is checked.
const solvedChallengeSchema = z.object({
  challenge: z.object({
    parameters: z.looseObject({
      algorithm: z.literal(ALGORITHM),
      expiresAt: z.number().int().positive(),
      nonce: z.string().regex(HEX),
      salt: z.string().regex(HEX),
      keyPrefix: z.string().regex(HEX),
      cost: z.number().int().positive(),
      keyLength: z.number().int().positive(),
    }),
    signature: z.string().regex(HEX),
  }),
  solution: z.object({
    counter: z.number().int().min(0).max(MAX_COUNTER),
    derivedKey: z.string().regex(HEX),
  }),
});

type SolvedChallenge = z.infer<typeof solvedChallengeSchema>;

export function createBotCheck(options: BotCheckOptions): BotCheck {
  const { hmacKey, spent } = options;
  const maxNumber = options.maxNumber ?? DEFAULT_MAX_NUMBER;
  const expiresInSeconds = options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
  if (!hmacKey) throw new Error('The bot check needs an HMAC key.');
  if (!Number.isInteger(maxNumber) || maxNumber < 1 || maxNumber > MAX_COUNTER) {
    throw new Error(`The bot check's maxNumber must be an integer from 1 to ${MAX_COUNTER}.`);
  }
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
    throw new Error("The bot check's expiresInSeconds must be a positive integer.");
  }

  return {
    // Deterministic mode: we pick the counter, so the work a browser does is
    // bounded by maxNumber instead of left to luck.
    challenge: () =>
      createChallenge({
        algorithm: ALGORITHM,
        cost: COST,
        counter: randomInt(maxNumber),
        deriveKey,
        expiresAt: new Date(Date.now() + expiresInSeconds * 1000),
        hmacSignatureSecret: hmacKey,
      }),

    async verify(payload) {
      const solved = decodeSolvedChallenge(payload);
      if (!solved || !(await solutionHolds(solved, hmacKey))) return false;
      // Spent with the signature as its name: of two concurrent submissions one passes.
      return spent.spend(
        solved.challenge.signature,
        solved.challenge.parameters.expiresAt * 1000 + CLOCK_SKEW_MARGIN_MS,
      );
    },

    sweep: () => spent.sweep(),
  };
}

/** The widget posts base64 of `{ challenge, solution }` JSON; null for anything else. */
function decodeSolvedChallenge(payload: unknown): SolvedChallenge | null {
  const wellFormed =
    typeof payload === 'string' && payload.length <= MAX_PAYLOAD_LENGTH && BASE64.test(payload);
  if (!wellFormed) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = solvedChallengeSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** Signature, expiry and the work itself, all checked by altcha-lib. */
async function solutionHolds(solved: SolvedChallenge, hmacKey: string): Promise<boolean> {
  try {
    const result = await verifySolution({
      challenge: solved.challenge,
      solution: solved.solution,
      deriveKey,
      hmacSignatureSecret: hmacKey,
    });
    return result.verified;
  } catch {
    // altcha-lib throws on parameters it cannot use; from a form that is just a wrong answer.
    return false;
  }
}
