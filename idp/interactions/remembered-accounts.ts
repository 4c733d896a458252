import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'idp_accounts';
const MAX_ACCOUNTS = 5;
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * The accounts used on this device: a signed cookie listing account ids, newest
 * first. Ids rather than addresses, so a changed e-mail shows up changed.
 */
export function rememberedAccountIds(request: FastifyRequest): string[] {
  const raw = request.cookies[COOKIE];
  if (!raw) return [];
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return [];
  try {
    const ids: unknown = JSON.parse(unsigned.value);
    return Array.isArray(ids)
      ? ids.filter((id): id is string => typeof id === 'string').slice(0, MAX_ACCOUNTS)
      : [];
  } catch {
    return [];
  }
}

export function rememberAccount(request: FastifyRequest, reply: FastifyReply, accountId: string): void {
  const ids = [accountId, ...rememberedAccountIds(request).filter((id) => id !== accountId)].slice(
    0,
    MAX_ACCOUNTS,
  );
  write(request, reply, ids);
}

export function forgetAccount(request: FastifyRequest, reply: FastifyReply, accountId: string): void {
  write(
    request,
    reply,
    rememberedAccountIds(request).filter((id) => id !== accountId),
  );
}

function write(request: FastifyRequest, reply: FastifyReply, ids: string[]): void {
  reply.setCookie(COOKIE, JSON.stringify(ids), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: ONE_YEAR_SECONDS,
  });
}
