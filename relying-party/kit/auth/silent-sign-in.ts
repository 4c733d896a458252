import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieNames } from './cookies.ts';

/**
 * Seed 001: a visitor with a live Passport session is signed in to a participating
 * site without a click. The first anonymous visit of a browser session goes to
 * Passport with prompt=none and comes back signed in, or anonymous when Passport
 * would have to ask; the cookie makes that once per browser session, never a loop.
 * Returns whether the reply now redirects.
 */
export function signInSilentlyOnce(
  request: FastifyRequest<{ Querystring: { passport?: string } }>,
  reply: FastifyReply,
  options: { cookies: CookieNames; signedIn: boolean; secure: boolean; returnTo: string },
): boolean {
  if (options.signedIn || request.cookies[options.cookies.silent] || request.query.passport === 'skip')
    return false;
  reply.setCookie(options.cookies.silent, '1', {
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    path: '/',
  });
  reply.redirect(`/auth/sign-in?silent=1&return=${encodeURIComponent(options.returnTo)}`, 303);
  return true;
}
