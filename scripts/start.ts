// `npm start`: the IdP, and the dev mailbox when no SMTP server is configured.

import { startIdp } from '../idp/server.ts';
import { loadIdpConfig } from '../shared/config/idp.ts';
import { ConfigError } from '../shared/config/load.ts';
import { startDevMailbox } from '../shared/mail/dev-mailbox.ts';

try {
  const config = loadIdpConfig();
  const mailbox = config.mail.smtpUrl
    ? undefined
    : await startDevMailbox({
        smtpPort: config.mail.devMailbox.smtpPort,
        httpPort: config.mail.devMailbox.httpPort,
      });
  const idp = await startIdp();
  console.log(`Passport IdP      ${idp.url}`);
  if (mailbox)
    console.log(
      `Dev mailbox       http://localhost:${mailbox.httpPort} (SMTP 127.0.0.1:${mailbox.smtpPort})`,
    );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
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
