import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogConfig } from 'kysely';
import { customerSource } from '../../relying-party/customersource/site.ts';
import {
  clientRegistration,
  type SiteDefinition,
  type SiteWorker,
  startSite,
} from '../../relying-party/kit/site.ts';
import type { KitTables } from '../../relying-party/kit/tables.ts';
import type { KitVisitor } from '../../relying-party/kit/visitor.ts';
import { freePort } from './ports.ts';

export const EXTRANET_SECRET = 'extranet-client-secret-0123456789-abcdef';

// biome-ignore lint/suspicious/noExplicitAny: a helper for every site, whatever its tables, visitor and workers.
export type AnySite = SiteDefinition<any, any, any>;

/** A test secret per site, long enough for the config's 32-character minimum. */
export function testSecretOf(site: AnySite): string {
  return site === customerSource
    ? EXTRANET_SECRET
    : `${site.settings.clientId}-client-secret-0123456789-abcdef`;
}

/**
 * A site's port comes first: the IdP must know its redirect URIs before it
 * starts. Returns the URL and the IdP's client registration for the site.
 */
export async function reserveSite(site: AnySite) {
  const url = `http://localhost:${await freePort()}`;
  return {
    site,
    url,
    client: clientRegistration(
      { ...site.client, clientId: site.settings.clientId, secret: testSecretOf(site) },
      url,
    ),
  };
}

export type ReservedSite = Awaited<ReturnType<typeof reserveSite>>;

/** Starts a site on a reserved URL against `issuer`, with its data in a temporary folder. */
export async function startTestSite<
  Tables extends KitTables,
  Visitor extends KitVisitor,
  Workers extends Record<string, SiteWorker>,
>(
  site: SiteDefinition<Tables, Visitor, Workers>,
  options: {
    url: string;
    issuer: string;
    env?: Record<string, string>;
    /** Logger options (a level and a stream to capture); no log when unset. */
    logger?: object;
    queryLog?: LogConfig;
    seedDemoData?: boolean;
  },
) {
  const prefix = site.settings.envPrefix;
  const dataDir = await mkdtemp(path.join(tmpdir(), `passport-${prefix.toLowerCase()}-`));
  const running = await startSite(site, {
    logger: options.logger ?? false,
    queryLog: options.queryLog,
    seedDemoData: options.seedDemoData,
    env: {
      DATA_DIR: dataDir,
      [`${prefix}_URL`]: options.url,
      [`${prefix}_ISSUER`]: options.issuer,
      [`${prefix}_CLIENT_ID`]: site.settings.clientId,
      [`${prefix}_CLIENT_SECRET`]: testSecretOf(site as AnySite),
      LOG_LEVEL: 'silent',
      ...options.env,
    },
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...running,
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** CustomerSource's reservation (its client id `customersource`). */
export async function reserveExtranet() {
  const { url, client } = await reserveSite(customerSource);
  return { url, client };
}

export async function startTestExtranet(options: {
  url: string;
  issuer: string;
  env?: Record<string, string>;
  /** Logger options (a level and a stream to capture); no log when unset. */
  logger?: object;
  queryLog?: LogConfig;
}) {
  return startTestSite(customerSource, options);
}
