import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import type { Translate } from '../../../shared/i18n/catalogues.ts';
import { formatDateTime } from '../../../shared/i18n/dates.ts';
import type { Language } from '../../../shared/i18n/languages.ts';
import { actorOf, requireAccess, requireSupportStaff } from './access.ts';
import { type Body, type FormRefusal, showForm, submit } from './form-pages.ts';
import {
  namedAdministratorForm,
  newAdministratorForm,
  organizationSearchForm,
  planForm,
  recordId,
} from './forms.ts';
import { formatLastPlanDay, hasAccess, lastPlanDay, planEndsAtFromLastDay, SERVICE_PLANS } from './plan.ts';
import type { Organization } from './repository.ts';
import { OrganizationNotFound, type OrganizationService } from './service.ts';

type OrganizationRoute = { Params: { id: string }; Body: Body };

const SEARCH_FORM: FormShape = { fields: ['name'] };
// The organization page's three forms, in page order: name an administrator, add one, change the plan.
const ORGANIZATION_FORMS: FormShape = { fields: ['profile', 'name', 'email', 'plan', 'plan_ends_at'] };

// What a page says after a change (the change redirects to it): catalogue keys `support.done.*`.
const DONE = new Set(['administrator-named', 'administrator-added', 'plan']);

/** How support reads an organization's plan at a glance, in the reader's language. */
function planSummary(organization: Organization, t: Translate, language: Language): string {
  return t('support.plan_summary', {
    plan: t(organization.plan ? `plans.${organization.plan}` : 'plans.none'),
    ends: organization.planEndsAt === null ? 'none' : organization.planEndsAt > Date.now() ? 'ends' : 'ended',
    date: organization.planEndsAt === null ? '' : formatLastPlanDay(organization.planEndsAt, language),
    access: hasAccess({ organizationKind: organization.kind, ...organization }) ? 'yes' : 'no',
  });
}

function noticeOf(request: FastifyRequest): string | undefined {
  const done = String((request.query as { done?: unknown }).done);
  return DONE.has(done) ? request.t(`support.done.${done}`) : undefined;
}

function organizationIdOf(request: FastifyRequest<OrganizationRoute>): string {
  const id = recordId.safeParse(request.params.id);
  if (!id.success) throw new OrganizationNotFound();
  return id.data;
}

/**
 * Support staff: find an organization, name a new administrator when the old
 * one left, change the service plan. Every change is in the audit log.
 */
export async function supportRoutes(app: FastifyInstance, { service }: { service: OrganizationService }) {
  app.addHook('preHandler', requireAccess);
  app.addHook('preHandler', requireSupportStaff);

  app.get<{ Querystring: Record<string, unknown> }>('/support', async (request, reply) => {
    if (request.query.name === undefined)
      return showForm(reply, 'support', { values: {}, results: undefined });
    return submit(
      async () => {
        const { name } = parseForm(organizationSearchForm, request.query);
        const organizations = await service.findOrganizations(name);
        return showForm(reply, 'support', {
          values: { name },
          results: organizations.map((organization) => ({
            ...organization,
            kindName: request.t(`support.kinds.${organization.kind}`),
            plan: planSummary(organization, request.t, request.language),
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

  async function showOrganization(
    reply: FastifyReply,
    request: FastifyRequest<OrganizationRoute>,
    refusal?: FormRefusal,
  ) {
    const record = await service.organizationRecord(organizationIdOf(request));
    const { organization } = record;
    return showForm(
      reply,
      'support-organization',
      {
        organization: {
          ...organization,
          kindName: request.t(`support.kinds.${organization.kind}`),
          plan: planSummary(organization, request.t, request.language),
        },
        profiles: record.profiles,
        candidates: record.profiles.filter((profile) => !profile.isAdmin),
        plans: SERVICE_PLANS.map((plan) => ({ value: plan, name: request.t(`plans.${plan}`) })),
        history: record.history.map((entry) => ({
          when: formatDateTime(new Date(entry.at), request.language),
          what: request.t(`support.actions.${entry.action}`),
          who: entry.actorName
            ? `${entry.actorName} (${entry.actorOrganization})`
            : request.t('support.unknown'),
        })),
        ...(refusal
          ? {}
          : {
              values: {
                plan: organization.plan ?? '',
                plan_ends_at: organization.planEndsAt === null ? '' : lastPlanDay(organization.planEndsAt),
              },
            }),
        notice: refusal ? undefined : noticeOf(request),
      },
      refusal,
      { shape: ORGANIZATION_FORMS, body: request.body },
    );
  }

  app.get<OrganizationRoute>('/support/organizations/:id', (request, reply) =>
    showOrganization(reply, request),
  );

  app.post<OrganizationRoute>('/support/organizations/:id/administrator', async (request, reply) => {
    const organizationId = organizationIdOf(request);
    return submit(
      async () => {
        const { profile } = parseForm(namedAdministratorForm, request.body);
        await service.nameAdministrator(actorOf(request), organizationId, profile);
        return reply.redirect(`/support/organizations/${organizationId}?done=administrator-named`, 303);
      },
      (refusal) => showOrganization(reply, request, refusal),
    );
  });

  app.post<OrganizationRoute>('/support/organizations/:id/administrators', async (request, reply) => {
    const organizationId = organizationIdOf(request);
    return submit(
      async () => {
        const form = parseForm(newAdministratorForm, request.body);
        await service.addAdministrator(actorOf(request), organizationId, form);
        return reply.redirect(`/support/organizations/${organizationId}?done=administrator-added`, 303);
      },
      (refusal) => showOrganization(reply, request, refusal),
    );
  });

  app.post<OrganizationRoute>('/support/organizations/:id/plan', async (request, reply) => {
    const organizationId = organizationIdOf(request);
    return submit(
      async () => {
        const form = parseForm(planForm, request.body);
        await service.changePlan(actorOf(request), organizationId, {
          plan: form.plan,
          endsAt: planEndsAtFromLastDay(form.plan_ends_at),
        });
        return reply.redirect(`/support/organizations/${organizationId}?done=plan`, 303);
      },
      (refusal) => showOrganization(reply, request, refusal),
    );
  });
}
