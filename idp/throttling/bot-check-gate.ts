import { InvalidInput, Throttled } from '../../shared/http/errors.ts';
import { checkbox } from '../../shared/http/form.ts';
import { translate } from '../../shared/i18n/context.ts';
import type { BotCheck } from '../../shared/security/botcheck.ts';
import type { WindowCounters } from '../../shared/state/counters.ts';
import { clientNetwork } from './client-address.ts';

const HOUR_MS = 60 * 60 * 1000;

/** How many forms one network may send without the check, per form and hour, unless configured. */
export const DEFAULT_NO_SCRIPT_PER_HOUR = 3;

/**
 * What a form carries for the bot check: the widget's solution, or the mark
 * that only a browser running no scripts posts (a hidden field inside
 * <noscript>), for a person who cannot run the widget at all.
 */
export type BotCheckProof = { altcha?: unknown; noScript?: boolean };

/** The form field only a browser without scripts posts: forms with the bot check add `noscript: noScriptMark`. */
export const noScriptMark = checkbox;

export class BotCheckRequired extends InvalidInput {
  override name = 'BotCheckRequired';
  readonly botCheckNext = true;

  /** `afterFailures`: the check is asked because of failed tries, not on every sending of the form. */
  constructor(afterFailures = true) {
    super(
      { altcha: translate('sign_up.bot_check_missing') },
      afterFailures ? 'errors.invalid_input.bot_check_required' : undefined,
    );
  }
}

export class NoScriptLaneFull extends Throttled {
  override name = 'NoScriptLaneFull';
  readonly botCheckNext = true;

  constructor() {
    super('bot_check.no_script_lane_full');
  }
}

export type BotCheckGate = {
  /**
   * Lets a form through with a fresh solution, or without one through the
   * no-script lane of its network; throws BotCheckRequired or NoScriptLaneFull.
   */
  pass(
    form: string,
    proof: BotCheckProof,
    address: string,
    options?: { afterFailures?: boolean },
  ): Promise<void>;
};

/**
 * The proof of work stops bulk submissions only where scripts run. Without
 * them a form still goes through, but every network shares a small hourly
 * allowance per form: a person gets through, a script posting without the
 * proof gets a handful per network and hour, not a flood.
 */
export function createBotCheckGate(deps: {
  /** The throttle counters, in the database or in Redis. */
  counters: WindowCounters;
  botCheck: BotCheck;
  noScriptPerHour?: number;
}): BotCheckGate {
  const limit = deps.noScriptPerHour ?? DEFAULT_NO_SCRIPT_PER_HOUR;
  return {
    async pass(form, proof, address, options = {}) {
      const solved = typeof proof.altcha === 'string' && proof.altcha !== '';
      if (!solved && proof.noScript) {
        const lane = `no-script:${form}:network:${clientNetwork(address)}`;
        if ((await deps.counters.count(lane, HOUR_MS)) > limit) throw new NoScriptLaneFull();
        return;
      }
      if (!(await deps.botCheck.verify(proof.altcha))) throw new BotCheckRequired(options.afterFailures);
    },
  };
}
