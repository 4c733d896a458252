import { interactionPolicy as policies } from 'oidc-provider';

/**
 * oidc-provider's login and consent prompts, preceded by a requestable
 * select_account prompt so `prompt=select_account` shows the accounts used on
 * this device instead of being refused.
 */
export function interactionPolicy() {
  const policy = policies.base();
  policy.unshift(new policies.Prompt({ name: 'select_account', requestable: true }));
  return policy;
}
