import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR_VALUES } from '../../idp/oidc/acr.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';

/**
 * The OpenID Foundation's oidcc-config-certification-test-plan: its one module,
 * oidcc-discovery-endpoint-verification, check by check (the names of the
 * suite's conditions are in the test names), and the JWKS it validates.
 */
type Metadata = Record<string, unknown> & {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  registration_endpoint?: string;
  scopes_supported: string[];
  response_types_supported: string[];
  grant_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
  code_challenge_methods_supported: string[];
};

type Jwk = Record<string, unknown> & { kty: string; kid?: string; alg?: string; use?: string };

describe('oidcc-config-certification-test-plan', () => {
  let idp: TestIdp;
  let response: Response;
  let metadata: Metadata;

  beforeAll(async () => {
    idp = await startTestIdp({ initialAccessToken: 'config-plan-initial-access-token-0123456789' });
    response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    metadata = (await response.clone().json()) as Metadata;
  });

  afterAll(async () => idp?.close());

  describe('oidcc-discovery-endpoint-verification', () => {
    it('EnsureDiscoveryEndpointResponseStatusCodeIs200, CheckDiscoveryEndpointReturnedJsonContentType', () => {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('CheckDiscEndpointIssuer: the issuer is exactly the URL discovery was fetched under', () => {
      expect(metadata.issuer).toBe(idp.issuer);
      // CheckDiscEndpointIssuerIsValidUrl (RFC 8414 section 2): no query, no fragment.
      const issuer = new URL(metadata.issuer);
      expect(issuer.search).toBe('');
      expect(issuer.hash).toBe('');
      expect(metadata.issuer.endsWith('/')).toBe(false);
    });

    it('ValidateServerMetadataAgainstSchema: every field Discovery 1.0 section 3 requires', () => {
      for (const field of [
        'issuer',
        'authorization_endpoint',
        'token_endpoint',
        'jwks_uri',
        'response_types_supported',
        'subject_types_supported',
        'id_token_signing_alg_values_supported',
      ]) {
        expect(metadata, field).toHaveProperty(field);
      }
      for (const [field, value] of Object.entries(metadata)) {
        if (field.endsWith('_supported') && typeof value !== 'boolean')
          expect(value, field).toBeInstanceOf(Array);
      }
    });

    it('CheckDiscEndpointAllEndpointsAreHttps: every endpoint is https, or the loopback host in development', () => {
      const endpoints = Object.entries(metadata).filter(
        ([field, value]) =>
          typeof value === 'string' && (field.endsWith('_endpoint') || field === 'jwks_uri'),
      );
      expect(endpoints.length).toBeGreaterThanOrEqual(8);
      for (const [field, value] of endpoints) {
        const url = new URL(String(value));
        const loopback =
          url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
        expect(url.protocol === 'https:' || loopback, field).toBe(true);
        // Under the issuer, so a site that trusts the issuer trusts nothing else.
        expect(url.origin, field).toBe(new URL(metadata.issuer).origin);
      }
    });

    it('CheckDiscEndpointAuthorizationEndpoint, TokenEndpoint, UserinfoEndpoint, RegistrationEndpoint', async () => {
      expect(metadata.authorization_endpoint).toBe(`${idp.issuer}/auth`);
      expect(metadata.token_endpoint).toBe(`${idp.issuer}/token`);
      expect(metadata.userinfo_endpoint).toBe(`${idp.issuer}/me`);
      expect(metadata.registration_endpoint).toBe(`${idp.issuer}/reg`);
      // They answer, with a protocol error rather than a missing page.
      const token = await fetch(metadata.token_endpoint, { method: 'POST' });
      expect(token.status).toBe(400);
      const userinfo = await fetch(metadata.userinfo_endpoint);
      expect([400, 401]).toContain(userinfo.status);
    });

    it('OIDCCCheckDiscEndpointResponseTypesSupported: code (the profile: code flow only)', () => {
      expect(metadata.response_types_supported).toContain('code');
      expect(metadata.response_types_supported).toEqual(['code']);
    });

    it('CheckDiscEndpointSubjectTypesSupported: public or pairwise, at least one', () => {
      expect(metadata.subject_types_supported.length).toBeGreaterThan(0);
      for (const type of metadata.subject_types_supported) expect(['public', 'pairwise']).toContain(type);
    });

    it('OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported: RS256 included, none excluded', () => {
      expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
      expect(metadata.id_token_signing_alg_values_supported).not.toContain('none');
    });

    it('CheckDiscEndpointScopesSupportedContainsOpenId, CheckDiscEndpointScopesSupportedSyntax', () => {
      expect(metadata.scopes_supported).toContain('openid');
      // RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
      for (const scope of metadata.scopes_supported) expect(scope).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/);
    });

    it('OIDCCCheckDiscEndpointClaimsSupported: sub and every claim a scope releases', () => {
      for (const claim of [
        'sub',
        'acr',
        'amr',
        'auth_time',
        'email',
        'email_verified',
        'name',
        'given_name',
        'family_name',
        'address',
      ]) {
        expect(metadata.claims_supported).toContain(claim);
      }
    });

    it('CheckDiscEndpointClaimsParameterSupported, request and request_uri support stated', () => {
      expect(metadata.claims_parameter_supported).toBe(true);
      // Absent means false (Discovery 1.0 section 3); oidcc-basic proves both are refused.
      expect(metadata.request_parameter_supported ?? false).toBe(false);
      expect(metadata.request_uri_parameter_supported).toBe(false);
      expect(metadata.request_object_signing_alg_values_supported).toBeUndefined();
    });

    it('OIDCCCheckDiscEndpointGrantTypesSupported: authorization_code (and refresh_token), no implicit', () => {
      expect(metadata.grant_types_supported).toContain('authorization_code');
      expect(metadata.grant_types_supported).toContain('refresh_token');
      expect(metadata.grant_types_supported).not.toContain('implicit');
    });

    it('EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray: S256 only', () => {
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    });

    it('CheckDiscEndpointLocalesSyntax: language tags where locales are listed', () => {
      for (const field of ['ui_locales_supported', 'claims_locales_supported']) {
        const locales = metadata[field];
        if (locales === undefined) continue;
        for (const locale of locales as string[]) expect(locale).toMatch(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/);
      }
    });

    it('the levels of authentication a site may ask for', () => {
      expect(metadata.acr_values_supported).toEqual(ACR_VALUES);
    });

    it('the same document whatever is asked along with it (no per-request variation)', async () => {
      const again = await (
        await fetch(`${idp.issuer}/.well-known/openid-configuration`, {
          headers: { 'accept-language': 'pt-BR', origin: 'https://elsewhere.example' },
        })
      ).json();
      expect(again).toEqual(metadata);
    });
  });

  describe('CheckJwksUri, FetchServerKeys, ValidateJwksSequence', () => {
    let keys: Jwk[];
    beforeAll(async () => {
      const jwks = await fetch(metadata.jwks_uri);
      expect(jwks.status).toBe(200);
      expect(jwks.headers.get('content-type')).toMatch(/^application\/(jwk-set\+)?json/);
      keys = ((await jwks.json()) as { keys: Jwk[] }).keys;
    });

    it('every key has a type, a unique kid, an algorithm and the signing use', () => {
      expect(keys.length).toBeGreaterThan(0);
      const kids = keys.map((key) => key.kid);
      expect(new Set(kids).size).toBe(kids.length);
      for (const key of keys) {
        expect(['RSA', 'EC']).toContain(key.kty);
        expect(key.kid).toBeTruthy();
        expect(metadata.id_token_signing_alg_values_supported).toContain(key.alg);
        expect(key.use ?? 'sig').toBe('sig');
      }
    });

    it('no private or symmetric key material is published', () => {
      for (const key of keys) {
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'])
          expect(key, secret).not.toHaveProperty(secret);
      }
    });

    it('RSA keys are at least 2048 bits; EC keys on P-256', () => {
      for (const key of keys) {
        if (key.kty === 'RSA') {
          expect(Buffer.from(String(key.n), 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
          expect(key.e).toBe('AQAB');
        } else {
          expect(key.crv).toBe('P-256');
        }
      }
    });

    it('every algorithm discovery announces has a key to verify it with', () => {
      for (const alg of metadata.id_token_signing_alg_values_supported) {
        expect(keys.some((key) => key.alg === alg)).toBe(true);
      }
    });
  });
});
