import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

// The pages' forms carry a CSRF token bound to the browser (and to its session once signed in);
// a state-changing request under /ui without it is refused. A session ends when signed out, for
// good, and when the key it names is revoked.

let product: TestProduct;
beforeAll(async () => {
  product = await startTestProduct({ api: true, worker: false });
});
afterAll(async () => {
  await product?.stop();
});

/** A browser of sorts: keeps the cookies /ui sets and sends them back. */
function browser() {
  const jar = new Map<string, string>();
  return {
    jar,
    async fetch(path: string, init: { method?: string; form?: Record<string, string> } = {}) {
      const headers: Record<string, string> = {};
      if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      let body: string | undefined;
      if (init.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
      }
      const response = await fetch(`${product.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers,
        body,
        redirect: 'manual',
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair, ...attributes] = cookie.split(';');
        const [name, value] = pair!.split('=') as [string, string];
        if (attributes.some((a) => /max-age=0/i.test(a.trim()))) jar.delete(name.trim());
        else jar.set(name.trim(), value);
      }
      return {
        status: response.status,
        location: response.headers.get('location'),
        text: await response.text(),
      };
    },
  };
}

/** The CSRF token in a page's form. */
function tokenIn(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

async function signIn(apiKey: string) {
  const b = browser();
  const login = await b.fetch('/ui/login');
  const signedIn = await b.fetch('/ui/login', {
    method: 'POST',
    form: { apiKey, next: '/ui', _csrf: tokenIn(login.text) },
  });
  expect(signedIn.status, signedIn.text).toBe(303);
  expect(b.jar.has('cie_session')).toBe(true);
  return b;
}

const signedIn = (page: string) => page.includes('Signed in as');

describe('CSRF protection of the pages’ forms', () => {
  it('refuses a sign-in without the form’s token (403), and accepts it with the token', async () => {
    const { key } = await createOrgWithKey(product.http, 'Console Bank');
    const b = browser();
    const login = await b.fetch('/ui/login');
    expect(login.status).toBe(200);
    const token = tokenIn(login.text);

    const without = await b.fetch('/ui/login', { method: 'POST', form: { apiKey: key } });
    expect(without.status).toBe(403);
    expect(b.jar.has('cie_session')).toBe(false);

    const forged = await b.fetch('/ui/login', {
      method: 'POST',
      form: { apiKey: key, _csrf: `${token.slice(0, -2)}AA` },
    });
    expect(forged.status).toBe(403);

    // The token alone, from another browser (no nonce cookie), is refused too
    const other = browser();
    expect(
      (await other.fetch('/ui/login', { method: 'POST', form: { apiKey: key, _csrf: token } }))
        .status,
    ).toBe(403);

    const accepted = await b.fetch('/ui/login', {
      method: 'POST',
      form: { apiKey: key, next: '/ui', _csrf: token },
    });
    expect(accepted.status).toBe(303);
    expect(accepted.location).toBe('/ui');
    expect(signedIn((await b.fetch('/ui')).text)).toBe(true);
  });

  it('refuses sign-out without the token; with it the session ends, also for a copy of its cookie', async () => {
    const b = await signIn(OPERATOR_KEY);
    const home = await b.fetch('/ui');
    expect(signedIn(home.text)).toBe(true);
    const copy = b.jar.get('cie_session')!;

    expect((await b.fetch('/ui/logout', { method: 'POST', form: {} })).status).toBe(403);
    // Refused, and nothing happened: still signed in
    expect(signedIn((await b.fetch('/ui')).text)).toBe(true);

    const out = await b.fetch('/ui/logout', {
      method: 'POST',
      form: { _csrf: tokenIn(home.text) },
    });
    expect(out.status).toBe(303);
    expect(b.jar.has('cie_session')).toBe(false);
    expect(signedIn((await b.fetch('/ui')).text)).toBe(false);

    b.jar.set('cie_session', copy);
    expect(signedIn((await b.fetch('/ui')).text)).toBe(false);
  });

  it('refuses a token of one session in another', async () => {
    const first = await signIn(OPERATOR_KEY);
    const token = tokenIn((await first.fetch('/ui')).text);
    const second = await signIn(OPERATOR_KEY);
    second.jar.set('cie_csrf', first.jar.get('cie_csrf')!);
    expect(
      (await second.fetch('/ui/logout', { method: 'POST', form: { _csrf: token } })).status,
    ).toBe(403);
  });
});

describe('a session whose key is revoked', () => {
  it('ends at its next request', async () => {
    const { orgId, key } = await createOrgWithKey(product.http, 'Session Bank');
    const b = await signIn(key);
    expect(signedIn((await b.fetch('/ui')).text)).toBe(true);
    const keys = await product.http('GET', `/v1/orgs/${orgId}/api-keys`, { key: OPERATOR_KEY });
    const revoked = await product.http('POST', `/v1/api-keys/${keys.body.items[0].id}/revoke`, {
      key: OPERATOR_KEY,
    });
    expect(revoked.status).toBe(200);
    expect(signedIn((await b.fetch('/ui')).text)).toBe(false);
    const page = await b.fetch('/ui/workflows/org-onboarding-' + orgId);
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/ui\/login/);
  });
});
