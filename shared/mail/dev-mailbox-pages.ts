import { escapeHtml } from '../http/escape.ts';
import type { MailboxAddress, MailboxMessage } from './dev-mailbox.ts';

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1b1b; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dt { font-weight: 600; }
  pre { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: 1rem; }
  iframe { width: 100%; height: 36rem; border: 1px solid #ccc; }
`;

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${head}<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function recipients(addresses: MailboxAddress[]): string {
  return escapeHtml(addresses.map((address) => address.Address).join(', '));
}

export function inboxPage(messages: MailboxMessage[]): string {
  const rows = messages
    .map(
      (message) => `<tr>
<td>${recipients(message.To)}</td>
<td><a href="/view/${encodeURIComponent(message.ID)}">${escapeHtml(message.Subject || '(no subject)')}</a></td>
<td><time datetime="${message.Created.toISOString()}">${message.Created.toISOString().replace('T', ' ').slice(0, 19)}</time></td>
</tr>`,
    )
    .join('\n');
  const content =
    messages.length === 0
      ? '<p>No mail yet. Mail sent to this mailbox over SMTP appears here.</p>'
      : `<table>
<thead><tr><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Received (UTC)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  // New mail shows up without a click; the page has no script to do it otherwise.
  return page('Dev mailbox', `<h1>Dev mailbox</h1>\n${content}`, '<meta http-equiv="refresh" content="5">\n');
}

export function messagePage(message: MailboxMessage): string {
  const html = message.HTML
    ? `<h2>HTML</h2>
<iframe title="HTML body" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(
        // Links open in a new tab: inside the frame a site that forbids framing would show nothing.
        `<base target="_blank">${message.HTML}`,
      )}"></iframe>`
    : '';
  return page(
    message.Subject || 'Mail',
    `<p><a href="/">Back to the inbox</a></p>
<h1>${escapeHtml(message.Subject || '(no subject)')}</h1>
<dl>
<dt>From</dt><dd>${escapeHtml(message.From.Address)}</dd>
<dt>To</dt><dd>${recipients(message.To)}</dd>
<dt>Date</dt><dd>${escapeHtml(message.Date.toISOString())}</dd>
</dl>
<h2>Text</h2>
<pre>${textWithLinks(message.Text)}</pre>
${html}`,
  );
}

/** Escapes the text body and makes its http(s) links clickable, the way a mail reader would. */
function textWithLinks(text: string): string {
  return text
    .split(/(https?:\/\/[^\s<>"']+)/)
    .map((part, index) => {
      const escaped = escapeHtml(part);
      return index % 2 === 1 ? `<a href="${escaped}">${escaped}</a>` : escaped;
    })
    .join('');
}
