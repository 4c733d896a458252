import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const run = promisify(execFile);

// Debian's packages apache2-bin and libapache2-mod-auth-openidc (scripts/install-test-deps.sh installs them).
const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
// Apache will not serve as root; as root it hands its workers to Debian's web server user.
const UNPRIVILEGED_USER = 'www-data';

export type ApacheClient =
  /** A client the IdP was configured with. */
  | { kind: 'static'; clientId: string; clientSecret: string }
  /** No client: mod_auth_openidc discovers the issuer and registers itself with the initial access token. */
  | { kind: 'dynamic'; initialAccessToken: string; clientName: string };

export type ApacheSite = Awaited<ReturnType<typeof planApacheSite>>;

/**
 * Apache httpd with mod_auth_openidc as a relying party the way an operator
 * runs one: its own configuration (written here, in a folder of its own), its
 * own process, and a protected location that shows what it was told about the
 * person. Its origin is 127.0.0.1, not the IdP's localhost, so the browser
 * keeps the two sites' cookies apart.
 *
 * Planned before it starts: a configured client's redirect address must be
 * known when the IdP starts.
 */
export async function planApacheSite(options: { tls?: boolean } = {}) {
  const port = await freePort();
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  let apache: RunningApache | undefined;
  let root: string | undefined;

  return {
    origin,
    protectedUrl: `${origin}/protected/index.shtml`,
    redirectUri: `${origin}/protected/redirect_uri`,
    signedOutUrl: `${origin}/signed-out.html`,
    /** mod_auth_openidc's own sign-out: its session, then RP-initiated logout at the IdP. */
    logoutUrl: `${origin}/protected/redirect_uri?logout=${encodeURIComponent(`${origin}/signed-out.html`)}`,
    /** Its back-channel logout endpoint, where the IdP posts logout tokens. */
    backchannelLogoutUri: `${origin}/protected/redirect_uri?logout=backchannel`,

    async start(settings: { issuer: string; client: ApacheClient }) {
      root = await mkdtemp(path.join(tmpdir(), 'passport-apache-'));
      const conf = await writeSite(root, { port, origin, tls: options.tls ?? false, ...settings });
      apache = await startApache(root, conf, `${origin}/signed-out.html`);
    },

    /** Resolves once mod_auth_openidc has taken a back-channel logout (the only POST it is sent). */
    async waitForBackchannelLogout() {
      const accepted = 'POST /protected/redirect_uri 200';
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const log = await readFile(path.join(root!, 'access.log'), 'utf8').catch(() => '');
        if (log.split('\n').includes(accepted)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no "${accepted}" in Apache's access log`);
    },

    /** The end of the error log, for a failure message. */
    async errorLog(): Promise<string> {
      if (!root) return '';
      const text = await readFile(path.join(root, 'error.log'), 'utf8').catch(() => '');
      return text.split('\n').slice(-40).join('\n');
    },

    async close() {
      await apache?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    },
  };
}

type SiteSettings = { port: number; origin: string; tls: boolean; issuer: string; client: ApacheClient };

async function writeSite(root: string, site: SiteSettings): Promise<string> {
  const htdocs = path.join(root, 'htdocs');
  const metadata = path.join(root, 'metadata');
  await mkdir(path.join(htdocs, 'protected'), { recursive: true });
  await mkdir(path.join(root, 'run'));
  await mkdir(metadata);
  // SSI prints what mod_auth_openidc passed on; echo escapes it as HTML.
  await writeFile(
    path.join(htdocs, 'protected', 'index.shtml'),
    [
      '<!DOCTYPE html><html lang="en"><head><title>Intranet</title></head><body>',
      '<h1>Intranet</h1>',
      '<p>Subject: <span id="sub"><!--#echo var="REMOTE_USER" --></span></p>',
      '<p>E-mail: <span id="email"><!--#echo var="OIDC_CLAIM_email" --></span></p>',
      '</body></html>',
    ].join('\n'),
  );
  await writeFile(
    path.join(htdocs, 'signed-out.html'),
    '<!DOCTYPE html><html lang="en"><head><title>Signed out</title></head><body><h1>Signed out of the intranet</h1></body></html>',
  );

  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // Workers run as www-data: they read the documents, and a registering client writes its metadata.
    await chmod(root, 0o755);
    await chmod(metadata, 0o777);
  }

  const lines = [
    `ServerRoot "${root}"`,
    `ServerName 127.0.0.1:${site.port}`,
    `Listen 127.0.0.1:${site.port}`,
    `PidFile "${root}/run/httpd.pid"`,
    `DefaultRuntimeDir "${root}/run"`,
    `ErrorLog "${root}/error.log"`,
    // Method, path and status only: query strings carry codes and state.
    `CustomLog "${root}/access.log" "%m %U %>s"`,
    'LogLevel warn auth_openidc:info',
    ...(asRoot ? [`User ${UNPRIVILEGED_USER}`, `Group ${UNPRIVILEGED_USER}`] : []),
    // One worker process is plenty for one browser, on a machine other tests share.
    'StartServers 1',
    'ServerLimit 1',
    'ThreadsPerChild 16',
    'MaxRequestWorkers 16',
    'MinSpareThreads 1',
    'MaxSpareThreads 16',
    ...[
      'mpm_event',
      'authn_core',
      'authz_core',
      'authz_user',
      'include',
      'auth_openidc',
      ...(site.tls ? ['ssl'] : []),
    ].map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`),
    `DocumentRoot "${htdocs}"`,
    `<Directory "${htdocs}">`,
    '  Require all granted',
    '  Options +Includes',
    '</Directory>',
    '<Files "*.shtml">',
    '  ForceType text/html',
    '  SetOutputFilter INCLUDES',
    '</Files>',
    ...(site.tls ? await tlsLines(root) : []),

    `OIDCRedirectURI ${site.origin}/protected/redirect_uri`,
    `OIDCCryptoPassphrase ${randomBytes(32).toString('hex')}`,
    'OIDCPKCEMethod S256',
    'OIDCScope "openid email"',
    'OIDCRemoteUserClaim sub',
    'OIDCPassClaimsAs environment',
    // A registering client names this as its post_logout_redirect_uri.
    `OIDCDefaultLoggedOutURL ${site.origin}/signed-out.html`,
    ...(site.client.kind === 'static'
      ? [
          `OIDCProviderMetadataURL ${site.issuer}/.well-known/openid-configuration`,
          `OIDCClientID ${site.client.clientId}`,
          `OIDCClientSecret ${site.client.clientSecret}`,
        ]
      : [`OIDCMetadataDir "${metadata}"`]),
    '<Location /protected>',
    '  AuthType openid-connect',
    '  Require valid-user',
    '</Location>',
  ];
  if (site.client.kind === 'dynamic') {
    await writeFile(
      path.join(metadata, `${issuerFileName(site.issuer)}.conf`),
      JSON.stringify({
        client_name: site.client.clientName,
        registration_token: site.client.initialAccessToken,
        pkce_method: 'S256',
        scope: 'openid email',
        // mod_auth_openidc asks for every flow it knows (implicit and hybrid too) whatever the
        // provider's discovery offers, and Passport refuses what it does not do (RFC 7591 lets it):
        // the operator narrows the request to the code flow, with this setting made for the purpose
        // (a string of JSON merged into the registration request).
        registration_endpoint_json: JSON.stringify({
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token'],
        }),
      }),
    );
  }
  const conf = path.join(root, 'httpd.conf');
  await writeFile(conf, `${lines.join('\n')}\n`);
  return conf;
}

/** mod_auth_openidc's name for an issuer's files in its metadata folder. */
function issuerFileName(issuer: string): string {
  return encodeURIComponent(issuer.replace(/^https?:\/\//, '').replace(/\/$/, ''));
}

/** A throw-away self-signed certificate for 127.0.0.1 (the browser is told to accept it). */
async function tlsLines(root: string): Promise<string[]> {
  const key = path.join(root, 'tls-key.pem');
  const certificate = path.join(root, 'tls-cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-keyout',
    key,
    '-out',
    certificate,
  ]);
  return ['SSLEngine on', `SSLCertificateFile "${certificate}"`, `SSLCertificateKeyFile "${key}"`];
}

type RunningApache = { stop(): Promise<void> };

async function startApache(root: string, conf: string, readyUrl: string): Promise<RunningApache> {
  for (const file of [APACHE, `${MODULES}/mod_auth_openidc.so`]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: bash scripts/install-test-deps.sh installs apache2-bin and libapache2-mod-auth-openidc`,
      );
    }
  }
  const output: string[] = [];
  // Its own process group, so stopping it stops every worker it forked.
  const child: ChildProcess = spawn(APACHE, ['-f', conf, '-d', root, '-DFOREGROUND'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (c) => output.push(c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is already gone
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGTERM');
    // SIGTERM stops httpd at once; a group still there after that is stuck, not finishing.
    const stuck = setTimeout(() => signal('SIGKILL'), 10_000);
    await exited;
    clearTimeout(stuck);
  };

  try {
    await waitUntilServing(readyUrl, child);
  } catch (error) {
    await stop();
    const log = await readFile(path.join(root, 'error.log'), 'utf8').catch(() => '');
    throw new Error(`Apache did not start: ${(error as Error).message}\n${output.join('')}\n${log}`);
  }
  return { stop };
}

async function waitUntilServing(url: string, child: ChildProcess) {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`apache2 exited with ${child.exitCode}`);
    try {
      // Node's fetch would refuse the self-signed certificate; the port answering is what counts.
      const response = await fetch(url.replace(/^https:/, 'http:'), { redirect: 'manual' });
      await response.body?.cancel();
      return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing answered at ${url}: ${String(lastError)}`);
}
