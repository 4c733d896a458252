import { escapeHtml } from '../../shared/http/escape.ts';

export type Mail = { to: string; subject: string; text: string; html: string };

/** Every Passport mail: a few plain paragraphs, an optional link, the same signature, text and HTML. */
export function paragraphs(
  to: string,
  subject: string,
  lines: string[],
  link?: { href: string; label: string },
): Mail {
  const text = [...lines, ...(link ? [`${link.label}: ${link.href}`] : []), '', '— Passport Network'].join(
    '\n\n',
  );
  const html = [
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : '',
    '<p>— Passport Network</p>',
  ].join('\n');
  return { to, subject, text, html };
}

export function activationMail(to: string, link: string): Mail {
  return paragraphs(
    to,
    'Activate your Passport',
    [
      'Thank you for signing up for a Passport.',
      'To activate your account, open the link below within 24 hours. It works once.',
      'If you did not sign up, ignore this message: no account is created without this link.',
    ],
    { href: link, label: 'Activate my Passport' },
  );
}

export function alreadyRegisteredMail(to: string, signInUrl: string): Mail {
  return paragraphs(
    to,
    'You already have a Passport',
    [
      'Someone, perhaps you, tried to sign up for a Passport with this e-mail address.',
      'This address already has an account, so nothing was changed. Sign in with your password as usual.',
      'If you forgot your password, choose "Forgot your password?" on the sign-in page.',
      'If this was not you, you can ignore this message.',
    ],
    { href: signInUrl, label: 'Sign in' },
  );
}
