import { hashMailToken, looksLikeMailToken, newMailToken } from '../../shared/security/mail-token.ts';
import type { IdpDatabase } from '../database.ts';
import {
  deleteTrustedDevices,
  deleteTrustedDevicesOf,
  findTrustedDevices,
  insertTrustedDevice,
  markKeyProved,
  touchTrustedDevice,
} from './repository.ts';

/** A browser stays trusted (and keeps offering the account) this long after its last sign-in. */
export const DEVICE_TRUST_MS = 365 * 24 * 60 * 60 * 1000;
/**
 * How stale a device's last use may get before a sign-in writes it again. It
 * only measures the year of trust, so a day's slack changes nothing a person
 * notices and spares most sign-ins a write.
 */
const TOUCH_AFTER_MS = 24 * 60 * 60 * 1000;
/** The accounts one browser remembers; signing in to one more lets the oldest go. */
export const MAX_DEVICE_ACCOUNTS = 5;

/**
 * The server-side name of a browser that signed in to one account: only the
 * store can vouch for it, so only this module hands one out, and the guard's
 * trusted lane takes nothing else.
 */
export type TrustedDevice = string & { readonly trustedDeviceOf: 'server' };

/** An account this browser signed in to, and the device id the server issued it for that. */
export type RememberedAccount = {
  id: string;
  email: string;
  deviceId: string;
  device: TrustedDevice;
  /** The security key was typed right here: the browser is trusted for the key too. */
  keyProved: boolean;
  lastUsedAt: number;
};

type Store = Parameters<typeof deleteTrustedDevicesOf>[0];

/**
 * OWASP's device cookies: a browser that signs in successfully to an account
 * gets a random id for that account, of which the server keeps the SHA-256. The
 * browser only carries the ids; which accounts they stand for, and whether they
 * still stand, is the server's to say, so a browser cannot reshape what it is
 * trusted for, and the owner can revoke it from anywhere.
 */
export function createTrustedDevices(db: IdpDatabase, now: () => number = Date.now) {
  /** The accounts behind the browser's device ids, in the browser's order; revoked ids count for nothing. */
  async function rememberedBy(deviceIds: readonly string[]): Promise<RememberedAccount[]> {
    const ids = deviceIds.filter(looksLikeMailToken).slice(0, MAX_DEVICE_ACCOUNTS);
    const byHash = new Map(ids.map((id) => [hashMailToken(id), id]));
    const rows = await findTrustedDevices(db, [...byHash.keys()], now() - DEVICE_TRUST_MS);
    return rows
      .map((row) => ({
        id: row.account_id,
        email: row.email,
        deviceId: byHash.get(row.id_hash)!,
        device: row.id_hash as TrustedDevice,
        keyProved: row.key_proved_at !== null,
        lastUsedAt: row.last_used_at,
      }))
      .sort((a, b) => ids.indexOf(a.deviceId) - ids.indexOf(b.deviceId))
      .filter((account, index, all) => all.findIndex((other) => other.id === account.id) === index);
  }

  /**
   * The device that earns this browser the trusted lane for the account, if
   * any. The store is asked even for an unknown address (no account), so the
   * answer takes the same time either way.
   */
  async function trustedFor(accountId: string | undefined, deviceIds: readonly string[]) {
    const remembered = await rememberedBy(deviceIds);
    return remembered.find((account) => account.id === accountId)?.device;
  }

  /**
   * This browser's standing for the account, if it signed in to it: its device,
   * and whether the security key was typed here. A password sign-in alone makes
   * a browser trusted for the password, so only `keyProved` earns the trusted
   * lane for the key; otherwise anyone with the password could lock the owner out.
   */
  async function deviceFor(accountId: string, deviceIds: readonly string[]) {
    return (await rememberedBy(deviceIds)).find((account) => account.id === accountId);
  }

  /** After the right security key: this browser's id for the account is trusted for the key from now on. */
  async function keyProved(device: TrustedDevice): Promise<void> {
    await markKeyProved(db, device, now());
  }

  /**
   * After a successful sign-in: the browser keeps its id for the account (or
   * gets one), first in its list. Returns the device ids the browser keeps.
   */
  async function trust(accountId: string, deviceIds: readonly string[]): Promise<string[]> {
    const remembered = await rememberedBy(deviceIds);
    const at = now();
    const known = remembered.find((account) => account.id === accountId);
    let deviceId: string;
    if (known) {
      deviceId = known.deviceId;
      if (at - known.lastUsedAt >= TOUCH_AFTER_MS) await touchTrustedDevice(db, known.device, at);
    } else {
      // Made and hashed like a mailed token: one helper for every random credential.
      const issued = newMailToken();
      deviceId = issued.token;
      await insertTrustedDevice(db, issued.hash, accountId, at);
    }
    const others = remembered.filter((account) => account !== known);
    const kept = others.slice(0, MAX_DEVICE_ACCOUNTS - 1);
    // An account the browser no longer lists must not stay trusted there unseen.
    await deleteTrustedDevices(
      db,
      others.slice(MAX_DEVICE_ACCOUNTS - 1).map((account) => account.device),
    );
    return [deviceId, ...kept.map((account) => account.deviceId)];
  }

  /** Removal from this browser's list: its id for the account is revoked on the server. */
  async function forget(accountId: string, deviceIds: readonly string[]): Promise<string[]> {
    const remembered = await rememberedBy(deviceIds);
    await deleteTrustedDevices(
      db,
      remembered.filter((account) => account.id === accountId).map((account) => account.device),
    );
    return remembered.filter((account) => account.id !== accountId).map((account) => account.deviceId);
  }

  return { rememberedBy, trustedFor, deviceFor, keyProved, trust, forget };
}

export type TrustedDevices = ReturnType<typeof createTrustedDevices>;

/**
 * No browser stays trusted for the account, nor offers it on its sign-in page:
 * for a password reset and "Sign out everywhere", in their own transaction.
 */
export async function revokeTrustedDevices(db: Store, accountId: string): Promise<void> {
  await deleteTrustedDevicesOf(db, accountId);
}
