import i18next, { type TFunction } from 'i18next';
import ICU from 'i18next-icu';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from './languages.ts';
import sharedEn from './locales/en.json' with { type: 'json' };
import sharedPtBr from './locales/pt-BR.json' with { type: 'json' };

export type Catalogue = { [key: string]: string | Catalogue };
export type Translate = (key: string, vars?: Record<string, unknown>) => string;

const SHARED: Record<Language, Catalogue> = { en: sharedEn, 'pt-BR': sharedPtBr };

/**
 * One service's words: the shared catalogue (errors, form messages, the language
 * switch) under the service's own, through one i18next instance with ICU
 * messages (plurals, selects). Loaded once at start; a missing key shows as the
 * key itself, which the catalogue tests catch.
 */
export function createCatalogues(service: Record<Language, Catalogue>) {
  const instance = i18next.createInstance();
  instance.use(new ICU()).init({
    initAsync: false,
    resources: Object.fromEntries(
      LANGUAGES.map((language) => [
        language,
        { translation: mergeCatalogue(SHARED[language], service[language]) },
      ]),
    ),
    lng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    // A missing word must show, not quietly fall back to English in a Portuguese page.
    fallbackLng: false,
    load: 'currentOnly',
    returnNull: false,
    returnEmptyString: false,
  });
  const fixed = new Map<Language, Translate>(
    LANGUAGES.map((language) => {
      const t: TFunction = instance.getFixedT(language);
      return [language, (key, vars) => String(t(key, vars ?? {}))];
    }),
  );
  return {
    /** The translate function of one language. */
    t(language: Language): Translate {
      return fixed.get(language) ?? (fixed.get(DEFAULT_LANGUAGE) as Translate);
    },
    /** Every key of a language's catalogue, as dotted paths (for the completeness tests). */
    keys(language: Language): string[] {
      return flatKeys(mergeCatalogue(SHARED[language], service[language]));
    },
    /** A message as written in the catalogue, before ICU formatting (for the completeness tests). */
    raw(language: Language, key: string): string {
      const message = instance.getResource(language, 'translation', key);
      return typeof message === 'string' ? message : '';
    },
  };
}

export type Catalogues = ReturnType<typeof createCatalogues>;

/** `over` on top of `base`, section by section: a service's words over the shared ones, a site's over the kit's. */
export function mergeCatalogue(base: Catalogue, over: Catalogue): Catalogue {
  const out: Catalogue = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = typeof value === 'object' && typeof below === 'object' ? mergeCatalogue(below, value) : value;
  }
  return out;
}

export function flatKeys(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : flatKeys(value, `${prefix}${key}.`),
  );
}
