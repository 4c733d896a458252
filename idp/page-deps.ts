import type Provider from 'oidc-provider';
import type { IdpConfig } from '../shared/config/idp.ts';
import type { BotCheck } from '../shared/security/botcheck.ts';
import type { AccountService } from './accounts/service.ts';
import type { IdpDatabase } from './database.ts';
import type { ShortLivedStore } from './state/short-lived-store.ts';

/** What every page plugin of the IdP is given by app.ts. */
export type PageDeps = {
  config: IdpConfig;
  db: IdpDatabase;
  provider: Provider;
  /** Sessions, grants, pending steps, counters and spent proofs: the database or Redis. */
  shortLived: ShortLivedStore;
  accounts: AccountService;
  botCheck: BotCheck;
  /** Call after a transaction that enqueued mail commits, so it goes out at once. */
  mailQueued: () => void;
};
