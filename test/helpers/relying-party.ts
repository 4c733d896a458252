import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogConfig } from 'kysely';
import { startRelyingParty } from '../../relying-party/server.ts';
import { freePort } from './ports.ts';

export const EXTRANET_SECRET = 'extranet-client-secret-0123456789-abcdef';

/** The extranet's port comes first: the IdP must know its redirect URIs before it starts. */
export async function reserveExtranet() {
  const url = `http://localhost:${await freePort()}`;
  return {
    url,
    client: {
      client_id: 'customersource',
      client_secret: EXTRANET_SECRET,
      client_name: 'CustomerSource',
      first_party: true,
      redirect_uris: [`${url}/auth/callback`],
      post_logout_redirect_uris: [`${url}/`],
      grant_types: ['authorization_code', 'refresh_token'],
      backchannel_logout_uri: `${url}/auth/backchannel-logout`,
      backchannel_logout_session_required: true,
    },
  };
}

export async function startTestExtranet(options: {
  url: string;
  issuer: string;
  env?: Record<string, string>;
  /** Logger options (a level and a stream to capture); no log when unset. */
  logger?: object;
  queryLog?: LogConfig;
}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-rp-'));
  const extranet = await startRelyingParty({
    logger: options.logger ?? false,
    queryLog: options.queryLog,
    env: {
      DATA_DIR: dataDir,
      RP_URL: options.url,
      RP_ISSUER: options.issuer,
      RP_CLIENT_ID: 'customersource',
      RP_CLIENT_SECRET: EXTRANET_SECRET,
      LOG_LEVEL: 'silent',
      ...options.env,
    },
  });
  return {
    ...extranet,
    async close() {
      await extranet.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
