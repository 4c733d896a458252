import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { DomainError, ServiceUnavailable } from './errors.ts';

export type ErrorPage = { status: number; title: string; message: string };

// Framework errors that are the client's fault, in words a person understands.
const CLIENT_ERRORS: Record<number, Omit<ErrorPage, 'status'>> = {
  400: { title: 'Bad request', message: 'The request could not be understood. Go back and try again.' },
  404: { title: 'Not found', message: 'The page you asked for does not exist.' },
  405: { title: 'Not allowed', message: 'This page cannot be used this way.' },
  413: { title: 'Too much data', message: 'What you sent is too large. Shorten it and try again.' },
  415: { title: 'Unsupported form', message: 'This form must be sent as a normal web form.' },
};

/**
 * The one place errors become responses: domain errors with their own words,
 * client mistakes as 4xx with a clear message, a store that does not answer as a
 * 503, anything else as a logged 500 that reveals nothing.
 */
export function installErrorHandler(
  app: FastifyInstance,
  render: (reply: FastifyReply, page: ErrorPage) => unknown,
) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      return render(reply, { status: error.status, title: error.title, message: error.message });
    }
    if (isDatabaseUnavailable(error)) {
      // The cause for the operator; the person gets a page that says to come back.
      request.log.error({ err: error }, 'store unavailable');
      const page = new ServiceUnavailable();
      reply.header('retry-after', '5');
      return render(reply, { status: page.status, title: page.title, message: page.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const known = CLIENT_ERRORS[status] ?? CLIENT_ERRORS[400]!;
      return render(reply, { status, ...known });
    }
    request.log.error({ err: error }, 'request failed');
    return render(reply, {
      status: 500,
      title: 'Something went wrong',
      message: 'We could not complete your request. Please try again in a moment.',
    });
  });
}
