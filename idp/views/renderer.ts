import path from 'node:path';
import { Eta } from 'eta';
import { DEFAULT_LANGUAGE, type Language } from '../../shared/i18n/languages.ts';
import { languageSwitch } from '../../shared/i18n/request-language.ts';
import { idpCatalogues } from '../locales/catalogues.ts';

/** One template engine for the whole IdP: fastify routes and oidc-provider's own pages. */
export function createRenderer(options: { issuer: string }) {
  const eta = new Eta({
    views: path.join(import.meta.dirname),
    cache: true,
    autoEscape: true,
    defaultExtension: '.eta',
  });
  const site = { name: 'Passport Network', issuer: options.issuer };
  return {
    eta,
    defaults: { site },
    /** For oidc-provider's pages, which fastify's language hook never sees. */
    render(
      template: string,
      data: Record<string, unknown>,
      page: { language: Language; path: string } = { language: DEFAULT_LANGUAGE, path: '/' },
    ): string {
      return eta.render(template, {
        site,
        t: idpCatalogues.t(page.language),
        lang: page.language,
        languageSwitch: languageSwitch(page.language, page.path),
        ...data,
      });
    },
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
