import { z } from 'zod';
import { port, smtpUrl } from './load.ts';

export const mailSchema = z.object({
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: z.string().min(3).default('Passport Network <no-reply@passport.localhost>'),
  DEV_MAILBOX_SMTP_PORT: port.default(1025),
  DEV_MAILBOX_HTTP_PORT: port.default(4025),
});

export type MailConfig = {
  smtpUrl: string | undefined;
  from: string;
  devMailbox: { smtpPort: number; httpPort: number };
};

export function mailConfigFrom(raw: z.infer<typeof mailSchema>): MailConfig {
  return {
    smtpUrl: raw.SMTP_URL,
    from: raw.MAIL_FROM,
    devMailbox: { smtpPort: raw.DEV_MAILBOX_SMTP_PORT, httpPort: raw.DEV_MAILBOX_HTTP_PORT },
  };
}
