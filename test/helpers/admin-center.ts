import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogConfig } from 'kysely';
import type { GuardLimits } from '../../relying-party/online-services/admin-center/guard.ts';
import { startAdministrationCenter } from '../../relying-party/online-services/admin-center/server.ts';
import { BPOS_SERVICES, type ProvisionInput } from '../../relying-party/online-services/tenants/service.ts';
import { startDevMailbox } from '../../shared/mail/dev-mailbox.ts';
import { HttpSession } from './http-session.ts';
import { createMailbox } from './mailbox.ts';
import { freePort } from './ports.ts';
import { createPostgresDatabase } from './postgres.ts';

/**
 * The Administration Center alone on a real port, with its own data folder (or
 * PostgreSQL database) and dev mailbox. Tenants are provisioned the way the
 * portal does it, through the tenant service, in a transaction.
 */
export async function startTestAdministrationCenter(
  options: {
    store?: 'sqlite' | 'postgres';
    guardLimits?: Partial<GuardLimits>;
    env?: Record<string, string>;
    queryLog?: LogConfig;
  } = {},
) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'passport-os-'));
  const postgres = options.store === 'postgres' ? await createPostgresDatabase() : undefined;
  const mailServer = await startDevMailbox({ smtpPort: 0, httpPort: 0 });
  const url = `http://localhost:${await freePort()}`;
  const center = await startAdministrationCenter({
    logger: false,
    guardLimits: options.guardLimits,
    queryLog: options.queryLog,
    env: {
      DATA_DIR: dataDir,
      OS_ADMIN_URL: url,
      SMTP_URL: `smtp://127.0.0.1:${mailServer.smtpPort}`,
      LOG_LEVEL: 'silent',
      ...(postgres ? { OS_DATABASE_URL: postgres.url } : {}),
      ...options.env,
    },
  });
  let subscriptions = 0;
  return {
    ...center,
    mailbox: createMailbox(`http://localhost:${mailServer.httpPort}`),
    /** A company's tenant as a started trial makes it: its service administrator and temporary password. */
    async provision(input: Partial<ProvisionInput> = {}) {
      subscriptions += 1;
      return center.db.transaction().execute((trx) =>
        center.tenants.provisionTenant(trx, {
          subscriptionId: `subscription-${subscriptions}-${Date.now()}`,
          companyName: 'Contoso Pharmaceuticals',
          services: [...BPOS_SERVICES],
          language: 'en',
          contactEmail: 'dana@contoso.example',
          ...input,
        }),
      );
    },
    async close() {
      await center.close();
      await mailServer.close();
      await postgres?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestAdministrationCenter = Awaited<ReturnType<typeof startTestAdministrationCenter>>;

/** Signs in over HTTP; returns the session and the answer (a redirect on success). */
export async function centerSignIn(
  center: { url: string },
  userName: string,
  password: string,
  session = new HttpSession(),
) {
  const response = await session.request(`${center.url}/sign-in`, {
    form: { user_name: userName, password },
    headers: { origin: center.url },
  });
  return { session, response };
}

/** A form post from the Center's own pages (browsers name our origin). */
export function post(
  session: HttpSession,
  center: { url: string },
  path: string,
  form: Record<string, string>,
) {
  return session.request(`${center.url}${path}`, { form, headers: { origin: center.url } });
}

/** The first sign-in of a fresh tenant: temporary password, forced change, ready for the own-account step. */
export async function signInFirstTime(
  center: TestAdministrationCenter,
  userName: string,
  temporary: string,
  chosen: string,
) {
  const { session } = await centerSignIn(center, userName, temporary);
  const changed = await post(session, center, '/password', {
    current_password: temporary,
    new_password: chosen,
    retype_password: chosen,
  });
  if (changed.status !== 303)
    throw new Error(`password change answered ${changed.status}: ${await changed.text()}`);
  return session;
}
