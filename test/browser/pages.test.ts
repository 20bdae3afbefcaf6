import { describe, expect, it } from 'vitest';
import { browserSession } from '../support/browser.js';
import { machines } from '../../machines/index.js';
import { machineGraph } from '../../server/diagrams/machine-graph.js';
import { onboardingClient } from '../support/onboarding.js';
import { OPERATOR_KEY, createAccount, createOrgWithKey } from '../support/harness.js';

// Real Chromium (Debian's package) against the running ui.product.

const ui = browserSession();

async function diagram(selector = 'svg.machine-diagram') {
  return ui.page.$eval(selector, (svg) => ({
    states: [...svg.querySelectorAll('g.state')].map((g) => ({
      id: g.getAttribute('data-state'),
      final: g.getAttribute('data-final') === 'true',
      current: g.classList.contains('current'),
    })),
    transitions: [...svg.querySelectorAll('g.transition')].map((g) => ({
      source: g.getAttribute('data-source'),
      event: g.getAttribute('data-event'),
      target: g.getAttribute('data-target'),
      guard: g.getAttribute('data-guard') ?? undefined,
      label: g.querySelector('text')?.textContent,
    })),
  }));
}

describe('machine diagrams', () => {
  for (const machine of Object.values(machines)) {
    it(`draws every state and transition of ${machine.id}, from the definition`, async () => {
      const graph = machineGraph(machine);
      await ui.page.goto(ui.url(`/ui/machines/${machine.id}`));
      const drawn = await diagram();
      expect(drawn.states.map((s) => s.id).sort()).toEqual(graph.states.map((s) => s.id).sort());
      expect(
        drawn.transitions.map(({ source, event, target, guard }) => ({
          source,
          event,
          target,
          guard,
        })),
      ).toEqual(
        graph.transitions.map(({ source, event, target, guard }) => ({
          source,
          event,
          target,
          guard,
        })),
      );
      for (const t of drawn.transitions) expect(t.label).toContain(t.event);
      expect(drawn.states.filter((s) => s.final).map((s) => s.id)).toEqual(
        graph.states.filter((s) => s.final).map((s) => s.id),
      );
      await ui.shot(`machine-${machine.id}`);
    });
  }

  it('marks CANCELLED final, names the rollback guards and shows cash-in/cash-out per status', async () => {
    await ui.page.goto(ui.url('/ui/machines/accountStatus'));
    const drawn = await diagram();
    expect(drawn.states.find((s) => s.id === 'CANCELLED')?.final).toBe(true);
    expect(drawn.transitions.filter((t) => t.event === 'ROLLBACK').map((t) => t.label)).toEqual([
      'ROLLBACK [rollbackRestoresBlocked]',
      'ROLLBACK [rollbackRestoresNormal]',
    ]);
    const blocked = await ui.page.$eval('g.state[data-state=BLOCKED]', (g) => g.textContent);
    expect(blocked).toContain('cash-in allowed');
    expect(blocked).toContain('cash-out refused');
  });

  it('serves each diagram as SVG that works without JavaScript', async () => {
    const response = await fetch(ui.url('/ui/machines/accountStatus.svg'));
    expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await response.text()).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
});

describe('account page', () => {
  it('highlights the current status and lists the history, following changes made through the API', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Browser Bank');
    const { accountId } = await createAccount(ui.product.http, key);
    const reason = await ui.product.http('POST', '/v1/account-status-reasons', {
      key,
      json: { code: 'FRAUD_ATTEMPT', description: 'Fraud attempt' },
    });
    await ui.product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: { status: 'BLOCKED', reasonId: reason.body.id },
    });
    const account = await ui.product.http('GET', `/v1/accounts/${accountId}`, { key });

    await ui.page.goto(ui.url(account.body.links.statusPage));
    expect(new URL(ui.page.url()).pathname).toBe('/ui/login');
    await ui.signIn(key, account.body.links.statusPage);
    let drawn = await diagram();
    expect(drawn.states.filter((s) => s.current).map((s) => s.id)).toEqual(['BLOCKED']);
    expect(await ui.page.textContent('[data-fact=Status]')).toBe('BLOCKED');
    expect(await ui.page.$$eval('table.timeline tbody tr', (rows) => rows.length)).toBe(1);
    await ui.shot('account-blocked');

    await ui.product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: { status: 'CANCELLED', description: 'Closed after review' },
    });
    await ui.page.reload();
    drawn = await diagram();
    expect(drawn.states.filter((s) => s.current).map((s) => s.id)).toEqual(['CANCELLED']);
    const rows = await ui.page.$$eval('table.timeline tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('FRAUD_ATTEMPT');
    expect(rows[1]).toContain('BLOCKED → CANCELLED');
    expect(rows[1]).toContain('Closed after review');
    await ui.shot('account-cancelled');
  });

  it("is not shown to another org's key", async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Owner Bank');
    const { key: otherKey } = await createOrgWithKey(ui.product.http, 'Nosy Bank');
    const { accountId } = await createAccount(ui.product.http, key);
    await ui.signIn(otherKey, '/ui');
    const response = await ui.page.goto(ui.url(`/ui/accounts/${accountId}`));
    expect(response?.status()).toBe(404);
    expect(await ui.page.$('svg.machine-diagram')).toBeNull();
    // Chromium reports the 404 answer itself on the console; that one is what this test wants
    ui.expectProblems((p) => p.includes('status of 404'));
  });
});

describe('workflow page', () => {
  it('shows every onboarding sub-process the org is in, its steps, its child runs, and a link to the run in the Web UI', async () => {
    const { orgId, key } = await createOrgWithKey(ui.product.http, 'Workflow Bank');
    const onboarding = onboardingClient(ui.product.http);
    await onboarding.waitForEnvironments(orgId);
    const pagePath = `/ui/workflows/org-onboarding-${orgId}`;
    await ui.signIn(key, pagePath);
    expect(
      (await diagram()).states
        .filter((s) => s.current)
        .map((s) => s.id)
        .sort(),
    ).toEqual([
      'onboarding.certification.certifying',
      'onboarding.controlCenter.awaitingAccess',
      'onboarding.productionEnvironment.ready',
      'onboarding.serviceDesk.awaitingAccess',
      'onboarding.testEnvironment.ready',
    ]);

    await onboarding.send(orgId, { type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'ticket SD-7' });
    await onboarding.send(orgId, { type: 'KICKOFF_HELD', network: 'VISA', notes: 'kickoff call' });
    await ui.page.reload();
    expect((await diagram()).states.filter((s) => s.current).map((s) => s.id)).toContain(
      'onboarding.serviceDesk.granted',
    );
    const steps = await ui.page.$$eval('table.timeline tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    expect(
      steps.some((s) => s.includes('SERVICE_DESK_ACCESS_GRANTED') && s.includes('ticket SD-7')),
    ).toBe(true);
    const link = await ui.page.getAttribute('[data-testid=temporal-link]', 'href');
    expect(link).toContain(`/namespaces/default/workflows/org-onboarding-${orgId}/`);
    await ui.shot('workflow-onboarding-in-progress');

    // The certification child run, on its own machine.
    await ui.page.goto(`${ui.product.baseUrl}/ui/workflows/network-certification-${orgId}-visa`);
    expect((await diagram()).states.filter((s) => s.current).map((s) => s.id)).toEqual([
      'testPlanning',
    ]);
    const certificationSteps = await ui.page.$$eval('table.timeline tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    expect(
      certificationSteps.some((s) => s.includes('KICKOFF_HELD') && s.includes('kickoff call')),
    ).toBe(true);
    await ui.shot('workflow-certification');

    await ui.page.goto(
      `${ui.product.baseUrl}/ui/workflows/environment-provisioning-${orgId}-production`,
    );
    expect((await diagram()).states.filter((s) => s.current).map((s) => s.id)).toEqual(['ready']);
    await ui.shot('workflow-environment');
  });
});

describe('application page', () => {
  it('shows an application on its machine at the status its workflow reports', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Application Page Bank');
    const { programId } = await createAccount(ui.product.http, key);
    const created = await ui.product.http('POST', '/v1/account-applications', {
      key,
      json: {
        programId,
        applicant: { person: { name: 'Gil', documentNumber: 'PAGE-1' } },
        submit: true,
      },
    });
    await ui.product.temporal.workflow.getHandle(`account-application-${created.body.id}`).result();
    await ui.signIn(key, created.body.links.page);
    expect((await diagram()).states.filter((s) => s.current).map((s) => s.id)).toEqual([
      'ACCOUNT_CREATED',
    ]);
    expect(await ui.page.textContent('[data-fact=Account]')).toMatch(/^[0-9a-f-]{36}$/);
    await ui.shot('workflow-application-created');
  });
});

describe('API documentation page', () => {
  it('renders the OpenAPI document and tries a request against the running product', async () => {
    await ui.page.goto(ui.url('/ui/api'));
    await ui.page.waitForSelector('.opblock');
    const healthz = ui.page
      .locator('.opblock', { has: ui.page.locator('[data-path="/healthz"]') })
      .first();
    await healthz.locator('.opblock-summary').click();
    await healthz.getByRole('button', { name: 'Try it out' }).click();
    await healthz.getByRole('button', { name: 'Execute' }).click();
    const status = healthz.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('200');
    expect(
      await healthz.locator('.live-responses-table tbody .microlight').first().textContent(),
    ).toContain('"status": "ok"');
    await ui.shot('api-docs');
  });
});

describe('layout', () => {
  /**
   * Every box that is wider than the room it has, so its content spills over its neighbours: the
   * page itself, cards (sections, event cards), forms, tables and buttons. A frame that scrolls on
   * purpose (a diagram's) is not counted.
   */
  const spills = () =>
    ui.page.evaluate(() => {
      interface Box {
        tagName: string;
        className: unknown;
        scrollWidth: number;
        clientWidth: number;
        textContent: string | null;
      }
      const { document, getComputedStyle } = globalThis as unknown as {
        document: { documentElement: Box; querySelectorAll(selector: string): ArrayLike<Box> };
        getComputedStyle: (box: Box) => { overflowX: string };
      };
      const found: string[] = [];
      const page = document.documentElement;
      if (page.scrollWidth > page.clientWidth)
        found.push(`the page: ${page.scrollWidth} > ${page.clientWidth}`);
      const boxes = document.querySelectorAll(
        'header, main section, main .event, main form, main fieldset, main dl, main table, button',
      );
      for (const box of Array.from(boxes)) {
        if (getComputedStyle(box).overflowX !== 'visible') continue;
        if (box.scrollWidth > box.clientWidth + 1) {
          const name = `${box.tagName.toLowerCase()}${typeof box.className === 'string' && box.className ? `.${box.className.split(' ').join('.')}` : ''}`;
          const text = (box.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
          found.push(`${name} "${text}": ${box.scrollWidth} > ${box.clientWidth}`);
        }
      }
      return found;
    });

  it('fits every page at 1024 and 1400 px: no card, form, table or button spills over its neighbours', async () => {
    const { orgId, key } = await createOrgWithKey(ui.product.http, 'Layout Pagamentos S.A.');
    const { accountId, programId } = await createAccount(ui.product.http, key);
    const customers = await ui.product.http('GET', `/v1/accounts/${accountId}/customers`, { key });
    const customerId = customers.body.items[0].customer.id as string;
    const application = await ui.product.http('POST', '/v1/account-applications', {
      key,
      json: {
        programId,
        applicant: { person: { name: 'Lua Layout', documentNumber: 'LAYOUT-1' } },
        submit: true,
      },
    });
    expect(application.status, JSON.stringify(application.body)).toBe(201);
    // The board offers every early event (Control Center's among them) once both environments are there.
    await onboardingClient(ui.product.http).waitForEnvironments(orgId);

    const orgPages = [
      '/ui',
      '/ui/machines',
      ...Object.keys(machines).map((id) => `/ui/machines/${id}`),
      '/ui/accounts',
      `/ui/accounts/${accountId}`,
      `/ui/customers/${customerId}`,
      '/ui/applications',
      '/ui/applications/new',
      application.body.links.page as string,
      '/ui/programs',
      `/ui/programs/${programId}`,
      '/ui/status-reasons',
      '/ui/settings',
      '/ui/reports',
      `/ui/workflows/org-onboarding-${orgId}`,
      `/ui/workflows/network-certification-${orgId}-visa`,
      `/ui/workflows/environment-provisioning-${orgId}-test`,
    ];
    const operatorPages = ['/ui/orgs', '/ui/orgs/new', `/ui/orgs/${orgId}`];

    const found: string[] = [];
    const check = async (path: string) => {
      for (const width of [1024, 1400]) {
        await ui.page.setViewportSize({ width, height: 900 });
        const response = await ui.page.goto(ui.url(path));
        expect(response?.status(), path).toBe(200);
        found.push(...(await spills()).map((spill) => `${path} at ${width} px: ${spill}`));
        const name =
          path
            .replace(/^\/ui\/?/, '')
            .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, 'id')
            .replace(/[^\w]+/g, '-') || 'home';
        await ui.shot(`layout-${width}-${name}`);
      }
    };
    await check('/ui/login');
    await ui.signIn(key, '/ui');
    for (const path of orgPages) await check(path);
    await ui.page.context().clearCookies();
    await ui.signIn(OPERATOR_KEY, `/ui/orgs/${orgId}`);
    expect(
      await ui.page.locator('form.event[data-event=CONTROL_CENTER_ACCESS_GRANTED]').count(),
    ).toBe(1);
    for (const path of operatorPages) await check(path);
    expect(found).toEqual([]);
  });
});
