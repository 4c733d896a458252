import type { LogEvent } from 'kysely';
import { registerPerson } from './accounts.ts';
import { HttpSession } from './http-session.ts';
import { type Store, startTestIdp } from './idp.ts';
import { discover, oidc, REDIRECT_URI, signIn } from './oidc-client.ts';

const SECRET = 'login-writes-client-secret-0123456789-abcdef';
const WRITE = /^\s*(?:insert\s+into|update|delete\s+from)\s+"?([a-z_]+)"?/i;

/**
 * The database writes of one full login (authorize, sign-in, code, token,
 * userinfo) of a person who already has an account, by table, counted from
 * the IdP's own query log. A `returning` browser signed in to the account
 * before and was closed since (its sign-in gone, its device cookie kept); by
 * default the browser is a new one. The person has used the site before (from
 * another browser) unless `firstVisit`: a first visit also records the site
 * among the person's "Sites you have used".
 */
export async function countLoginWrites(options: {
  store: Store;
  redis: boolean;
  browser?: 'new' | 'returning';
  firstVisit?: boolean;
}) {
  const writes = new Map<string, number>();
  let counting = false;
  const idp = await startTestIdp({
    store: options.store,
    redis: options.redis,
    clients: [{ client_id: 'site', client_secret: SECRET, first_party: true, redirect_uris: [REDIRECT_URI] }],
    queryLog(event: LogEvent) {
      const table = counting && event.level === 'query' ? WRITE.exec(event.query.sql)?.[1] : undefined;
      if (table) writes.set(table, (writes.get(table) ?? 0) + 1);
    },
  });
  try {
    const person = await registerPerson(idp);
    const config = await discover(idp.issuer, 'site', SECRET);
    const browser = new HttpSession();
    if (options.browser === 'returning') {
      await signIn(config, browser, person);
      browser.closeBrowser();
    } else if (!options.firstVisit) {
      await signIn(config, new HttpSession(), person);
    }
    counting = true;
    const tokens = await signIn(config, browser, person);
    await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    counting = false;
    return writes;
  } finally {
    await idp.close();
  }
}

export function totalWrites(writes: Map<string, number>): number {
  return [...writes.values()].reduce((sum, count) => sum + count, 0);
}
