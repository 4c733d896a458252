import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';

/**
 * Does what the <altcha-widget> does in a browser: fetches a challenge from the
 * server, solves it, and returns the value the widget puts in the form's
 * hidden `altcha` field.
 */
export async function solveBotCheck(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/botcheck/challenge`);
  if (!response.ok) throw new Error(`the bot check challenge answered ${response.status}`);
  const challenge = (await response.json()) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 30_000 });
  if (!solution) throw new Error('the bot check challenge was not solved in time');
  return btoa(
    JSON.stringify({
      challenge: { parameters: challenge.parameters, signature: challenge.signature },
      solution,
    }),
  );
}
