import { type Catalogue, createCatalogues, mergeCatalogue } from '../../../shared/i18n/catalogues.ts';
import type { Language } from '../../../shared/i18n/languages.ts';
import en from './en.json' with { type: 'json' };
import ptBr from './pt-BR.json' with { type: 'json' };

const KIT: Record<Language, Catalogue> = { en, 'pt-BR': ptBr };

/**
 * A site's words over the kit's (sign-in failures, the shell, `errors.forbidden`)
 * over the shared ones. A site may reword a kit sentence by naming its key; it
 * must give `brand.name`, which the shell shows.
 */
export function siteCatalogues(site: Record<Language, Catalogue>) {
  return createCatalogues({
    en: mergeCatalogue(KIT.en, site.en),
    'pt-BR': mergeCatalogue(KIT['pt-BR'], site['pt-BR']),
  });
}
