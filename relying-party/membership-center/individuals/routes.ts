import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { COUNTRY_CODE_LIST, countriesByName } from '../../../shared/i18n/countries.ts';
import { reloadVisitor } from '../../kit/visitor.ts';
import { individualForm } from '../forms.ts';
import { type Body, companyEmailNotice, noticeOf, requireIndividual, showForm, submit } from '../pages.ts';
import type { CenterDatabase } from '../tables.ts';
import { currentVisitor } from '../visitor.ts';
import { createIndividualService } from './service.ts';

const PROFILE_FORM: FormShape = { fields: ['name', 'email', 'phone', 'country'] };

/** The Individual Profile: completed once per Passport, then kept up to date by its person. */
export async function individualRoutes(app: FastifyInstance, { db }: { db: CenterDatabase }) {
  const individuals = createIndividualService(db);

  const show = (
    request: FastifyRequest,
    reply: FastifyReply,
    template: 'profile-new' | 'profile',
    values: Record<string, string> | undefined,
    refusal?: DomainError,
  ) => {
    const body = request.body as Body | undefined;
    return showForm(
      reply,
      template,
      {
        countries: countriesByName(COUNTRY_CODE_LIST, request.language),
        companyEmail: companyEmailNotice(request, body?.email),
        notice: refusal ? undefined : noticeOf(request),
        ...(values ? { values } : {}),
      },
      { shape: PROFILE_FORM, body },
      refusal,
    );
  };

  app.get('/profile/new', async (request, reply) => {
    const visitor = currentVisitor(request);
    if (!visitor) return reply.redirect('/auth/sign-in?return=/profile/new', 303);
    if (visitor.individual) return reply.redirect('/', 303);
    // Suggestions from the Passport; the person decides what the Center keeps.
    return show(request, reply, 'profile-new', {
      name: visitor.name ?? '',
      email: visitor.email ?? '',
      phone: '',
      country: '',
    });
  });

  app.post<{ Body: Body }>('/profile/new', async (request, reply) => {
    const visitor = currentVisitor(request);
    if (!visitor) return reply.redirect('/auth/sign-in?return=/profile/new', 303);
    return submit(
      async () => {
        const form = parseForm(individualForm, request.body);
        await individuals.complete(visitor.identity, form, request.language);
        await reloadVisitor(request, reply);
        return reply.redirect('/start', 303);
      },
      (refusal) => show(request, reply, 'profile-new', undefined, refusal),
    );
  });

  app.get('/profile', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    const { name, email, phone, country } = individual;
    return show(request, reply, 'profile', { name, email, phone, country });
  });

  app.post<{ Body: Body }>('/profile', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    return submit(
      async () => {
        await individuals.update(individual, parseForm(individualForm, request.body));
        return reply.redirect('/profile?done=profile-saved', 303);
      },
      (refusal) => show(request, reply, 'profile', undefined, refusal),
    );
  });
}
