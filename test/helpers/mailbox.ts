import { setTimeout as delay } from 'node:timers/promises';

// Only the fields that the dev mailbox and Mailpit both return.
export type MailAddress = { Name: string; Address: string };

export type MailSummary = {
  ID: string;
  From: MailAddress;
  To: MailAddress[];
  Subject: string;
  Created: string;
  Snippet: string;
};

export type MailMessage = {
  ID: string;
  MessageID: string;
  From: MailAddress;
  To: MailAddress[];
  Subject: string;
  Date: string;
  Text: string;
  HTML: string;
};

export type WaitForMail = { subject?: RegExp; after?: Date; timeoutMs?: number };

const POLL_INTERVAL_MS = 50;
// Newest first: a waiting test only ever needs the latest few.
const LIST_LIMIT = 200;

/** Reads caught mail from the dev mailbox or from Mailpit at `baseUrl` (the web/API address). */
export function createMailbox(baseUrl: string) {
  const api = `${baseUrl.replace(/\/+$/, '')}/api/v1`;

  async function call<Body>(url: string, init?: RequestInit): Promise<Body> {
    const response = await fetch(url, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}`);
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as Body;
  }

  async function list(): Promise<MailSummary[]> {
    const page = await call<{ messages: MailSummary[] }>(`${api}/messages?limit=${LIST_LIMIT}`);
    return page.messages;
  }

  function read(id: string): Promise<MailMessage> {
    return call<MailMessage>(`${api}/message/${encodeURIComponent(id)}`);
  }

  /** The newest mail to `to` (and matching the options) once it has arrived, or an error after the timeout. */
  async function waitFor(to: string, options: WaitForMail = {}): Promise<MailMessage> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const address = to.toLowerCase();
    const matches = (mail: MailSummary) =>
      mail.To.some((recipient) => recipient.Address.toLowerCase() === address) &&
      (!options.subject || options.subject.test(mail.Subject)) &&
      (!options.after || new Date(mail.Created).getTime() >= options.after.getTime());
    for (;;) {
      const mails = await list();
      const found = mails.find(matches);
      if (found) return read(found.ID);
      if (Date.now() >= deadline) {
        const seen = mails
          .slice(0, 10)
          .map((mail) => `"${mail.Subject}" to ${mail.To.map((r) => r.Address)}`);
        throw new Error(
          `no mail to ${to}${options.subject ? ` matching ${options.subject}` : ''} within ${timeoutMs} ms; newest: ${seen.join('; ') || 'none'}`,
        );
      }
      await delay(POLL_INTERVAL_MS);
    }
  }

  async function clear(): Promise<void> {
    // An empty ID list means everything, to Mailpit and to the dev mailbox.
    await call(`${api}/messages`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ IDs: [] }),
    });
  }

  return { list, read, waitFor, clear };
}

export type Mailbox = ReturnType<typeof createMailbox>;

/**
 * The first http(s) link in the text body; with `prefix`, the first whose URL
 * (when the prefix is absolute) or path starts with it.
 */
export function firstLink(message: Pick<MailMessage, 'Text'>, prefix?: string): string {
  const links = (message.Text.match(/https?:\/\/[^\s<>"']+/g) ?? []).map((link) =>
    link.replace(/[.,;:!?)\]]+$/, ''),
  );
  const wanted = (link: string) =>
    !prefix ||
    (/^https?:\/\//.test(prefix) ? link.startsWith(prefix) : new URL(link).pathname.startsWith(prefix));
  const link = links.find(wanted);
  if (!link)
    throw new Error(`no link${prefix ? ` starting with ${prefix}` : ''} in the mail: ${message.Text}`);
  return link;
}
