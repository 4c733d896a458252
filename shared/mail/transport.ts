import nodemailer from 'nodemailer';

/**
 * An SMTP transport from an `smtp://` or `smtps://` URL (credentials and query
 * options such as `?pool=true` are read from the URL by nodemailer).
 */
export function createMailTransport(url: string) {
  if (!/^smtps?:\/\//i.test(url)) {
    throw new Error('the mail transport URL must start with smtp:// or smtps://');
  }
  return nodemailer.createTransport({
    url,
    // nodemailer waits minutes by default; a stuck server must fail fast so the
    // worker retries later instead of holding its claim on the mail.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}
