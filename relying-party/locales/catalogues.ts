import { createCatalogues } from '../../shared/i18n/catalogues.ts';
import en from './en.json' with { type: 'json' };
import ptBr from './pt-BR.json' with { type: 'json' };

/** The extranet's words in every language it speaks, loaded once. */
export const relyingPartyCatalogues = createCatalogues({ en, 'pt-BR': ptBr });
