import type { Translate } from '../../shared/i18n/catalogues.ts';
import { formatDateTime } from '../../shared/i18n/dates.ts';
import type { Language } from '../../shared/i18n/languages.ts';
import type { ActivityKind } from '../activity/repository.ts';
import type { ActivityTable } from '../database.ts';

// Each kind's words are the catalogue's `activity.kinds.<kind>`.
const KINDS: ReadonlySet<string> = new Set<ActivityKind>([
  'sign-in',
  'security-key',
  'password-reset',
  'password-change',
  'email-change',
  'alternate-email-change',
  'secret-answer-change',
  'security-key-change',
  'profile-change',
  'sign-out-everywhere',
  'site-withdrawn',
  'lockout',
]);

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
export function describeBrowser(userAgent: string | null, t: Translate): string {
  if (!userAgent) return t('activity.unknown');
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return t('activity.browser_on', { browser, system });
  return browser ?? system ?? userAgent.slice(0, 60);
}

/** One line of the activity page, in words, with the site's name instead of its client id. */
export function activityLine(
  row: ActivityTable,
  siteName: (clientId: string | null) => string,
  reader: { language: Language; t: Translate },
) {
  const { t } = reader;
  const at = new Date(Number(row.at));
  return {
    iso: at.toISOString(),
    time: `${formatDateTime(at, reader.language)} UTC`,
    what: KINDS.has(row.kind) ? t(`activity.kinds.${row.kind.replaceAll('-', '_')}`) : row.kind,
    detail: row.detail,
    site: siteName(row.client_id),
    ip: row.ip ?? t('activity.unknown'),
    browser: describeBrowser(row.user_agent, t),
    userAgent: row.user_agent ?? '',
    success: Number(row.success) === 1,
  };
}
