import argon2 from 'argon2';

export type HashParameters = {
  /** Memory per hash, in KiB. */
  memoryKib: number;
  /** Passes over that memory. */
  timeCost: number;
  /** Lanes. */
  parallelism: number;
};

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong, and cheap enough
// that a sign-in costs one hash and little else. The settings never go below it.
export const OWASP_BASELINE: HashParameters = { memoryKib: 19_456, timeCost: 2, parallelism: 1 };

function argon2Options(parameters: HashParameters) {
  return {
    type: argon2.argon2id,
    memoryCost: parameters.memoryKib,
    timeCost: parameters.timeCost,
    parallelism: parameters.parallelism,
  } as const;
}

let options = argon2Options(OWASP_BASELINE);
let dummyHash: Promise<string> | undefined;

/**
 * The parameters new hashes are made with, set once at start from the
 * settings. Process-wide because every secret of the service is hashed alike.
 */
export function useHashParameters(parameters: HashParameters): void {
  options = argon2Options(parameters);
  // The decoy must cost what a real verification costs under these parameters.
  dummyHash = undefined;
}

export function hashSecret(secret: string): Promise<string> {
  return argon2.hash(secret, options);
}

export async function verifySecret(hash: string, secret: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, secret);
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with other parameters (or another argon2 type) than new ones are. */
export function needsRehash(hash: string): boolean {
  if (!hash.startsWith('$argon2id$')) return true;
  try {
    return argon2.needsRehash(hash, options);
  } catch {
    return true;
  }
}

/**
 * Spends the same time as a real verification when there is no account, so the
 * response time does not tell whether an e-mail address is registered.
 */
export async function verifyAgainstNothing(secret: string): Promise<false> {
  dummyHash ??= hashSecret('no account has this password');
  await verifySecret(await dummyHash, secret);
  return false;
}
