// `npm start`: the IdP, the extranet, and the dev mailbox when no SMTP server is configured.
import { randomBytes } from 'node:crypto';
import { startIdp } from '../idp/server.ts';
import { startRelyingParty } from '../relying-party/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { ConfigError } from '../shared/config/load.ts';
import { loadRelyingPartyConfig } from '../shared/config/relying-party.ts';
import { startDevMailbox } from '../shared/mail/dev-mailbox.ts';

try {
  const idpConfig = loadIdpConfig();
  const extranetConfig = loadRelyingPartyConfig();
  const mailbox = idpConfig.mail.smtpUrl
    ? undefined
    : await startDevMailbox({
        smtpPort: idpConfig.mail.devMailbox.smtpPort,
        httpPort: idpConfig.mail.devMailbox.httpPort,
      });

  // Development wiring: unless the operator registered clients, the extranet is a
  // first-party client with a secret made for this run and handed to both sides.
  const devSecret = extranetConfig.clientSecret ?? randomBytes(32).toString('base64url');
  const devClients = idpConfig.hasStaticClients
    ? []
    : [
        {
          client_id: extranetConfig.clientId,
          client_secret: devSecret,
          client_name: 'CustomerSource',
          first_party: true,
          redirect_uris: [`${extranetConfig.url}/auth/callback`],
          post_logout_redirect_uris: [`${extranetConfig.url}/`],
          grant_types: ['authorization_code', 'refresh_token'],
          backchannel_logout_uri: `${extranetConfig.url}/auth/backchannel-logout`,
          backchannel_logout_session_required: true,
        },
      ];
  const idp = await startIdp({ clients: devClients });
  const extranet = await startRelyingParty({
    env: { ...process.env, RP_CLIENT_SECRET: devSecret },
    seedDemoData: true,
  });

  console.log(`Passport IdP      ${idp.url}`);
  console.log(`CustomerSource    ${extranet.url}`);
  if (mailbox)
    console.log(
      `Dev mailbox       http://localhost:${mailbox.httpPort} (SMTP 127.0.0.1:${mailbox.smtpPort})`,
    );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      await extranet.close();
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
