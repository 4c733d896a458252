import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import { countryName } from '../../../shared/i18n/countries.ts';
import { formatDate } from '../../../shared/i18n/dates.ts';
import { Forbidden } from '../../kit/roles/guard.ts';
import type { CredentialsService } from '../credentials/service.ts';
import { RETRIEVAL_LIMIT } from '../credentials/service.ts';
import { isProduct } from '../subscriptions/products.ts';
import { subscriptionsOf } from '../subscriptions/repository.ts';
import { CompanyNotFound } from './errors.ts';
import { type Body, memberVisitor, requireMember, showForm, submit } from './form-pages.ts';
import { recordId, resetForm, SEARCH_FORM, searchForm } from './forms.ts';
import { findCompany, findCustomerCompanies } from './repository.ts';
import type { PortalDatabase } from './tables.ts';
import { requireRight } from './visitor.ts';

type CompanyRoute = { Params: { id: string }; Body: Body; Querystring: { done?: string } };

/** Microsoft's support staff (the staff organization's `support` role): find a company, reset credentials. */
export async function supportRoutes(
  app: FastifyInstance,
  { db, credentials }: { db: PortalDatabase; credentials: CredentialsService },
) {
  app.addHook('preHandler', requireMember);
  app.addHook('preHandler', async (request) => {
    const member = requireRight(memberVisitor(request), 'support.reset_credentials');
    // The right counts only in the staff organization: a customer's own role table cannot grant it.
    if (member.companyKind !== 'staff') throw new Forbidden();
  });

  app.get<{ Querystring: Record<string, unknown> }>('/support', async (request, reply) => {
    if (request.query.name === undefined)
      return showForm(reply, 'support', { values: {}, results: undefined });
    return submit(
      async () => {
        const { name } = parseForm(searchForm, request.query);
        const companies = await findCustomerCompanies(db, name);
        return showForm(reply, 'support', {
          values: { name },
          results: companies.map((company) => ({
            id: company.id,
            name: company.name,
            country: countryName(company.country, request.language),
          })),
        });
      },
      (refusal) =>
        showForm(reply, 'support', { results: undefined }, refusal, {
          shape: SEARCH_FORM,
          body: request.query,
        }),
    );
  });

  async function showCompany(
    request: FastifyRequest<CompanyRoute>,
    reply: FastifyReply,
    refusal?: DomainError,
    typed?: { shape: { fields: string[] }; body?: unknown },
  ) {
    const companyId = companyIdOf(request);
    const company = await findCompany(db, companyId);
    if (company?.kind !== 'customer') throw new CompanyNotFound();
    const rows = await subscriptionsOf(db, company.id);
    const subscriptions = [];
    for (const row of rows) {
      const state = await credentials.stateOf(row.id);
      subscriptions.push({
        id: row.id,
        product: request.t(isProduct(row.product) ? `products.${row.product}` : 'products.unknown'),
        kind: request.t(`subscriptions.kinds.${row.kind}`),
        ends: formatDate(new Date(row.ends_at), request.language),
        userName: state?.userName,
        credentials: state
          ? request.t(state.stored ? 'support.credentials_stored' : 'support.credentials_changed', {
              count: state.retrievals,
              limit: RETRIEVAL_LIMIT,
            })
          : '',
      });
    }
    return showForm(
      reply,
      'support-company',
      {
        company: {
          id: company.id,
          name: company.name,
          country: countryName(company.country, request.language),
        },
        subscriptions,
        notice: request.query.done === 'reset' ? request.t('support.reset_done') : undefined,
      },
      refusal,
      typed,
    );
  }

  app.get<CompanyRoute>('/support/companies/:id', async (request, reply) => showCompany(request, reply));

  app.post<CompanyRoute & { Params: { id: string; subscription: string } }>(
    '/support/companies/:id/subscriptions/:subscription/reset',
    async (request, reply) => {
      const staff = memberVisitor(request).member;
      const companyId = companyIdOf(request);
      const subscriptionId = recordId.safeParse(request.params.subscription);
      if (!subscriptionId.success) throw new CompanyNotFound();
      const field = `ticket-${subscriptionId.data}`;
      return submit(
        async () => {
          const form = parseForm(resetForm, { ticket: request.body?.[field] });
          await credentials.resetBySupport(staff, {
            companyId,
            subscriptionId: subscriptionId.data,
            ticket: form.ticket,
          });
          return reply.redirect(`/support/companies/${companyId}?done=reset`, 303);
        },
        (refusal) => {
          const message = refusal.fieldErrors.ticket;
          if (message !== undefined) {
            refusal.fieldErrors[field] = message;
            delete refusal.fieldErrors.ticket;
          }
          return showCompany(request, reply, refusal, { shape: { fields: [field] }, body: request.body });
        },
      );
    },
  );
}

function companyIdOf(request: FastifyRequest<{ Params: { id: string } }>): string {
  const id = recordId.safeParse(request.params.id);
  if (!id.success) throw new CompanyNotFound();
  return id.data;
}
