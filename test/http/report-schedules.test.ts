import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  eventually,
  expectProblem,
  startTestProduct,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// Report schedules over HTTP: an environment's daily account limits report is on by default, at
// 23:59 in the org's time zone; the issuer turns it off and on with If-Match, each change is one
// report.schedule_changed event, and a key sees and changes its own environment's schedule only.
// (That a turned-off environment gets no file is test/workflows/daily-snapshot.test.ts.)

const PATH = '/v1/report-schedules/account_limits';

let product: TestProduct;
let orgId: string;
let key: string;

beforeAll(async () => {
  product = await startTestProduct();
  ({ orgId, key } = await createOrgWithKey(product.http, 'Scheduling Bank', ['VISA']));
});
afterAll(async () => {
  await product?.stop();
});

const put = (k: string, json: unknown, ifMatch?: string): Promise<HttpResponse> =>
  product.http('PUT', PATH, { key: k, json, headers: ifMatch ? { 'if-match': ifMatch } : {} });

/** The test environment of the org this file's key belongs to. */
const testEnvironment = async (): Promise<string> =>
  (await product.prisma.environment.findFirstOrThrow({ where: { orgId, kind: 'TEST' } })).id;

/** An environment's schedule-change events, straight from the log, oldest first. */
const changesOf = (environmentId: string) =>
  product.prisma.event.findMany({
    where: { type: 'report.schedule_changed', environmentId },
    orderBy: { sequence: 'asc' },
  });

describe('report schedules', () => {
  it('show the daily account limits report on by default, at 23:59 in the org time zone', async () => {
    const { key: fresh } = await createOrgWithKey(product.http, 'Fresh Bank', ['VISA']);
    const schedule = {
      report: 'account_limits',
      enabled: true,
      runsAt: '23:59',
      timeZone: 'America/Sao_Paulo',
      version: 1,
    };
    const listed = await product.http('GET', '/v1/report-schedules', { key: fresh });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [schedule], next: null });
    const one = await product.http('GET', PATH, { key: fresh });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(schedule);
    expect(one.headers.get('etag')).toBe('"v1"');
  });

  it('turn off and on with If-Match: one event per change, none for a no-op or a refusal', async () => {
    const environmentId = await testEnvironment();
    const off = await put(key, { enabled: false }, '"v1"');
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, version: 2 });
    expect(off.headers.get('etag')).toBe('"v2"');
    // Asking for what already is: nothing changes, nothing is recorded
    const again = await put(key, { enabled: false });
    expect(again.body).toMatchObject({ enabled: false, version: 2 });
    // A change based on what the page showed before someone else's: 412 with the current ETag
    const stale = await put(key, { enabled: true }, '"v1"');
    expectProblem(stale, 412);
    expect(stale.body.etag).toBe('"v2"');
    expect((await product.http('GET', PATH, { key })).body).toMatchObject({
      enabled: false,
      version: 2,
    });
    const on = await put(key, { enabled: true }, '"v2"');
    expect(on.body).toMatchObject({ enabled: true, version: 3 });

    const changes = await changesOf(environmentId);
    expect(changes.map((e) => e.payload)).toEqual([
      { environmentId, report: 'account_limits', enabled: false },
      { environmentId, report: 'account_limits', enabled: true },
    ]);
    // ... and integrators read them in the feed, about the report's schedule
    const feed = await eventually(async () => {
      const page = await product.http('GET', '/v1/events?type=report.schedule_changed', { key });
      return page.body.items.length >= 2 ? page.body.items : undefined;
    });
    expect(feed.map((e: { subject: object }) => e.subject)).toEqual([
      { type: 'report', id: 'account-limits' },
      { type: 'report', id: 'account-limits' },
    ]);
    expect(feed.map((e: { id: string }) => e.id)).toEqual(changes.map((e) => e.id));
  });

  it('refuse hostile input with 400 naming the field, changing nothing', async () => {
    const before = (await product.http('GET', PATH, { key })).body;
    const refusals: [HttpResponse, string, string][] = [
      [await put(key, { enabled: 'yes' }), 'body.enabled', 'invalid_type'],
      [await put(key, { enabled: 1 }), 'body.enabled', 'invalid_type'],
      [await put(key, {}), 'body.enabled', 'required'],
      [await put(key, { enabled: true, extra: 1 }), 'body.extra', 'unknown_field'],
      [await put(key, { enabled: 'a\u0000b' }), 'body.enabled', 'control_character'],
      [await put(key, { enabled: false }, 'v1'), 'headers.if-match', 'invalid_etag'],
      [
        await product.http('PUT', '/v1/report-schedules/daily_everything', {
          key,
          json: { enabled: false },
        }),
        'params.report',
        'invalid_value',
      ],
    ];
    for (const [response, field, rule] of refusals) {
      expectProblem(response, 400);
      expect(response.body.errors, JSON.stringify(response.body)).toContainEqual(
        expect.objectContaining({ field, rule }),
      );
    }
    expectProblem(await put(key, [true]), 400);
    expectProblem(
      await product.http('PUT', PATH, {
        key,
        raw: 'enabled=false',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    expect((await product.http('PUT', PATH, { json: { enabled: false } })).status).toBe(401);
    expect((await product.http('GET', PATH, { key })).body).toEqual(before);
  });

  it("are each environment's own: another org's key or the production key neither sees nor changes this one", async () => {
    const environmentId = await testEnvironment();
    const mine = (await product.http('GET', PATH, { key })).body;
    const changesBefore = (await changesOf(environmentId)).length;
    const other = await createOrgWithKey(product.http, 'Other Scheduling Bank', ['VISA']);
    expect((await product.http('GET', PATH, { key: other.key })).body).toMatchObject({
      enabled: true,
      version: 1,
    });
    expect((await put(other.key, { enabled: false }, '"v1"')).status).toBe(200);
    expect((await product.http('GET', PATH, { key })).body).toEqual(mine);

    // The same org's production environment has a schedule of its own
    await onboardingClient(product.http).waitForEnvironments(orgId);
    const production: string = await eventually(async () => {
      const issued = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
        key: OPERATOR_KEY,
        json: { environment: 'PRODUCTION', name: 'backend' },
      });
      return issued.status === 201 ? (issued.body.token as string) : undefined;
    });
    expect((await product.http('GET', PATH, { key: production })).body).toMatchObject({
      enabled: true,
      version: 1,
    });
    const productionOff = await put(production, { enabled: false }, '"v1"');
    expect(productionOff.body).toMatchObject({ enabled: false, version: 2 });
    expect((await product.http('GET', PATH, { key })).body).toEqual(mine);
    // Its event is the production environment's: the test key's feed does not show it
    expect(await changesOf(environmentId)).toHaveLength(changesBefore);
    const testFeed = await product.http('GET', '/v1/events?type=report.schedule_changed', { key });
    expect(
      testFeed.body.items.every(
        (e: { environmentId: string }) => e.environmentId === environmentId,
      ),
    ).toBe(true);
  });
});
