import { siteCatalogues } from '../../kit/locales/catalogues.ts';
import en from './en.json' with { type: 'json' };
import ptBr from './pt-BR.json' with { type: 'json' };

/** CustomerSource's words. */
export const customerSourceLocales = { en, 'pt-BR': ptBr };

/** CustomerSource's words over the kit's, in every language it speaks, loaded once. */
export const relyingPartyCatalogues = siteCatalogues(customerSourceLocales);
