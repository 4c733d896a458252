import { type KoaContextWithOIDC, interactionPolicy as policies } from 'oidc-provider';
import { ACR_STRONG } from './acr.ts';

const { Check, Prompt } = policies;

/** The prompt name the interaction pages route to the security key step. */
export const SECURITY_KEY_PROMPT = 'security_key';

/**
 * oidc-provider's login and consent prompts, preceded by a requestable
 * select_account prompt so `prompt=select_account` shows the accounts used on
 * this device instead of being refused, with the security key step between
 * sign-in and consent. Because login runs first, `max_age` and `prompt=login`
 * force a new password sign-in, which drops the session to the password level,
 * so the key is asked again too.
 */
export function interactionPolicy() {
  const policy = policies.base();
  policy.unshift(new Prompt({ name: 'select_account', requestable: true }));
  leaveStrongLevelToSecurityKey(policy.get('login')!);
  policy.add(
    securityKeyPrompt(),
    policy.findIndex((prompt) => prompt.name === 'consent'),
  );
  return policy;
}

function securityKeyPrompt() {
  return new Prompt(
    { name: SECURITY_KEY_PROMPT, requestable: false },
    new Check(
      'strong_acr_required',
      'the requested authentication level needs the security key',
      'interaction_required',
      (ctx) => {
        const { session } = ctx.oidc;
        // Without an account the login prompt asks first; this prompt follows it.
        if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
        const levels = acceptableLevels(ctx);
        if (!levels?.includes(ACR_STRONG)) return Check.NO_NEED_TO_PROMPT;
        return levels.includes(String(session.acr)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
  );
}

/**
 * oidc-provider's login prompt asks for a new sign-in when an essential acr is
 * not met, which for the strong level would loop on the password form: the
 * security key prompt reaches that level instead.
 */
function leaveStrongLevelToSecurityKey(login: InstanceType<typeof Prompt>) {
  for (const reason of ['essential_acr', 'essential_acrs']) {
    const check = login.checks.get(reason);
    if (!check) continue;
    const original = check.check;
    check.check = (ctx) =>
      essentialLevels(ctx)?.includes(ACR_STRONG) ? Check.NO_NEED_TO_PROMPT : original(ctx);
  }
}

/**
 * The levels a request accepts: `acr_values` (which oidc-provider also turns
 * into a voluntary acr claim), else an essential acr claim. A request naming
 * both levels is satisfied by either, so only a request that leaves out the
 * password level steps up.
 */
function acceptableLevels(ctx: KoaContextWithOIDC): string[] | undefined {
  const acrValues = ctx.oidc.params?.acr_values;
  if (typeof acrValues === 'string' && acrValues.trim()) return acrValues.trim().split(/\s+/);
  return essentialLevels(ctx);
}

function essentialLevels(ctx: KoaContextWithOIDC): string[] | undefined {
  const acr = ctx.oidc.claims?.id_token?.acr;
  if (!acr?.essential) return undefined;
  if (typeof acr.value === 'string') return [acr.value];
  return Array.isArray(acr.values) ? acr.values.map(String) : undefined;
}
