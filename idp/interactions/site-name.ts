import type { Translate } from '../../shared/i18n/catalogues.ts';
import { ACCOUNT_CLIENT_ID } from '../account-services/sign-in.ts';

type NamedClient = { clientId: string; clientName?: string };

/**
 * What a page calls the site a person is signing in to. Sites name themselves;
 * Passport's own account pages are a client too, and are named in the reader's language.
 */
export function siteName(client: NamedClient | undefined, t: Translate): string | undefined {
  if (!client) return undefined;
  if (client.clientId === ACCOUNT_CLIENT_ID) return t('sites.account_services');
  return client.clientName ?? client.clientId;
}
