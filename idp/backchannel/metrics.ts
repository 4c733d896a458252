import { Counter, register } from 'prom-client';

const NAME = 'idp_backchannel_logout_tries_total';

/**
 * Every try at a back-channel logout by its outcome: `delivered`, `failed` (to be
 * tried again) or `given_up` (after the last try; the site's session outlives
 * the person's sign-out, so this is worth an alert). One counter per process,
 * however many IdPs it runs.
 */
export const backchannelLogoutTries =
  (register.getSingleMetric(NAME) as Counter<'outcome'> | undefined) ??
  new Counter({
    name: NAME,
    help: 'Back-channel logout tries by outcome (delivered, failed and retried, given_up after the last try).',
    labelNames: ['outcome'] as const,
  });
