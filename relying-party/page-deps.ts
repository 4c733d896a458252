import type { RelyingPartyConfig } from '../shared/config/relying-party.ts';
import type { IdpClient } from './auth/idp-client.ts';
import type { RelyingPartyDatabase } from './database.ts';

/** What every page plugin of the extranet is given by app.ts. */
export type ExtranetDeps = {
  config: RelyingPartyConfig;
  db: RelyingPartyDatabase;
  idp: IdpClient;
  /** Call after a transaction that enqueued mail commits, so it goes out at once. */
  mailQueued: () => void;
  /** Call once an association request has been answered, so its mail is looked up and sent at once. */
  associationQueued: () => void;
};
