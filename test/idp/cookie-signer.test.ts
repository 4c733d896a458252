import Keygrip from 'keygrip';
import { describe, expect, test } from 'vitest';
import { cookieSigner } from '../../idp/oidc/cookie-signer.ts';

describe("the IdP's cookie signer", () => {
  const keys = ['current-cookie-key-0123456789', 'older-cookie-key-0123456789'];

  test('signs as Keygrip does, so cookies signed before the change stay valid', () => {
    const signer = cookieSigner(keys);
    for (const data of ['idp_session=abc', 'idp_interaction=Ünïcode', '']) {
      expect(signer.sign(data)).toBe(new Keygrip(keys).sign(data));
      expect(signer.index(data, new Keygrip([keys[1]!]).sign(data))).toBe(1);
    }
  });

  test('refuses a signature of other data, another key, or in another spelling', () => {
    const signer = cookieSigner(keys);
    const signature = signer.sign('idp_session=abc');
    expect(signer.verify('idp_session=abd', signature)).toBe(false);
    expect(signer.verify('idp_session=abc', new Keygrip(['someone-else']).sign('idp_session=abc'))).toBe(
      false,
    );
    expect(signer.verify('idp_session=abc', `${signature}=`)).toBe(false);
    expect(signer.verify('idp_session=abc', signature.slice(1))).toBe(false);
    expect(signer.verify('idp_session=abc', signature)).toBe(true);
  });
});
