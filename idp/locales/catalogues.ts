import { createCatalogues } from '../../shared/i18n/catalogues.ts';
import { mailWords } from '../../shared/i18n/mail.ts';
import en from './en.json' with { type: 'json' };
import ptBr from './pt-BR.json' with { type: 'json' };

/** Passport's words in every language it speaks, loaded once. */
export const idpCatalogues = createCatalogues({ en, 'pt-BR': ptBr });

export const IDP_LANGUAGE_COOKIE = 'idp_lang';

/** A mail's words: its recipient's stored language, never the language of whoever caused it. */
export function recipientWords(language: string | null | undefined) {
  return mailWords(idpCatalogues, language).t;
}
