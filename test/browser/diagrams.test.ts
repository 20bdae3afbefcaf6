import { describe, expect, it } from 'vitest';
import { browserSession } from '../support/browser.js';
import { machines } from '../../machines/index.js';
import { onboardingProcesses, orgOnboardingMachine } from '../../machines/org-onboarding.js';
import { onboardingClient } from '../support/onboarding.js';
import { OPERATOR_KEY, createAccount, sampleOrg } from '../support/harness.js';

// The diagrams as a person reads them, in real Chromium: parallel regions drawn as regions, every
// machine at its natural size in a scrolling frame, the current state moving without a reload,
// times in the org's time zone and keys by name.

const ui = browserSession();

/** An org in a time zone far from UTC and from the server's, with its first (test) key. */
async function createOrg(legalName: string, timeZone = 'Asia/Kolkata') {
  const response = await ui.product.http('POST', '/v1/orgs', {
    key: OPERATOR_KEY,
    json: { ...sampleOrg, legalName, timeZone },
  });
  expect(response.status).toBe(201);
  return {
    orgId: response.body.org.id as string,
    key: response.body.apiKey.token as string,
    keyId: response.body.apiKey.id as string,
  };
}

const currentStates = () =>
  ui.page.$$eval('svg.machine-diagram g.state.current', (gs) =>
    gs.map((g) => g.getAttribute('data-state')),
  );

/** Kolkata is UTC+5:30 all year: the wall clock there, written as the pages write it. */
function inKolkata(iso: string): string {
  const local = new Date(Date.parse(iso) + 330 * 60_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 19)} GMT+5:30`;
}

describe('parallel regions', () => {
  it('draws each region of org onboarding as a labelled box holding its own states', async () => {
    await ui.page.goto(ui.url('/ui/machines/orgOnboarding'));
    const regions = await ui.page.$$eval('svg.machine-diagram g.compound.region', (groups) =>
      groups.map((g) => {
        const box = g.querySelector('rect')!.getBBox();
        const id = g.getAttribute('data-compound')!;
        const states = [
          ...g.ownerSVGElement!.querySelectorAll(`g.state[data-state^="${id}."]`),
        ].map((s) => {
          const r = s.querySelector('rect')!.getBBox();
          return {
            id: s.getAttribute('data-state'),
            inside:
              r.x >= box.x &&
              r.y >= box.y &&
              r.x + r.width <= box.x + box.width &&
              r.y + r.height <= box.y + box.height,
          };
        });
        return { id, label: g.querySelector('text.label')?.textContent, states };
      }),
    );
    const definedRegions = Object.keys(orgOnboardingMachine.root.states.onboarding!.states);
    expect(definedRegions).toEqual([...onboardingProcesses]);
    expect(regions.map((r) => r.id)).toEqual(definedRegions.map((r) => `onboarding.${r}`));
    expect(regions.map((r) => r.label)).toEqual(definedRegions);
    for (const region of regions) {
      const defined = Object.keys(
        orgOnboardingMachine.root.states.onboarding!.states[region.label!]!.states,
      );
      expect(region.states.map((s) => s.id).sort()).toEqual(
        defined.map((s) => `${region.id}.${s}`).sort(),
      );
      expect(region.states.every((s) => s.inside)).toBe(true);
    }
    // The parallel state around them, and one arrow out of it when every region is done.
    expect(await ui.page.$$eval('g.compound.parallel', (gs) => gs.length)).toBe(1);
    expect(
      await ui.page.$$eval('g.transition[data-source=onboarding]', (gs) =>
        gs.map((g) => g.getAttribute('data-target')),
      ),
    ).toEqual(['activating']);
    await ui.shotOf(ui.page.locator('svg.machine-diagram'), 'diagram-onboarding-regions');
  });
});

describe('natural size', () => {
  for (const machine of Object.values(machines)) {
    it(`shows ${machine.id} at 100% inside a scrolling frame, never scaled down`, async () => {
      await ui.page.goto(ui.url(`/ui/machines/${machine.id}`));
      await ui.page.waitForSelector('.diagram-tools .zoom-level');
      const measure = () =>
        ui.page.$eval('.diagram', (frame) => {
          const svg = frame.querySelector('svg')!;
          return {
            natural: svg.viewBox.baseVal.width,
            drawn: svg.getBoundingClientRect().width,
            frame: frame.clientWidth,
            scrollWidth: frame.scrollWidth,
            overflowX: frame.ownerDocument.defaultView!.getComputedStyle(frame).overflowX,
            zoom: frame.parentElement!.querySelector('.zoom-level')!.textContent,
          };
        });
      const atStart = await measure();
      expect(atStart.zoom).toBe('100%');
      expect(atStart.overflowX).toBe('auto');
      expect(Math.abs(atStart.drawn - atStart.natural)).toBeLessThan(1);
      if (atStart.natural > atStart.frame)
        expect(atStart.scrollWidth).toBeGreaterThan(atStart.frame);

      await ui.page.click('.diagram-tools [data-zoom-action="zoom out"]');
      const smaller = await measure();
      expect(smaller.drawn).toBeLessThan(atStart.drawn);
      await ui.page.click('.diagram-tools [data-zoom-action="natural size"]');
      expect((await measure()).drawn).toBeCloseTo(atStart.natural, 0);
      if (machine.id === 'orgOnboarding') {
        // Wider than the page: it scrolls instead of shrinking; Fit is a choice, not the default.
        expect(atStart.natural).toBeGreaterThan(atStart.frame);
        await ui.page.$eval('.diagram', (frame) => frame.scrollBy(400, 0));
        expect(await ui.page.$eval('.diagram', (frame) => frame.scrollLeft)).toBeGreaterThan(0);
        await ui.shot('diagram-onboarding-natural-size-scrolled', false);
        await ui.page.click('.diagram-tools [data-zoom-action="fit to width"]');
        expect((await measure()).drawn).toBeLessThanOrEqual(atStart.frame);
        await ui.shot('diagram-onboarding-fit');
      } else {
        await ui.shot(`diagram-${machine.id}-natural-size`);
      }
    });
  }
});

describe('live pages', () => {
  it('moves the highlighted onboarding state after an event sent through the API, without a reload', async () => {
    const { orgId, key } = await createOrg('Live Diagram Bank');
    const onboarding = onboardingClient(ui.product.http);
    await onboarding.waitForEnvironments(orgId);
    const pagePath = `/ui/workflows/org-onboarding-${orgId}`;
    await ui.signIn(key, pagePath);
    expect(await currentStates()).toContain('onboarding.serviceDesk.awaitingAccess');
    await ui.page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await ui.shot('live-onboarding-before');

    await onboarding.send(orgId, { type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'ticket SD-42' });
    await ui.page.waitForSelector(
      'svg.machine-diagram g.state.current[data-state="onboarding.serviceDesk.granted"]',
    );
    expect(await currentStates()).not.toContain('onboarding.serviceDesk.awaitingAccess');
    await ui.page.waitForSelector('table.timeline tbody tr:has-text("ticket SD-42")');
    expect(await ui.page.textContent('[data-fact=serviceDesk]')).toBe('granted');
    expect(
      await ui.page.evaluate(
        () => (globalThis as unknown as { notReloaded?: boolean }).notReloaded,
      ),
    ).toBe(true);
    await ui.shot('live-onboarding-after');
  });

  it('stops polling while the page is hidden and starts again when it is shown', async () => {
    const { orgId, key } = await createOrg('Hidden Page Bank');
    await ui.page.clock.install();
    await ui.signIn(key, `/ui/workflows/org-onboarding-${orgId}`);
    const live = (request: { url(): string }) => request.url().endsWith('/live');
    await Promise.all([ui.page.waitForRequest(live), ui.page.clock.runFor(5_000)]);

    const setVisibility = (state: 'hidden' | 'visible') =>
      ui.page.evaluate((to) => {
        const { document } = globalThis as unknown as {
          document: { dispatchEvent(event: Event): boolean };
        };
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => to });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    let polledWhileHidden = 0;
    const count = (request: { url(): string }) => {
      if (live(request)) polledWhileHidden += 1;
    };
    ui.page.on('request', count);
    await ui.page.clock.runFor(60_000);
    ui.page.off('request', count);
    expect(polledWhileHidden).toBe(0);

    await Promise.all([ui.page.waitForRequest(live), setVisibility('visible')]);
  });

  it('answers the live state as JSON only with the session, like the page', async () => {
    const { orgId } = await createOrg('Live JSON Bank');
    const response = await fetch(ui.url(`/ui/workflows/org-onboarding-${orgId}/live`));
    expect(response.status).toBe(401);
    const withKey = await fetch(ui.url(`/ui/workflows/org-onboarding-${orgId}/live`), {
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
    });
    expect(withKey.status).toBe(200);
    const body = (await withKey.json()) as { current: string[]; facts: unknown[]; rows: unknown[] };
    expect(body.current.length).toBeGreaterThan(0);
    expect(withKey.headers.get('cache-control')).toContain('no-cache');
  });
});

describe('times and names', () => {
  it("shows an account's history in the org's time zone, named, and its actor by key name", async () => {
    const { key, keyId } = await createOrg('Kolkata Bank');
    const { accountId } = await createAccount(ui.product.http, key);
    await ui.product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: { status: 'BLOCKED', description: 'Card reported lost' },
    });
    await ui.signIn(key, `/ui/accounts/${accountId}`);
    expect(await ui.page.textContent('table.timeline thead')).toContain('When (Asia/Kolkata)');
    expect(await ui.page.textContent('[data-fact="Time zone"]')).toBe('Asia/Kolkata');
    const row = await ui.page.$eval('table.timeline tbody tr', (tr) => ({
      datetime: tr.querySelector('time')!.getAttribute('datetime')!,
      when: tr.querySelector('time')!.textContent,
      who: tr.lastElementChild!.textContent,
      text: tr.textContent,
    }));
    expect(row.when).toBe(inKolkata(row.datetime));
    await ui.shotOf(ui.page.locator('table.timeline'), 'time-in-org-time-zone');

    expect(row.who).toBe('Initial test key (test key)');
    expect(row.text).not.toContain(keyId);
    expect(await ui.page.textContent('header .who')).toBe(
      'Signed in as Initial test key (test key), Kolkata Bank',
    );
    await ui.shot('actor-named-by-key');

    // The account moves on the page too, without a reload.
    await ui.product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: { status: 'NORMAL', description: 'Card found' },
    });
    await ui.page.waitForSelector('svg.machine-diagram g.state.current[data-state=NORMAL]');
    await ui.page.waitForSelector('table.timeline tbody tr:nth-child(2):has-text("Card found")');
    expect(await ui.page.textContent('[data-fact=Status]')).toBe('NORMAL');
  });

  it('links every run of an onboarding to its own page and to the Temporal Web UI, with steps in the org zone', async () => {
    const { orgId, key } = await createOrg('Linked Runs Bank');
    const onboarding = onboardingClient(ui.product.http);
    await onboarding.waitForEnvironments(orgId);
    await onboarding.send(orgId, { type: 'KICKOFF_HELD', network: 'VISA', notes: 'kickoff' });
    await ui.signIn(key, `/ui/workflows/org-onboarding-${orgId}`);

    const steps = await ui.page.$$eval('table.timeline tbody time', (times) =>
      times.map((t) => ({ datetime: t.getAttribute('datetime')!, text: t.textContent })),
    );
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(step.text).toBe(inKolkata(step.datetime));
    expect(await ui.page.textContent('h1')).toBe('Onboarding of Linked Runs Bank');

    const children = [
      `environment-provisioning-${orgId}-test`,
      `environment-provisioning-${orgId}-production`,
      `network-certification-${orgId}-visa`,
      `network-certification-${orgId}-mastercard`,
    ];
    const links = await ui.page.$$eval('dl.facts a', (as) => as.map((a) => a.getAttribute('href')));
    for (const child of children) expect(links).toContain(`/ui/workflows/${child}`);

    await ui.page.click(`dl.facts a[href="/ui/workflows/network-certification-${orgId}-visa"]`);
    await ui.page.waitForURL(ui.url(`/ui/workflows/network-certification-${orgId}-visa`));
    expect(await currentStates()).toEqual(['testPlanning']);
    expect(await ui.page.getAttribute('[data-testid=temporal-link]', 'href')).toContain(
      `/namespaces/default/workflows/network-certification-${orgId}-visa/`,
    );
    expect(await ui.page.getAttribute('[data-fact="Part of"] a', 'href')).toBe(
      `/ui/workflows/org-onboarding-${orgId}`,
    );
    const deadline = await ui.page.$eval('[data-fact=deadline] time', (t) => ({
      datetime: t.getAttribute('datetime')!,
      text: t.textContent,
    }));
    expect(deadline.text).toBe(inKolkata(deadline.datetime));
    const who = await ui.page.$$eval('table.timeline tbody tr', (trs) =>
      trs.map((tr) => tr.children[3]!.textContent),
    );
    expect(who).toContain('operator');
    await ui.shot('run-links-certification');
  });
});
