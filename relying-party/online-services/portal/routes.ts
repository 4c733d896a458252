import type { FastifyInstance } from 'fastify';
import { parseForm } from '../../../shared/http/form.ts';
import { COUNTRY_CODE_LIST, countriesByName } from '../../../shared/i18n/countries.ts';
import { SIGNED_OUT_STATE } from '../../kit/auth/routes.ts';
import { signInSilentlyOnce } from '../../kit/auth/silent-sign-in.ts';
import type { SiteContext } from '../../kit/site.ts';
import { reloadVisitor } from '../../kit/visitor.ts';
import { type Body, memberVisitor, requireMember, showForm, submit } from './form-pages.ts';
import { JOIN_FORM, joinForm, PEOPLE_FORM, peopleForm } from './forms.ts';
import { membersOf } from './repository.ts';
import type { CompanyService } from './service.ts';
import type { PortalTables } from './tables.ts';
import { currentVisitor, requireRight } from './visitor.ts';

/** The front door, "which company are you with?", the company's people, and how to reach support. */
export async function portalRoutes(
  app: FastifyInstance,
  { context, companies }: { context: SiteContext<PortalTables>; companies: CompanyService },
) {
  const { config, cookies, db } = context;

  app.get<{ Querystring: { state?: string; passport?: string } }>('/', async (request, reply) => {
    const visitor = currentVisitor(request);
    const silent = signInSilentlyOnce(request, reply, {
      cookies,
      signedIn: visitor !== undefined,
      secure: config.url.startsWith('https://'),
      returnTo: '/',
    });
    if (silent) return reply;
    if (visitor?.member)
      return reply.redirect(visitor.member.companyKind === 'staff' ? '/support' : '/subscriptions', 303);
    if (visitor) return reply.redirect('/join', 303);
    return reply.view('home', { signedOut: request.query.state === SIGNED_OUT_STATE });
  });

  const countries = (language: Parameters<typeof countriesByName>[1]) =>
    countriesByName(COUNTRY_CODE_LIST, language);

  app.get('/join', async (request, reply) => {
    const visitor = currentVisitor(request);
    if (!visitor) return reply.redirect('/auth/sign-in?return=%2Fjoin', 303);
    if (visitor.member) return reply.redirect('/subscriptions', 303);
    return showForm(reply, 'join', {
      values: { your_name: visitor.name ?? '' },
      countries: countries(request.language),
    });
  });

  app.post<{ Body: Body }>('/join', async (request, reply) => {
    const visitor = currentVisitor(request);
    if (!visitor) return reply.redirect('/auth/sign-in?return=%2Fjoin', 303);
    if (visitor.member) return reply.redirect('/subscriptions', 303);
    return submit(
      async () => {
        const form = parseForm(joinForm, request.body);
        if (!visitor.email) throw new Error('Passport gave no e-mail address (userinfo).');
        await companies.createCompany({
          identity: visitor.identity,
          email: visitor.email,
          name: form.your_name,
          companyName: form.company_name,
          country: form.country,
          language: request.language,
        });
        await reloadVisitor(request, reply);
        return reply.redirect('/subscriptions', 303);
      },
      (refusal) =>
        showForm(reply, 'join', { countries: countries(request.language) }, refusal, {
          shape: JOIN_FORM,
          body: request.body,
        }),
    );
  });

  await app.register(async (people) => {
    people.addHook('preHandler', requireMember);
    const page = async (request: Parameters<typeof memberVisitor>[0]) => {
      const member = requireRight(memberVisitor(request), 'people.manage');
      const rows = await membersOf(db, member.companyId);
      return { member, people: rows.map((row) => ({ ...row, joined: row.issuer !== null })) };
    };

    people.get<{ Querystring: { done?: string } }>('/people', async (request, reply) => {
      const { people: rows } = await page(request);
      return showForm(reply, 'people', {
        people: rows,
        values: {},
        notice: request.query.done === 'added' ? request.t('people.added') : undefined,
      });
    });

    people.post<{ Body: Body }>('/people', async (request, reply) => {
      const { member, people: rows } = await page(request);
      return submit(
        async () => {
          const form = parseForm(peopleForm, request.body);
          await companies.addMember(member, { ...form, language: request.language });
          return reply.redirect('/people?done=added', 303);
        },
        (refusal) =>
          showForm(reply, 'people', { people: rows }, refusal, { shape: PEOPLE_FORM, body: request.body }),
      );
    });
  });

  app.get('/help/contact-support', async (_request, reply) => reply.view('contact-support', {}));
}
