import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { WindowCounters } from '../../shared/state/counters.ts';
import type { SpentProofs } from '../../shared/state/spent-proofs.ts';

/** The kinds revoked with their grant, as in oidc-provider's own adapters. */
export const GRANTABLE_KINDS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * oidc-provider's models that are long-lived data here: a registered client
 * and its registration token live as long as the site does, so they stay in
 * the database whatever holds the rest.
 */
export const LONG_LIVED_KINDS: ReadonlySet<string> = new Set(['Client', 'RegistrationAccessToken']);

export type StoredArtifact = { id: string; payload: AdapterPayload; expiresAt: number | null };

/** A step of a security key change that is not finished yet; it goes when the account's sessions end. */
export type PendingStep = { payload: unknown; expiresAt: number };

/**
 * Everything short-lived the IdP keeps: oidc-provider's sessions,
 * interactions, codes, tokens, grants and replay detection, pending security
 * key steps, throttle counters and spent bot-check proofs. One implementation
 * keeps them in the database, the other in Redis; the rest of the IdP reads
 * and writes them only through this, so "end all sessions" means the same on
 * both.
 */
export interface ShortLivedStore {
  /** oidc-provider's adapter for one kind (never a LONG_LIVED_KINDS one). */
  adapter(kind: string): Adapter;
  /** A person's IdP sessions, live ones only. */
  sessionsOf(accountId: string): Promise<StoredArtifact[]>;
  /** A person's grants (what each site was given), live ones only. */
  grantsOf(accountId: string): Promise<StoredArtifact[]>;
  /**
   * Removes every short-lived thing of a person (sessions, grants, tokens,
   * interactions, pending steps), except one session and the grants it holds.
   */
  forgetAccount(accountId: string, keep?: { sessionId: string; grantIds: string[] }): Promise<void>;
  /** Grants and everything issued under them, as oidc-provider revokes on a reuse. */
  revokeGrants(grantIds: readonly string[]): Promise<void>;

  savePendingStep(id: string, accountId: string, payload: object, expiresAt: number): Promise<void>;
  findPendingStep(id: string, accountId: string, now?: number): Promise<PendingStep | undefined>;
  /** Removes the step; true only for the call that removed it, so of two finishes one wins. */
  takePendingStep(id: string): Promise<boolean>;
  /** The steps a person has waiting. */
  pendingStepsOf(accountId: string): Promise<PendingStep[]>;

  counters: WindowCounters;
  spentProofs: SpentProofs;

  /** Reclaims expired entries (a no-op where the store expires them itself). */
  sweep(now?: number): Promise<void>;
  /** Readiness: where the store is not the database, whether it answers (rejects otherwise). */
  answers?: () => Promise<void>;
  close(): Promise<void>;
}
