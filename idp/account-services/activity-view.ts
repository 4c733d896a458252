import type { ActivityKind } from '../activity/repository.ts';
import type { ActivityTable } from '../database.ts';

const WHAT: Record<ActivityKind, string> = {
  'sign-in': 'Sign-in',
  'security-key': 'Security key entered',
  'password-reset': 'Password reset',
  'password-change': 'Password changed',
  'email-change': 'E-mail address changed',
  'alternate-email-change': 'Alternate e-mail address changed',
  'secret-answer-change': 'Secret question and answer changed',
  'security-key-change': 'Security key changed',
  'profile-change': 'Personal data changed',
  'sign-out-everywhere': 'Signed out everywhere',
  'site-withdrawn': 'Access withdrawn from a site',
  lockout: 'Sign-in locked after failed attempts',
};

// Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Firefox on Windows" rather than a user-agent string; the raw string stays available as a tooltip. */
export function describeBrowser(userAgent: string | null): string {
  if (!userAgent) return 'Unknown';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

/** One line of the activity page, in words, with the site's name instead of its client id. */
export function activityLine(row: ActivityTable, siteName: (clientId: string | null) => string) {
  const at = new Date(Number(row.at));
  return {
    iso: at.toISOString(),
    time: `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    what: WHAT[row.kind as ActivityKind] ?? row.kind,
    detail: row.detail,
    site: siteName(row.client_id),
    ip: row.ip ?? 'Unknown',
    browser: describeBrowser(row.user_agent),
    userAgent: row.user_agent ?? '',
    success: Number(row.success) === 1,
  };
}
