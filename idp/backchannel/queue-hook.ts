import type Provider from 'oidc-provider';
import type { OwedLogout } from './repository.ts';

// oidc-provider's Client has these; its published types leave them out.
type LogoutClient = {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
};

const sendNow = Symbol('send the back-channel logout now');
type HookedClient = LogoutClient & { [sendNow]: LogoutClient['backchannelLogout'] };

/**
 * oidc-provider posts a logout token the moment a person signs out (its
 * end_session action, and our endSessions) and never again. Both go through
 * `Client#backchannelLogout`, so that is where a logout becomes a queued row
 * instead; the worker later calls the provider's own sender, which builds and
 * signs the token.
 */
export function queueBackchannelLogouts(provider: Provider, queue: (logout: OwedLogout) => Promise<void>) {
  const prototype = provider.Client.prototype as unknown as HookedClient;
  prototype[sendNow] = prototype.backchannelLogout;
  prototype.backchannelLogout = function queueLogout(this: LogoutClient, sub, sid) {
    return queue({ clientId: this.clientId, accountId: sub, sid });
  };
}

/** Signs a fresh logout token and posts it; rejects unless the site answers 200 or 204. */
export async function sendLogoutNow(provider: Provider, logout: OwedLogout): Promise<'sent' | 'site_gone'> {
  const client = (await provider.Client.find(logout.clientId)) as unknown as HookedClient | undefined;
  if (!client?.backchannelLogoutUri) return 'site_gone';
  await client[sendNow](logout.accountId, logout.sid);
  return 'sent';
}
