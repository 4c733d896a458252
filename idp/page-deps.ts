import type Provider from 'oidc-provider';
import type { IdpConfig } from '../shared/config/idp.ts';
import type { BotCheck } from '../shared/security/botcheck.ts';
import type { AccountService } from './accounts/service.ts';
import type { IdpDatabase } from './database.ts';

/** What every page plugin of the IdP is given by app.ts. */
export type PageDeps = {
  config: IdpConfig;
  db: IdpDatabase;
  provider: Provider;
  accounts: AccountService;
  botCheck: BotCheck;
  /** Call after a transaction that enqueued mail commits, so it goes out at once. */
  mailQueued: () => void;
};
