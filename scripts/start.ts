// `npm start`: the IdP, every participating site, and the dev mailbox when no SMTP server is configured.
import { randomBytes } from 'node:crypto';
import { startIdp } from '../idp/server.ts';
import { customerSource } from '../relying-party/customersource/site.ts';
import { clientRegistration, type SiteDefinition, startSite } from '../relying-party/kit/site.ts';
import { membershipCenter } from '../relying-party/membership-center/site.ts';
import { definePortal } from '../relying-party/online-services/portal/site.ts';
import { startOnlineServices } from '../relying-party/online-services/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { ConfigError } from '../shared/config/load.ts';
import { loadSiteConfig } from '../shared/config/site.ts';
import { startDevMailbox } from '../shared/mail/dev-mailbox.ts';

// biome-ignore lint/suspicious/noExplicitAny: every site, whatever its tables, visitor and workers.
type AnySite = SiteDefinition<any, any, any>;

// Online Services runs its portal (a site) and its Administration Center in one process.
const ONLINE_SERVICES = definePortal();

/** The sites `npm start` runs, in the order their addresses are printed. A new site is one line here. */
const SITES: AnySite[] = [customerSource, membershipCenter, ONLINE_SERVICES];

try {
  const idpConfig = loadIdpConfig();
  const mailbox = idpConfig.mail.smtpUrl
    ? undefined
    : await startDevMailbox({
        smtpPort: idpConfig.mail.devMailbox.smtpPort,
        httpPort: idpConfig.mail.devMailbox.httpPort,
      });

  // Development wiring: unless the operator registered clients, each site is a
  // first-party client with a secret made for this run and handed to both sides.
  const sites = SITES.map((site) => {
    const config = loadSiteConfig(site.settings);
    return { site, config, secret: config.clientSecret ?? randomBytes(32).toString('base64url') };
  });
  const devClients = idpConfig.hasStaticClients
    ? []
    : sites.map(({ site, config, secret }) =>
        clientRegistration({ ...site.client, clientId: config.clientId, secret }, config.url),
      );
  const idp = await startIdp({ clients: devClients });
  const running: { url: string; close(): Promise<void> }[] = [];
  const extra: { label: string; url: string }[] = [];
  for (const { site, secret } of sites) {
    const env = { ...process.env, [`${site.settings.envPrefix}_CLIENT_SECRET`]: secret };
    if (site === ONLINE_SERVICES) {
      const services = await startOnlineServices({ env, seedDemoData: true });
      running.push({ url: services.portal.url, close: () => services.close() });
      extra.push({ label: 'Admin Center', url: services.center.url });
    } else {
      running.push(await startSite(site, { env, seedDemoData: true }));
    }
  }

  const width = Math.max(18, ...sites.map(({ site }) => site.client.name.length + 2));
  console.log(`${'Passport IdP'.padEnd(width)}${idp.url}`);
  for (const [index, { site }] of sites.entries())
    console.log(
      `${(site === ONLINE_SERVICES ? 'Customer Portal' : site.client.name).padEnd(width)}${running[index]!.url}`,
    );
  for (const { label, url } of extra) console.log(`${label.padEnd(width)}${url}`);
  if (mailbox)
    console.log(
      `${'Dev mailbox'.padEnd(width)}http://localhost:${mailbox.httpPort} (SMTP 127.0.0.1:${mailbox.smtpPort})`,
    );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      for (const site of running) await site.close();
      await idp.close();
      await mailbox?.close();
      process.exit(0);
    });
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
