/** The extranet's session cookie; `rp_` keeps it apart from the IdP's on a shared localhost. */
export const SESSION_COOKIE = 'rp_session';
