/**
 * A site's cookie names. Browsers do not keep cookies apart by port, so every
 * site of the network on one host (localhost in development) needs its own
 * prefix: CustomerSource `rp_`, the Membership Center `mc_`, Online Services `os_`.
 */
export function cookieNames(prefix: string) {
  return {
    /** The server session's random id. */
    session: `${prefix}session`,
    /** The sign-in under way (state, nonce, PKCE verifier), signed, for ten minutes. */
    flow: `${prefix}auth_flow`,
    /**
     * Set (until the browser closes) once this browser has been to Passport: the front
     * door tries a silent sign-in only while it is absent, so a browser session makes
     * one round trip at most and a sign-out here is not undone by the next visit.
     */
    silent: `${prefix}silent`,
    /** The language the person chose on this site. */
    language: `${prefix}lang`,
  };
}

export type CookieNames = ReturnType<typeof cookieNames>;
