import type { Catalogues, Translate } from './catalogues.ts';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from './languages.ts';

/**
 * The words of one mail, in its recipient's language (the account's or the
 * profile's stored choice), never the language of whoever caused the mail.
 */
export function mailWords(
  catalogues: Catalogues,
  recipientLanguage: string | null | undefined,
): {
  language: Language;
  t: Translate;
} {
  const language = isLanguage(recipientLanguage) ? recipientLanguage : DEFAULT_LANGUAGE;
  return { language, t: catalogues.t(language) };
}
