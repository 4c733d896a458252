import path from 'node:path';
import { Eta } from 'eta';

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
    render(template: string, data: Record<string, unknown>): string {
      return eta.render(template, { site, ...data });
    },
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
