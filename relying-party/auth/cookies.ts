/** The extranet's session cookie; `rp_` keeps it apart from the IdP's on a shared localhost. */
export const SESSION_COOKIE = 'rp_session';

/**
 * Set (until the browser closes) once this browser has been to Passport: the front
 * door tries a silent sign-in only while it is absent, so a browser session makes
 * one round trip at most and a sign-out here is not undone by the next visit.
 */
export const SILENT_COOKIE = 'rp_silent';
