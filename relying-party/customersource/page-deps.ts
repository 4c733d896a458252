import type { SiteContext } from '../kit/site.ts';
import type { RelyingPartyTables } from './database.ts';

/** What every page plugin of CustomerSource is given: the kit's context of the site. */
export type ExtranetDeps = SiteContext<RelyingPartyTables> & {
  /** Call once an association request has been answered, so its mail is looked up and sent at once. */
  associationQueued: () => void;
};
