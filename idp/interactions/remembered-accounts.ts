import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdpDatabase } from '../database.ts';
import {
  createTrustedDevices,
  DEVICE_TRUST_MS,
  MAX_DEVICE_ACCOUNTS,
  type RememberedAccount,
} from '../throttling/trusted-devices.ts';

const COOKIE = 'idp_devices';

/**
 * The accounts used on this browser, newest first. The cookie carries only the
 * random device ids the server issued at each sign-in; the server says which
 * accounts they stand for, so an account revoked elsewhere (a password reset,
 * "Sign out everywhere") is no longer offered here, and a changed e-mail shows
 * up changed.
 */
export function rememberedAccounts(db: IdpDatabase) {
  const devices = createTrustedDevices(db);

  return {
    list(request: FastifyRequest): Promise<RememberedAccount[]> {
      return devices.rememberedBy(deviceIdsOf(request));
    },

    /** After a successful sign-in in this browser. */
    async remember(request: FastifyRequest, reply: FastifyReply, accountId: string): Promise<void> {
      write(request, reply, await devices.trust(accountId, deviceIdsOf(request)));
    },

    /** "Forget": off this browser's list, and no longer a browser the account signed in with. */
    async forget(request: FastifyRequest, reply: FastifyReply, accountId: string): Promise<void> {
      write(request, reply, await devices.forget(accountId, deviceIdsOf(request)));
    },
  };
}

/** The device ids this browser carries, unchecked: only the store can tell what they are worth. */
export function deviceIdsOf(request: FastifyRequest): string[] {
  return (request.cookies[COOKIE] ?? '').split('.').filter(Boolean).slice(0, MAX_DEVICE_ACCOUNTS);
}

function write(request: FastifyRequest, reply: FastifyReply, deviceIds: string[]): void {
  if (deviceIds.length === 0) {
    reply.clearCookie(COOKIE, { path: '/' });
    return;
  }
  // Device ids are base64url, so a dot joins them without any escaping.
  reply.setCookie(COOKIE, deviceIds.join('.'), {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: DEVICE_TRUST_MS / 1000,
  });
}
