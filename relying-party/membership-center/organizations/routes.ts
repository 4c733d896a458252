import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, InvalidInput, NotFound } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { allows } from '../../kit/roles/guard.ts';
import type { SiteContext } from '../../kit/site.ts';
import {
  decisionForm,
  enrolForm,
  locationChoiceForm,
  organizationIdForm,
  recordId,
  roleChangeForm,
} from '../forms.ts';
import {
  type Body,
  companyEmailNotice,
  noticeOf,
  requireIndividual,
  requireMember,
  showForm,
  submit,
} from '../pages.ts';
import type { CenterTables } from '../tables.ts';
import { AlreadyMember } from './errors.ts';
import { createOrganizationService, ROLES } from './service.ts';

const ENROL_FORM: FormShape = { fields: ['name', 'address', 'location_1', 'location_2', 'location_3'] };
const JOIN_FORM: FormShape = { fields: ['organization_id'] };
const LOCATION_FORM: FormShape = { fields: ['location'] };

type IdRoute = { Params: { id: string }; Body: Body };

function idOf(request: FastifyRequest<{ Params: { id: string } }>): string {
  const id = recordId.safeParse(request.params.id);
  if (!id.success) throw new NotFound();
  return id.data;
}

/** Enrolment, joining, and the organization's contacts, roles, requests and audit. */
export async function organizationRoutes(app: FastifyInstance, context: SiteContext<CenterTables>) {
  const organizations = createOrganizationService({
    db: context.db,
    siteUrl: context.config.url,
    mailQueued: context.mailQueued,
  });

  // Someone with a profile and no organization: enrol one, or ask to join one.
  app.get('/start', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    if (individual.organization_id) return reply.redirect('/organization', 303);
    return reply.view('start', {
      pending: await organizations.pendingRequestOf(individual),
      notice: noticeOf(request),
      companyEmail: companyEmailNotice(request),
    });
  });

  const showEnrol = (request: FastifyRequest, reply: FastifyReply, refusal?: DomainError) =>
    showForm(reply, 'enrol', {}, { shape: ENROL_FORM, body: request.body }, refusal);

  app.get('/enrol', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    if (individual.organization_id) return reply.redirect('/organization', 303);
    return showEnrol(request, reply);
  });

  app.post<{ Body: Body }>('/enrol', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    if (individual.organization_id) throw new AlreadyMember();
    return submit(
      async () => {
        const form = parseForm(enrolForm, request.body);
        const locations = [form.location_1, form.location_2, form.location_3].filter((name) => name !== '');
        await organizations.enrol(individual, { name: form.name, address: form.address, locations });
        return reply.redirect('/organization?done=enrolled', 303);
      },
      (refusal) => showEnrol(request, reply, refusal),
    );
  });

  const showJoin = (request: FastifyRequest, reply: FastifyReply, refusal?: DomainError) =>
    showForm(reply, 'join', {}, { shape: JOIN_FORM, body: request.body }, refusal);

  app.get('/join', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    if (individual.organization_id) return reply.redirect('/organization', 303);
    return showJoin(request, reply);
  });

  app.post<{ Body: Body }>('/join', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    return submit(
      async () => {
        const form = parseForm(organizationIdForm, request.body);
        const organization = await organizations.joinable(form.organization_id);
        if (!organization)
          throw new InvalidInput({ organization_id: request.t('form_problems.organization_unknown') });
        return reply.redirect(`/join/${organization.id}`, 303);
      },
      (refusal) => showJoin(request, reply, refusal),
    );
  });

  const showLocations = async (
    request: FastifyRequest<IdRoute>,
    reply: FastifyReply,
    refusal?: DomainError,
  ) => {
    const organization = await organizations.joinable(idOf(request));
    if (!organization) throw new NotFound();
    return showForm(
      reply,
      'join-location',
      { organization },
      { shape: LOCATION_FORM, body: request.body },
      refusal,
    );
  };

  app.get<IdRoute>('/join/:id', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    if (individual.organization_id) return reply.redirect('/organization', 303);
    return showLocations(request, reply);
  });

  app.post<IdRoute>('/join/:id', async (request, reply) => {
    const individual = requireIndividual(request, reply);
    if (!individual) return reply;
    return submit(
      async () => {
        const { location } = parseForm(locationChoiceForm, request.body);
        const organization = await organizations.joinable(idOf(request));
        if (!organization) throw new NotFound();
        if (!organization.locations.some((known) => known.id === location))
          throw new InvalidInput({ location: request.t('form_problems.choose_location') });
        await organizations.requestJoin(individual, organization.id, location);
        return reply.redirect('/start?done=asked', 303);
      },
      (refusal) => showLocations(request, reply, refusal),
    );
  });

  const showOrganization = async (request: FastifyRequest, reply: FastifyReply, refusal?: DomainError) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    const rights = await organizations.rights(actor);
    return showForm(
      reply,
      'organization',
      {
        organization: await organizations.organization(actor),
        contacts: await organizations.contacts(actor),
        requests: await organizations.pendingRequests(actor),
        selfId: actor.id,
        canReadAudit: allows(rights, 'audit.read'),
        managesContacts: rights.some((held) => held.right === 'contacts.manage'),
        notice: refusal ? undefined : noticeOf(request),
        companyEmail: companyEmailNotice(request),
      },
      { shape: { fields: [] } },
      refusal,
    );
  };

  app.get('/organization', async (request, reply) => showOrganization(request, reply));

  app.post<IdRoute>('/organization/requests/:id', async (request, reply) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    const requestId = idOf(request);
    return submit(
      async () => {
        const { decision } = parseForm(decisionForm, request.body);
        await organizations.decideJoin(actor, requestId, decision === 'approve');
        return reply.redirect(`/organization?done=${decision === 'approve' ? 'approved' : 'declined'}`, 303);
      },
      (refusal) => showOrganization(request, reply, refusal),
    );
  });

  const showContact = async (
    request: FastifyRequest<IdRoute>,
    reply: FastifyReply,
    refusal?: DomainError,
  ) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    const contact = await organizations.contact(actor, idOf(request));
    return showForm(
      reply,
      'contact',
      {
        ...contact,
        allRoles: ROLES,
        isSelf: contact.contact.id === actor.id,
        notice: refusal ? undefined : noticeOf(request),
      },
      { shape: { fields: [] } },
      refusal,
    );
  };

  app.get<IdRoute>('/organization/contacts/:id', async (request, reply) => showContact(request, reply));

  app.post<IdRoute>('/organization/contacts/:id/roles', async (request, reply) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    const contactId = idOf(request);
    return submit(
      async () => {
        const { role, change } = parseForm(roleChangeForm, request.body);
        await organizations.setRole(actor, contactId, role, change === 'grant');
        return reply.redirect(
          `/organization/contacts/${contactId}?done=role-${change === 'grant' ? 'granted' : 'revoked'}`,
          303,
        );
      },
      (refusal) => showContact(request, reply, refusal),
    );
  });

  app.get<IdRoute>('/organization/contacts/:id/remove', async (request, reply) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    const { contact, removable } = await organizations.contact(actor, idOf(request));
    if (!removable) throw new NotFound();
    return reply.view('contact-remove', { contact });
  });

  app.post<IdRoute>('/organization/contacts/:id/remove', async (request, reply) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    return submit(
      async () => {
        await organizations.removeContact(actor, idOf(request));
        return reply.redirect(request.params.id === actor.id ? '/start' : '/organization?done=removed', 303);
      },
      (refusal) => showContact(request, reply, refusal),
    );
  });

  app.get('/organization/audit', async (request, reply) => {
    const actor = requireMember(request, reply);
    if (!actor) return reply;
    return reply.view('audit', { events: await organizations.audit(actor) });
  });
}
