import { siteCatalogues } from '../../kit/locales/catalogues.ts';
import en from './en.json' with { type: 'json' };
import ptBr from './pt-BR.json' with { type: 'json' };

/** The Membership Center's words. */
export const centerLocales = { en, 'pt-BR': ptBr };

/** Its words over the kit's, for mail (pages get them through the site definition). */
export const centerCatalogues = siteCatalogues(centerLocales);
