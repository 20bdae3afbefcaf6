import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page, type Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { chromiumPath } from '../../runtime/tools.js';
import { startTestProduct, type TestProduct } from './harness.js';

const screenshots = fileURLToPath(new URL('../../test-artifacts/screenshots', import.meta.url));

/**
 * Real Chromium (Debian's package) against a running product, for one test file: a fresh page
 * per test, which fails the test on any console or page error. Screenshots land in
 * test-artifacts/screenshots/.
 */
export function browserSession() {
  let product: TestProduct | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let problems: string[] = [];

  beforeAll(async () => {
    product = await startTestProduct(
      { api: true, worker: true },
      { TEMPORAL_UI_URL: 'http://localhost:8233' },
    );
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    await mkdir(screenshots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await product?.stop();
  });
  beforeEach(async () => {
    problems = [];
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  });
  afterEach(async () => {
    await page?.context().close();
    expect(problems).toEqual([]);
  });

  const session = {
    get product(): TestProduct {
      return product!;
    },
    get page(): Page {
      return page!;
    },
    url: (route: string) => `${product!.baseUrl}${route}`,
    shot: (name: string, fullPage = true) =>
      page!.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage }),
    /** A screenshot of one element. */
    shotOf: (locator: Locator, name: string) =>
      locator.screenshot({ path: path.join(screenshots, `${name}.png`) }),
    /**
     * A user's double click on a form's button: the second click lands while the first submit's
     * request is on its way (held until then), as it does when the server takes a moment.
     * `landed` waits for the page the submit leads to; answers the POSTs the page sent.
     */
    async doubleClick(button: Locator, landed: () => Promise<unknown>): Promise<string[]> {
      const posts: string[] = [];
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      const hold = async (route: Route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        posts.push(route.request().url());
        await held;
        await route.continue().catch(() => undefined); // a submit the page has given up on
      };
      await page!.route('**/*', hold);
      try {
        const landing = landed();
        await button.scrollIntoViewIfNeeded();
        const box = (await button.boundingBox())!;
        const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
        await Promise.all([
          page!.waitForRequest((request) => request.method() === 'POST'),
          page!.mouse.click(x, y),
        ]);
        await page!.mouse.click(x, y);
        release();
        await landing;
      } finally {
        release();
        await page!.unroute('**/*', hold);
      }
      return posts;
    },
    /** A form's action and the fields it would send (urlencoded), read from the page. */
    formOf: (form: Locator) =>
      form.evaluate((element) => {
        const f = element as unknown as {
          action: string;
          elements: ArrayLike<{
            name: string;
            value: string;
            type: string;
            checked: boolean;
            disabled: boolean;
          }>;
        };
        const fields = new URLSearchParams();
        for (const e of Array.from(f.elements)) {
          const unchecked = (e.type === 'checkbox' || e.type === 'radio') && !e.checked;
          if (e.name && !e.disabled && !unchecked && e.type !== 'submit')
            fields.append(e.name, e.value);
        }
        return { action: f.action, body: fields.toString() };
      }),
    /**
     * Posts a form's fields from the page (its cookies), as the browser would but past the
     * page's scripts, and answers where the redirects led.
     */
    post: (form: { action: string; body: string }) =>
      page!.evaluate(async ({ action, body }) => {
        const response = await fetch(action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          credentials: 'same-origin',
        });
        return { status: response.status, url: response.url, text: await response.text() };
      }, form),
    /** Lets this test's page report the errors it expects (e.g. a 404 it asked for). */
    expectProblems(expected: (problem: string) => boolean) {
      problems = problems.filter((problem) => !expected(problem));
    },
    /** Signs in on the login page with the key and lands on `next`. */
    async signIn(key: string, next: string) {
      await page!.goto(session.url(`/ui/login?next=${encodeURIComponent(next)}`));
      await page!.fill('input[name=apiKey]', key);
      await Promise.all([page!.waitForURL(session.url(next)), page!.click('button[type=submit]')]);
    },
  };
  return session;
}
