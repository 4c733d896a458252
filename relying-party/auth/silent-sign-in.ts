import type { FastifyReply, FastifyRequest } from 'fastify';
import { SILENT_COOKIE } from './cookies.ts';

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
  options: { secure: boolean; returnTo: string },
): boolean {
  if (request.visitor || request.cookies[SILENT_COOKIE] || request.query.passport === 'skip') return false;
  reply.setCookie(SILENT_COOKIE, '1', { httpOnly: true, sameSite: 'lax', secure: options.secure, path: '/' });
  reply.redirect(`/auth/sign-in?silent=1&return=${encodeURIComponent(options.returnTo)}`, 303);
  return true;
}
