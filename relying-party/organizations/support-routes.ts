import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseForm } from '../../shared/http/form.ts';
import type { FormShape } from '../../shared/http/form-page.ts';
import { actorOf, requireAccess, requireSupportStaff } from './access.ts';
import { AUDIT_ACTION_NAMES, type AuditAction } from './audit.ts';
import { type Body, type FormRefusal, showForm, submit } from './form-pages.ts';
import {
  namedAdministratorForm,
  newAdministratorForm,
  organizationSearchForm,
  planForm,
  recordId,
} from './forms.ts';
import {
  formatLastPlanDay,
  hasAccess,
  lastPlanDay,
  PLAN_NAMES,
  planEndsAtFromLastDay,
  SERVICE_PLANS,
} from './plan.ts';
import type { Organization } from './repository.ts';
import { OrganizationNotFound, type OrganizationService } from './service.ts';

type OrganizationRoute = { Params: { id: string }; Body: Body };

const SEARCH_FORM: FormShape = { fields: ['name'] };
// The organization page's three forms, in page order: name an administrator, add one, change the plan.
const ORGANIZATION_FORMS: FormShape = { fields: ['profile', 'name', 'email', 'plan', 'plan_ends_at'] };

const DONE: Record<string, string> = {
  'administrator-named': 'The profile is now an administrator of this organization.',
  'administrator-added': 'The new administrator was added and an invite e-mail was sent.',
  plan: 'The service plan was changed.',
};

const KIND_NAMES: Record<Organization['kind'], string> = {
  customer: 'Customer',
  partner: 'Partner',
  staff: 'CustomerSource staff',
};

/** How support reads an organization's plan at a glance. */
function planSummary(organization: Organization): string {
  const plan = organization.plan ? PLAN_NAMES[organization.plan] : 'No service plan';
  const ends =
    organization.planEndsAt === null
      ? ''
      : `, ${organization.planEndsAt > Date.now() ? 'ends' : 'ended'} on ${formatLastPlanDay(organization.planEndsAt)}`;
  const access = hasAccess({ organizationKind: organization.kind, ...organization })
    ? 'has access'
    : 'no access';
  return `${plan}${ends} (${access})`;
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
            kindName: KIND_NAMES[organization.kind],
            plan: planSummary(organization),
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
          kindName: KIND_NAMES[organization.kind],
          plan: planSummary(organization),
        },
        profiles: record.profiles,
        candidates: record.profiles.filter((profile) => !profile.isAdmin),
        plans: SERVICE_PLANS.map((plan) => ({ value: plan, name: PLAN_NAMES[plan] })),
        history: record.history.map((entry) => ({
          when: new Date(entry.at).toISOString().slice(0, 16).replace('T', ' '),
          what: AUDIT_ACTION_NAMES[entry.action as AuditAction] ?? entry.action,
          who: entry.actorName ? `${entry.actorName} (${entry.actorOrganization})` : 'Unknown',
        })),
        ...(refusal
          ? {}
          : {
              values: {
                plan: organization.plan ?? '',
                plan_ends_at: organization.planEndsAt === null ? '' : lastPlanDay(organization.planEndsAt),
              },
            }),
        notice: refusal ? undefined : DONE[String((request.query as { done?: unknown }).done)],
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
