import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, InvalidInput } from '../../../shared/http/errors.ts';
import { parseForm } from '../../../shared/http/form.ts';
import type { FormShape } from '../../../shared/http/form-page.ts';
import { formatDate } from '../../../shared/i18n/dates.ts';
import { showCredentials } from '../credentials/page.ts';
import type { CredentialsService } from '../credentials/service.ts';
import { SubscriptionNotFound } from '../portal/errors.ts';
import { type Body, memberVisitor, requireMember, showForm, submit } from '../portal/form-pages.ts';
import { ACTIVATE_FORM, actionForm, activateForm, recordId, TRIAL_FORM, trialForm } from '../portal/forms.ts';
import { requireRight } from '../portal/visitor.ts';
import { isProduct, PRODUCT_KEYS } from './products.ts';
import type { SubscriptionService } from './service.ts';

const DONE = new Set(['trial', 'activated', 'converted']);

/** The Subscriptions tab: "Your Subscriptions", start a trial, activate a paid subscription. */
export async function subscriptionRoutes(
  app: FastifyInstance,
  {
    subscriptions,
    credentials,
    centerUrl,
  }: { subscriptions: SubscriptionService; credentials: CredentialsService; centerUrl: string },
) {
  app.addHook('preHandler', requireMember);

  /** The tab, after a refusal with its form's messages (and the action list's, keyed `action-<id>`). */
  async function showTab(
    request: FastifyRequest,
    reply: FastifyReply,
    refusal?: DomainError,
    typed?: { shape: FormShape; body?: unknown },
  ) {
    const visitor = memberVisitor(request);
    const member = requireRight(visitor, 'subscriptions.view');
    const rows = await subscriptions.list(member.companyId);
    const done = String((request.query as { done?: unknown }).done);
    return showForm(
      reply,
      'subscriptions',
      {
        company: member.companyName,
        canManage: visitor.rights.has('subscriptions.manage'),
        canGetCredentials: visitor.rights.has('credentials.get'),
        products: PRODUCT_KEYS.map((key) => ({ key, name: request.t(`products.${key}`) })),
        subscriptions: rows.map((row) => ({
          id: row.id,
          product: request.t(isProduct(row.product) ? `products.${row.product}` : 'products.unknown'),
          kind: request.t(`subscriptions.kinds.${row.kind}`),
          status: request.t(`subscriptions.statuses.${row.ends_at < Date.now() ? 'ended' : row.status}`),
          starts: formatDate(new Date(row.starts_at), request.language),
          ends: formatDate(new Date(row.ends_at), request.language),
          licenses: row.licenses,
        })),
        notice: DONE.has(done) ? request.t(`subscriptions.done.${done}`) : undefined,
      },
      refusal,
      typed,
    );
  }

  app.get('/subscriptions', async (request, reply) => showTab(request, reply));

  app.post<{ Body: Body }>('/subscriptions/trial', async (request, reply) => {
    const member = requireRight(memberVisitor(request), 'subscriptions.manage');
    return submit(
      async () => {
        const form = parseForm(trialForm, request.body);
        if (!isProduct(form.trial_product)) throw new Error('unreachable: the form lists products only');
        await subscriptions.startTrial(member, form.trial_product, request.language);
        return reply.redirect('/subscriptions?done=trial', 303);
      },
      (refusal) =>
        showTab(request, reply, remap(refusal, 'product', 'trial_product'), {
          shape: TRIAL_FORM,
          body: request.body,
        }),
    );
  });

  app.post<{ Body: Body }>('/subscriptions/activate', async (request, reply) => {
    const member = requireRight(memberVisitor(request), 'subscriptions.manage');
    return submit(
      async () => {
        const form = parseForm(activateForm, request.body);
        if (!isProduct(form.product)) throw new Error('unreachable: the form lists products only');
        const outcome = await subscriptions.activate(member, {
          product: form.product,
          licenses: form.licenses,
          orderReference: form.order_reference ?? null,
          language: request.language,
        });
        return reply.redirect(
          `/subscriptions?done=${outcome === 'converted' ? 'converted' : 'activated'}`,
          303,
        );
      },
      (refusal) => showTab(request, reply, refusal, { shape: ACTIVATE_FORM, body: request.body }),
    );
  });

  // The Actions list of a subscription: a select and Go, a form that works without script.
  app.post<{ Params: { id: string }; Body: Body }>('/subscriptions/:id/actions', async (request, reply) => {
    const member = requireRight(memberVisitor(request), 'credentials.get');
    const id = recordId.safeParse(request.params.id);
    if (!id.success) throw new SubscriptionNotFound();
    const field = `action-${id.data}`;
    const chosen = actionForm.safeParse({ action: request.body?.[field] });
    if (!chosen.success) {
      return showTab(
        request,
        reply,
        new InvalidInput({ [field]: request.t('form_problems.choose_action') }),
        {
          shape: { fields: [field] },
        },
      );
    }
    const retrieval = await credentials.retrieve(member, id.data);
    return showCredentials(request, reply, retrieval, centerUrl);
  });
}

/** The trial form's product field has its own id on a page with two product lists. */
function remap<E extends DomainError>(refusal: E, from: string, to: string): E {
  const fields = (refusal as E & { fieldErrors?: Record<string, string> }).fieldErrors;
  if (fields?.[from] !== undefined) {
    fields[to] = fields[from]!;
    delete fields[from];
  }
  return refusal;
}
