import type { Catalogues } from '../../shared/i18n/catalogues.ts';

// A dotted lower-case word chain, the shape of every catalogue key ("sign_in.title").
const KEY_LIKE = /\b[a-z_]+(?:\.[a-z_]+)+\b/g;

/**
 * Catalogue keys a page shows instead of words: i18next answers a missing key
 * with the key itself, so any key-shaped text whose first part names a
 * catalogue section ("sign_in.…", "errors.…") is an untranslated word.
 */
export function untranslatedKeys(html: string, catalogues: Catalogues): string[] {
  const sections = new Set(catalogues.keys('en').map((key) => key.split('.')[0]));
  const text = html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '');
  return [...text.matchAll(KEY_LIKE)]
    .map((match) => match[0])
    .filter((candidate) => sections.has(candidate.split('.')[0]));
}

/**
 * English catalogue sentences a page in another language still shows: words
 * written straight into a view or a route instead of taken from the catalogue.
 */
export function englishLeftovers(html: string, catalogues: Catalogues, language: 'pt-BR'): string[] {
  const english = catalogues.t('en');
  const other = catalogues.t(language);
  const text = html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replace(/\s+/g, ' ');
  return catalogues
    .keys('en')
    .filter((key) => !catalogues.raw('en', key).includes('{') && english(key).split(' ').length >= 3)
    .filter((key) => english(key) !== other(key))
    .map((key) => english(key))
    .filter((sentence) => text.includes(sentence));
}
