import { escapeHtml } from '../../shared/http/escape.ts';
import type { Translate } from '../../shared/i18n/catalogues.ts';

export type Mail = { to: string; subject: string; text: string; html: string };

/**
 * Every Passport mail: a few plain paragraphs, an optional link, the same
 * signature, text and HTML, all in the recipient's words (`t` of their language).
 */
export function paragraphs(
  t: Translate,
  to: string,
  subject: string,
  lines: string[],
  link?: { href: string; label: string },
): Mail {
  const signature = `— ${t('mail.signature')}`;
  const text = [...lines, ...(link ? [`${link.label}: ${link.href}`] : []), '', signature].join('\n\n');
  const html = [
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : '',
    `<p>${escapeHtml(signature)}</p>`,
  ].join('\n');
  return { to, subject, text, html };
}

/** A mail whose subject, paragraphs and link label are the catalogue's `mail.<name>.*`. */
export function catalogueMail(
  t: Translate,
  to: string,
  name: string,
  lines: string[],
  options: { vars?: Record<string, unknown>; href?: string } = {},
): Mail {
  const say = (key: string) => t(`mail.${name}.${key}`, options.vars);
  return paragraphs(
    t,
    to,
    say('subject'),
    lines.map((line) => (line.includes('.') ? t(line, options.vars) : say(line))),
    options.href ? { href: options.href, label: say('link') } : undefined,
  );
}

export function activationMail(t: Translate, to: string, link: string): Mail {
  return catalogueMail(t, to, 'activation', ['thanks', 'open', 'ignore'], { href: link });
}

export function alreadyRegisteredMail(t: Translate, to: string, signInUrl: string): Mail {
  return catalogueMail(t, to, 'already_registered', ['tried', 'unchanged', 'forgot', 'ignore'], {
    href: signInUrl,
  });
}
