import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { healthRoutes } from '../observability/health.ts';
import { inboxPage, messagePage } from './dev-mailbox-pages.ts';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
// A long-running `npm start` must not grow without bound.
const MAX_KEPT_MESSAGES = 500;
// Mailpit's defaults, so one client reads both the same way.
const DEFAULT_PAGE_SIZE = 50;
const SNIPPET_LENGTH = 250;

export type MailboxAddress = { Name: string; Address: string };

export type MailboxMessage = {
  ID: string;
  MessageID: string;
  From: MailboxAddress;
  To: MailboxAddress[];
  Subject: string;
  Created: Date;
  Date: Date;
  Text: string;
  HTML: string;
};

export type DevMailboxOptions = { smtpPort: number; httpPort: number; host?: string };

export type DevMailbox = { smtpPort: number; httpPort: number; close(): Promise<void> };

/**
 * A mail catcher for development and tests: accepts any mail over SMTP, keeps it
 * in memory and serves it through the subset of Mailpit's API that our tests use,
 * plus a plain inbox page where a newcomer can read mail and click its links.
 */
export async function startDevMailbox(options: DevMailboxOptions): Promise<DevMailbox> {
  const messages: MailboxMessage[] = [];
  const smtp = await listenForMail(options, (message) => {
    messages.unshift(message);
    messages.length = Math.min(messages.length, MAX_KEPT_MESSAGES);
  });
  let web: Awaited<ReturnType<typeof serveMailbox>>;
  try {
    web = await serveMailbox(options, messages, smtp);
  } catch (error) {
    await closeSmtp(smtp);
    throw error;
  }
  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    httpPort: (web.server.address() as AddressInfo).port,
    async close() {
      await Promise.all([closeSmtp(smtp), web.close()]);
    },
  };
}

async function listenForMail(
  options: DevMailboxOptions,
  keep: (message: MailboxMessage) => void,
): Promise<SMTPServer> {
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      receive(stream, session).then(
        (message) => {
          keep(message);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort, options.host ?? '127.0.0.1', () => {
      smtp.off('error', reject);
      resolve();
    });
  });
  return smtp;
}

async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<MailboxMessage> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    // Keep reading an oversized message to the end, so the client gets an answer, but do not hold it.
    if (!stream.sizeExceeded) chunks.push(chunk as Buffer);
  }
  if (stream.sizeExceeded) {
    throw Object.assign(new Error('message exceeds the 10 MB size limit'), { responseCode: 552 });
  }
  const parsed = await simpleParser(Buffer.concat(chunks));
  const headerRecipients = addressesOf(parsed.to);
  const created = new Date();
  return {
    ID: randomUUID(),
    MessageID: (parsed.messageId ?? '').replace(/^<|>$/g, ''),
    From: addressesOf(parsed.from)[0] ?? { Name: '', Address: '' },
    // A mail without a To header (only Bcc) is still listed under whom it reached.
    To:
      headerRecipients.length > 0
        ? headerRecipients
        : session.envelope.rcptTo.map((recipient) => ({ Name: '', Address: recipient.address })),
    Subject: parsed.subject ?? '',
    Created: created,
    Date: parsed.date ?? created,
    Text: parsed.text ?? '',
    HTML: parsed.html || '',
  };
}

function addressesOf(field: ParsedMail['to']): MailboxAddress[] {
  const objects: AddressObject[] = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects
    .flatMap((object) => object.value)
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .map((entry) => ({ Name: entry.name ?? '', Address: entry.address ?? '' }));
}

function closeSmtp(smtp: SMTPServer): Promise<void> {
  return new Promise((resolve) => smtp.close(() => resolve()));
}

async function serveMailbox(options: DevMailboxOptions, messages: MailboxMessage[], smtp: SMTPServer) {
  const app = Fastify({ logger: false });
  // Ready while it takes mail: a compose file can wait for it like for any service.
  await app.register(healthRoutes, {
    checks: {
      smtp: async () => {
        if (!smtp.server.listening) throw new Error('the SMTP listener is closed');
      },
    },
    deadlineMs: 1000,
  });
  const find = (id: string) =>
    id === 'latest' ? messages[0] : messages.find((message) => message.ID === id);

  app.get<{ Querystring: { limit?: string } }>('/api/v1/messages', async (request) => {
    const limit = Number.parseInt(request.query.limit ?? '', 10);
    const page = messages.slice(0, limit > 0 ? limit : DEFAULT_PAGE_SIZE);
    return { total: messages.length, count: page.length, messages: page.map(summaryOf) };
  });

  app.get<{ Params: { ID: string } }>('/api/v1/message/:ID', async (request, reply) => {
    const message = find(request.params.ID);
    if (!message) return reply.code(404).send({ error: 'message not found' });
    return {
      ID: message.ID,
      MessageID: message.MessageID,
      From: message.From,
      To: message.To,
      Subject: message.Subject,
      Date: message.Date.toISOString(),
      Text: message.Text,
      HTML: message.HTML,
    };
  });

  // Like Mailpit: the listed IDs, or everything when none are given.
  app.delete<{ Body: { IDs?: unknown } | undefined }>('/api/v1/messages', async (request) => {
    const ids = request.body?.IDs;
    const doomed = Array.isArray(ids) && ids.length > 0 ? new Set(ids) : undefined;
    const kept = doomed ? messages.filter((message) => !doomed.has(message.ID)) : [];
    messages.splice(0, messages.length, ...kept);
    return 'ok';
  });

  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/api/')) {
      // Defence in depth behind escaping: the pages show untrusted mail.
      reply.header('content-security-policy', "script-src 'none'; object-src 'none'");
    }
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(inboxPage(messages)));

  app.get<{ Params: { ID: string } }>('/view/:ID', async (request, reply) => {
    const message = find(request.params.ID);
    if (!message) return reply.code(404).type('text/plain; charset=utf-8').send('No such message.');
    return reply.type('text/html; charset=utf-8').send(messagePage(message));
  });

  await app.listen({ port: options.httpPort, host: options.host ?? 'localhost' });
  return app;
}

function summaryOf(message: MailboxMessage) {
  return {
    ID: message.ID,
    MessageID: message.MessageID,
    From: message.From,
    To: message.To,
    Subject: message.Subject,
    Created: message.Created.toISOString(),
    Snippet: message.Text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_LENGTH),
  };
}
