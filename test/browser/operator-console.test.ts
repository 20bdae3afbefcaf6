import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSession } from '../support/browser.js';
import { OPERATOR_KEY, createOrgWithKey, eventually } from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// The operator console in real Chromium: everything an operator does, through its pages alone.

const ui = browserSession();

const STEP_MS = 60_000;

/** The event forms the board offers, as "TYPE target". */
async function offered(page: Page): Promise<string[]> {
  return page.$$eval('form.event', (forms) =>
    forms
      .map((f) => `${f.getAttribute('data-event')} ${f.getAttribute('data-target')}`.trim())
      .sort(),
  );
}

/** Reloads the board until the event is offered (the processes move on their own meanwhile). */
async function waitForEvent(page: Page, type: string, target = '') {
  const form = page.locator(`form.event[data-event="${type}"][data-target="${target}"]`);
  await expect
    .poll(
      async () => {
        if ((await form.count()) > 0) return true;
        await page.reload();
        return false;
      },
      { timeout: STEP_MS, interval: 200 },
    )
    .toBe(true);
  return form;
}

/** Clicks the board's button for one event, with its evidence, and lands back on the board. */
async function send(page: Page, type: string, target = '', notes = `${type} ${target}`.trim()) {
  const form = await waitForEvent(page, type, target);
  await form.locator('textarea[name=notes]').fill(notes);
  await Promise.all([
    page.waitForURL(
      (url) =>
        url.searchParams.get('sent') === type && (url.searchParams.get('to') ?? '') === target,
    ),
    form.locator('button[type=submit]').click(),
  ]);
  expect(await page.textContent('[data-testid=sent]')).toContain(type);
}

async function stepRows(page: Page): Promise<string[]> {
  return page.$$eval('table.steps tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
}

describe('operator console', () => {
  it('creates an org through its form and takes it through every onboarding step to live', async () => {
    await ui.signIn(OPERATOR_KEY, '/ui/orgs');
    expect(await ui.page.getAttribute('header a[href="/ui/orgs"]', 'href')).toBe('/ui/orgs');

    // A refused form: each field's message beside its field, nothing created.
    const orgsBefore = await ui.product.prisma.org.count();
    await Promise.all([
      ui.page.waitForURL(ui.url('/ui/orgs/new')),
      ui.page.click('[data-testid=new-org]'),
    ]);
    await ui.page.fill('input[name=legalName]', 'Console Pagamentos S.A.');
    await ui.page.fill('input[name="address.line1"]', 'Av. Paulista 1000');
    await ui.page.fill('input[name="address.city"]', 'São Paulo');
    await ui.page.fill('input[name="address.postalCode"]', '01310-100');
    await ui.page.fill('input[name="address.country"]', 'BR');
    await ui.page.fill('input[name=timeZone]', 'Mars/Olympus_Mons');
    await ui.page.uncheck('input[name=networks][value=VISA]');
    await ui.page.uncheck('input[name=networks][value=MASTERCARD]');
    await Promise.all([ui.page.waitForLoadState(), ui.page.click('button:has-text("Create org")')]);
    await ui.page.waitForSelector('[data-field-error=timeZone]');
    expect(await ui.page.textContent('[data-field-error=timeZone]')).toContain('IANA time zone');
    expect(await ui.page.textContent('[data-field-error=networks]')).toBeTruthy();
    expect(await ui.page.inputValue('input[name=legalName]')).toBe('Console Pagamentos S.A.');
    expect(await ui.product.prisma.org.count()).toBe(orgsBefore);
    await ui.shot('operator-new-org-refused');
    ui.expectProblems((p) => p.includes('status of 400'));

    // The org, and its test key shown once.
    await ui.page.fill('input[name=timeZone]', 'Asia/Kolkata');
    await ui.page.check('input[name=networks][value=VISA]');
    await ui.page.check('input[name=networks][value=MASTERCARD]');
    await Promise.all([ui.page.waitForLoadState(), ui.page.click('button:has-text("Create org")')]);
    await ui.page.waitForSelector('[data-testid=new-api-key]');
    const testKey = (await ui.page.textContent('[data-testid=new-api-key]'))!.trim();
    const orgId = (await ui.page.textContent('[data-testid=org-id]'))!.trim();
    expect(testKey).toMatch(/^cie_test_/);
    expect((await ui.product.http('GET', '/v1/programs', { key: testKey })).status).toBe(200);
    await ui.shot('operator-org-created');

    await Promise.all([
      ui.page.waitForURL(ui.url(`/ui/orgs/${orgId}`)),
      ui.page.click('[data-testid=open-org]'),
    ]);
    expect(await ui.page.content()).not.toContain(testKey);
    expect(await ui.page.textContent('[data-fact=Status]')).toBe('ONBOARDING');
    expect(await ui.page.textContent('[data-fact="Time zone"]')).toBe('Asia/Kolkata');
    expect(await ui.page.textContent('table.api-keys')).toContain('GMT+5:30');
    await waitForEvent(ui.page, 'SERVICE_DESK_ACCESS_GRANTED');
    await ui.shot('operator-board-new');

    // A stale board (another tab opened before the step) offers an event no longer allowed: the
    // server's reason is shown and nothing changes.
    const stale = await ui.page.context().newPage();
    await stale.goto(ui.url(`/ui/orgs/${orgId}`));
    await send(ui.page, 'SERVICE_DESK_ACCESS_GRANTED', '', 'ticket SD-1');
    const stepsAfter = await stepRows(ui.page);
    expect(stepsAfter.filter((s) => s.includes('SERVICE_DESK_ACCESS_GRANTED'))).toHaveLength(1);
    expect(stepsAfter.join()).toContain('ticket SD-1');
    const staleForm = stale.locator('form.event[data-event=SERVICE_DESK_ACCESS_GRANTED]');
    await staleForm.locator('textarea[name=notes]').fill('ticket SD-2');
    const [refusal] = await Promise.all([
      stale.waitForResponse((r) => r.request().method() === 'POST'),
      staleForm.locator('button[type=submit]').click(),
    ]);
    expect(refusal.status()).toBe(409);
    await stale.waitForSelector('[data-testid=problem]');
    expect(await stale.textContent('[data-testid=problem]')).toMatch(
      /SERVICE_DESK_ACCESS_GRANTED.*not allowed/,
    );
    expect(await offered(stale)).not.toContain('SERVICE_DESK_ACCESS_GRANTED');
    // The processes' own steps go on meanwhile; the operator's are as they were.
    const operatorSteps = (rows: string[]) => rows.filter((s) => !s.includes('system'));
    expect(operatorSteps(await stepRows(stale))).toEqual(operatorSteps(stepsAfter));
    expect(await stale.content()).not.toContain('ticket SD-2</td>');
    await ui.shotOf(stale.locator('body'), 'operator-event-refused');
    await stale.close();
    const history = (await onboardingClient(ui.product.http).get(orgId)).history;
    expect(history.filter((s) => s.event === 'SERVICE_DESK_ACCESS_GRANTED')).toHaveLength(1);

    // The board offers exactly what the machines accept now, nothing else.
    await waitForEvent(ui.page, 'KICKOFF_HELD', 'VISA');
    await expect
      .poll(
        async () => {
          await ui.page.reload();
          const overview = await onboardingClient(ui.product.http).get(orgId);
          const allowed = overview.allowedEvents
            .map((e) => `${e.type} ${e.network ?? e.environment ?? ''}`.trim())
            .sort();
          return JSON.stringify(await offered(ui.page)) === JSON.stringify(allowed);
        },
        { timeout: STEP_MS, interval: 200 },
      )
      .toBe(true);
    await ui.shot('operator-board-certifying');

    for (const type of ['KICKOFF_HELD', 'TEST_PLAN_AGREED', 'RESULTS_SUBMITTED', 'CERTIFIED'])
      await send(ui.page, type, 'VISA', `Visa ${type.toLowerCase()}`);
    for (const type of [
      'KICKOFF_HELD',
      'TEST_PLAN_AGREED',
      'RESULTS_SUBMITTED',
      'FAILED',
      'RESULTS_SUBMITTED',
    ])
      await send(ui.page, type, 'MASTERCARD', `Mastercard ${type.toLowerCase()}`);

    // Mastercard's certification timeline: milestones with evidence, reminders, the deadline.
    const mastercard = ui.page.locator('section.certification[data-network=MASTERCARD]');
    expect(await mastercard.locator('[data-fact=stage]').textContent()).toBe('underReview');
    expect(await mastercard.locator('[data-fact=days-left]').textContent()).toMatch(
      /^1(79|80) days left$/,
    );
    expect(await mastercard.locator('[data-fact=reminders]').textContent()).toBe('0');
    expect(await mastercard.locator('[data-fact=escalated]').textContent()).toBe('not escalated');
    const milestones = await mastercard
      .locator('table.milestones tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(milestones).toHaveLength(5);
    expect(milestones[3]).toContain('FAILED');
    expect(milestones[3]).toContain('Mastercard failed');
    expect(milestones[3]).toContain('operator');
    expect(milestones[3]).toContain('GMT+5:30');
    const runLinks = await mastercard
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(runLinks).toContain(`/ui/workflows/network-certification-${orgId}-mastercard`);
    expect(runLinks.some((href) => href?.startsWith('http://localhost:8233/namespaces/'))).toBe(
      true,
    );
    await ui.shotOf(mastercard, 'operator-certification-timeline');

    await send(ui.page, 'CERTIFIED', 'MASTERCARD', 'letter MC-123');
    await send(ui.page, 'CONTROL_CENTER_ACCESS_GRANTED', '', '3 users');

    // Live: ACTIVE, every process done, nothing more offered.
    await expect
      .poll(
        async () => {
          await ui.page.reload();
          return `${await ui.page.textContent('[data-fact=Status]')} ${await ui.page.textContent('[data-fact=Onboarding]')}`;
        },
        { timeout: STEP_MS, interval: 200 },
      )
      .toBe('ACTIVE live');
    expect(await offered(ui.page)).toEqual([]);
    expect(await ui.page.textContent('[data-testid=no-events]')).toContain('done');
    expect(
      await ui.page.$$eval('table.processes tbody tr td:nth-child(3)', (tds) =>
        tds.map((td) => td.textContent),
      ),
    ).toEqual(['yes', 'yes', 'yes', 'yes', 'yes', 'yes']);
    expect((await ui.product.prisma.org.findUniqueOrThrow({ where: { id: orgId } })).status).toBe(
      'ACTIVE',
    );
    await ui.shot('operator-org-live');

    // The orgs list, filtered: the org is ACTIVE and live, each region done.
    await ui.page.goto(ui.url('/ui/orgs?status=ACTIVE&onboardingStage=live'));
    const row = ui.page.locator(`tr[data-org="${orgId}"]`);
    expect(await row.locator('[data-cell=status]').textContent()).toBe('ACTIVE');
    expect(await row.locator('[data-cell=stage]').textContent()).toBe('live');
    expect(await row.locator('li').count()).toBe(6);
    expect(await row.locator('li .done').count()).toBe(6);
    await ui.shot('operator-orgs-live');
    await ui.page.goto(ui.url('/ui/orgs?status=ONBOARDING'));
    expect(await ui.page.locator(`tr[data-org="${orgId}"]`).count()).toBe(0);
  });

  /** An org whose environments are verified, on the board signed in as the operator. */
  async function boardWithEnvironmentsReady(legalName: string) {
    const { orgId } = await createOrgWithKey(ui.product.http, legalName, ['VISA', 'MASTERCARD']);
    const onboarding = onboardingClient(ui.product.http);
    await onboarding.waitForEnvironments(orgId);
    await ui.signIn(OPERATOR_KEY, `/ui/orgs/${orgId}`);
    return { orgId, onboarding };
  }

  it("lists in a stale board's refusal exactly the buttons the board shows", async () => {
    const { orgId } = await boardWithEnvironmentsReady('Stale Board Bank');
    const stale = await ui.page.context().newPage();
    await stale.goto(ui.url(`/ui/orgs/${orgId}`));
    await send(ui.page, 'SERVICE_DESK_ACCESS_GRANTED', '', 'ticket SD-1');

    const staleForm = stale.locator('form.event[data-event=SERVICE_DESK_ACCESS_GRANTED]');
    await Promise.all([
      stale.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 409),
      staleForm.locator('button[type=submit]').click(),
    ]);
    await stale.waitForSelector('[data-testid=problem]');
    const buttons = await stale.$$eval('form.event button[type=submit]', (bs) =>
      bs.map((b) => b.textContent?.trim() ?? '').sort(),
    );
    // Control Center access, and kickoff and cancel for each network
    expect(buttons).toHaveLength(5);
    const notice = await stale
      .locator('section[role=alert] p', { hasText: 'Accepted now:' })
      .textContent();
    expect(notice!.replace('Accepted now:', '').trim().split(', ').sort()).toEqual(buttons);
    await ui.shotOf(stale.locator('body'), 'operator-refusal-lists-the-buttons');
    await stale.close();
  });

  it('shows a cancelled network as cancelled on the board and the run page, never certified', async () => {
    const { orgId, onboarding } = await boardWithEnvironmentsReady('Cancelled Network Bank');
    await send(ui.page, 'CANCEL', 'MASTERCARD', 'not this year');
    await onboarding.certify(orgId, 'VISA');
    await onboarding.waitFor(orgId, (o) => o.stages.includes('certification.certified'));
    await ui.page.reload();
    const mastercardSteps = (await stepRows(ui.page)).filter((row) => row.includes('MASTERCARD'));
    expect(mastercardSteps.filter((row) => row.includes('CERTIFICATION_ENDED'))).toEqual([
      expect.stringContaining('inProgress → cancelled'),
    ]);
    expect(mastercardSteps.filter((row) => row.includes('certified'))).toEqual([]);
    expect(
      await ui.page
        .locator(
          'table.processes tr[data-process=certification][data-target=MASTERCARD] [data-cell=stage]',
        )
        .textContent(),
    ).toBe('cancelled');
    expect(
      await ui.page
        .locator('section.certification[data-network=MASTERCARD] [data-fact=stage]')
        .textContent(),
    ).toBe('cancelled');
    await ui.shot('operator-board-network-cancelled');

    // The onboarding's run page says the same.
    await ui.page.goto(ui.url(`/ui/workflows/org-onboarding-${orgId}`));
    const runSteps = await ui.page.$$eval('table.timeline tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    const mastercardRunSteps = runSteps.filter((row) => row.includes('MASTERCARD'));
    expect(mastercardRunSteps.filter((row) => row.includes('CERTIFICATION_ENDED'))).toEqual([
      expect.stringContaining('inProgress → cancelled'),
    ]);
    expect(mastercardRunSteps.filter((row) => row.includes('certified'))).toEqual([]);
    expect(await ui.page.textContent('[data-fact="certification MASTERCARD"]')).toContain(
      'cancelled',
    );
  });

  it('shows what the first submit did when an event is double-clicked or its form sent twice, and applies it once', async () => {
    const { orgId } = await createOrgWithKey(ui.product.http, 'Double Click Bank', ['VISA']);
    const page = ui.page;
    await ui.signIn(OPERATOR_KEY, `/ui/orgs/${orgId}`);

    // A double click: the page sends the form once and lands on its answer.
    const grant = await waitForEvent(page, 'SERVICE_DESK_ACCESS_GRANTED');
    await grant.locator('textarea[name=notes]').fill('ticket SD-9');
    const posts = await ui.doubleClick(grant.locator('button[type=submit]'), () =>
      page.waitForURL((url) => url.searchParams.get('sent') === 'SERVICE_DESK_ACCESS_GRANTED'),
    );
    expect(posts).toHaveLength(1);
    expect(await page.textContent('[data-testid=sent]')).toContain('SERVICE_DESK_ACCESS_GRANTED');
    expect(await page.locator('[data-testid=problem]').count()).toBe(0);
    await ui.shot('operator-event-double-click');

    // The same form sent twice at once, past the page's script (its Idempotency-Key in both):
    // each answer is the first submit's outcome, the second having waited for it.
    const kickoff = await waitForEvent(page, 'KICKOFF_HELD', 'VISA');
    await kickoff.locator('textarea[name=notes]').fill('kickoff sent twice');
    const sent = await ui.formOf(kickoff);
    const answers = await Promise.all([ui.post(sent), ui.post(sent)]);
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(new URL(answer.url).searchParams.get('sent')).toBe('KICKOFF_HELD');
      expect(answer.text).not.toContain('still running');
      expect(answer.text).not.toContain('Nothing was changed');
    }

    const overview = await onboardingClient(ui.product.http).get(orgId);
    expect(overview.history.filter((s) => s.event === 'SERVICE_DESK_ACCESS_GRANTED')).toHaveLength(
      1,
    );
    const visa = overview.processes.find((p) => p.network === 'VISA');
    const milestones = (visa?.details?.history ?? []) as { event: string; notes?: string }[];
    expect(milestones.filter((m) => m.event === 'KICKOFF_HELD')).toEqual([
      expect.objectContaining({ notes: 'kickoff sent twice' }),
    ]);
  });

  it('pages through the orgs list with its cursor', async () => {
    for (const name of ['Paged Bank A', 'Paged Bank B', 'Paged Bank C'])
      await createOrgWithKey(ui.product.http, name, ['VISA']);
    const total = await ui.product.prisma.org.count();
    await ui.signIn(OPERATOR_KEY, '/ui/orgs?limit=2');
    const seen = new Set<string>();
    let pages = 0;
    for (;;) {
      pages += 1;
      const ids = await ui.page.$$eval('tr[data-org]', (trs) =>
        trs.map((tr) => tr.getAttribute('data-org')!),
      );
      for (const id of ids) seen.add(id);
      const next = await (await ui.page.$('a[rel=next]'))?.getAttribute('href');
      if (!next) break;
      await ui.page.goto(ui.url(next));
    }
    expect(seen.size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 2));
    await ui.shot('operator-orgs-list');
  });

  it("issues, rotates and revokes an org's API keys, showing each new secret once", async () => {
    const { orgId, key: initialKey } = await createOrgWithKey(ui.product.http, 'Keys Bank', [
      'VISA',
    ]);
    // Keys are issued for an environment once its provisioning has verified it.
    await eventually(async () => {
      const test = await ui.product.prisma.environment.findUnique({
        where: { orgId_kind: { orgId, kind: 'TEST' } },
      });
      return test?.status === 'READY' ? test : undefined;
    });
    await ui.signIn(OPERATOR_KEY, `/ui/orgs/${orgId}`);
    const keyRows = () =>
      ui.page.$$eval('table.api-keys tbody tr', (trs) =>
        trs.map((tr) => ({
          id: tr.getAttribute('data-key'),
          state: tr.querySelector('[data-cell=state]')?.textContent,
          text: tr.textContent ?? '',
        })),
      );
    const [initial] = await keyRows();
    expect(initial!.state).toBe('ACTIVE');
    expect(await ui.page.content()).not.toContain(initialKey);

    // Issue a second test key: its secret is on the answer page only.
    await ui.page.selectOption('select[name=environment]', 'TEST');
    await ui.page.fill('input[name=name]', 'CI runner');
    await Promise.all([ui.page.waitForLoadState(), ui.page.click('button:has-text("Issue key")')]);
    await ui.page.waitForSelector('[data-testid=new-api-key]');
    const issued = (await ui.page.textContent('[data-testid=new-api-key]'))!.trim();
    expect(issued).toMatch(/^cie_test_/);

    // Rotate it: a new secret, the old key rotating until its grace ends.
    await ui.page.goto(ui.url(`/ui/orgs/${orgId}`));
    const ci = (await keyRows()).find((k) => k.text.includes('CI runner'))!;
    await Promise.all([
      ui.page.waitForLoadState(),
      ui.page.click(`tr[data-key="${ci.id}"] [data-action=rotate]`),
    ]);
    await ui.page.waitForSelector('[data-testid=new-api-key]');
    const rotated = (await ui.page.textContent('[data-testid=new-api-key]'))!.trim();
    expect(rotated).toMatch(/^cie_test_/);
    expect(rotated).not.toBe(issued);
    expect((await ui.product.http('GET', '/v1/programs', { key: rotated })).status).toBe(200);
    await ui.shot('operator-key-rotated');

    // Revoke the initial key: refused by the API from then on.
    await ui.page.goto(ui.url(`/ui/orgs/${orgId}`));
    expect((await keyRows()).find((k) => k.id === ci.id)!.state).toBe('ROTATING');
    await Promise.all([
      ui.page.waitForURL((url) => url.pathname === `/ui/orgs/${orgId}`),
      ui.page.click(`tr[data-key="${initial!.id}"] [data-action=revoke]`),
    ]);
    const after = await keyRows();
    expect(after.find((k) => k.id === initial!.id)!.state).toBe('REVOKED');
    expect(await ui.page.locator(`tr[data-key="${initial!.id}"] button`).count()).toBe(0);
    expect(after.map((k) => k.text).join()).not.toContain(rotated);
    expect((await ui.product.http('GET', '/v1/programs', { key: initialKey })).status).toBe(401);
    await ui.shot('operator-key-revoked');
  });
});
