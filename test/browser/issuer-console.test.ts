import { describe, expect, it } from 'vitest';
import { browserSession } from '../support/browser.js';
import { createOrgWithKey } from '../support/harness.js';

// The issuer console in real Chromium: an org signed in with its test key runs its programs,
// status reasons, applications and accounts through forms alone; every action is the API's own
// route, so the API's rules (field errors, If-Match) answer in the page.

const ui = browserSession();

/** The answers Chromium reports on the console for a refused form: what these tests expect. */
const refusedForm = (problem: string) => /status of 4(00|09|12|22)/.test(problem);

async function openAccountThroughApplication(programName: string, name: string, doc: string) {
  const page = ui.page;
  await page.goto(ui.url('/ui/applications/new'));
  await page.selectOption('select[name=programId]', { label: programName });
  await page.fill('input[name=name]', name);
  await page.fill('input[name=documentNumber]', doc);
  await page.click('button[value=submit]');
  await page.waitForURL(/\/ui\/applications\/[0-9a-f-]{36}$/);
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getAttribute('[data-testid=created-account]', 'href', { timeout: 1000 });
      },
      { timeout: 60_000, interval: 250 },
    )
    .toMatch(/^\/ui\/accounts\/[0-9a-f-]{36}$/);
  return (await page.textContent('[data-testid=created-account]'))!;
}

describe('issuer console', () => {
  it('creates a program and a reason, opens an account through the application form, blocks, cancels, rolls back and links it', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Console Bank');
    const page = ui.page;

    // Home: the console's links for an org caller.
    await ui.signIn(key, '/ui');
    await page.click('a[href="/ui/programs"]');
    await page.waitForURL(ui.url('/ui/programs'));

    // A program through the form.
    await page.fill('.program-form input[name=name]', 'Console Gld');
    await page.selectOption('.program-form select[name=type]', 'PREPAID');
    await page.selectOption('.program-form select[name=cardNetwork]', 'VISA');
    await page.fill('.program-form input[name=currency]', 'BRL');
    await page.click('.program-form button[type=submit]');
    await page.waitForSelector('table.programs tr:has-text("Console Gld")');
    await ui.shot('issuer-program-created');
    // Its name corrected through the edit form (If-Match: the version the form showed).
    await page.click('table.programs a:has-text("Console Gld")');
    await page.fill('.program-form input[name=name]', 'Console Gold');
    await page.click('.program-form button[type=submit]');
    await page.waitForSelector('h1:has-text("Program Console Gold")');
    expect(await page.textContent('[data-fact=Version]')).toBe('2');
    await ui.shot('issuer-program-edited');

    // A reason for blocks only.
    await page.goto(ui.url('/ui/status-reasons'));
    await page.fill('.reason-form input[name=code]', 'FRAUD_ATTEMPT');
    await page.fill('.reason-form input[name=description]', 'Fraud attempt');
    await page.check('.reason-form input[name=appliesTo][value=BLOCKED]');
    await page.click('.reason-form button[type=submit]');
    await page.waitForSelector('table.reasons tr:has-text("FRAUD_ATTEMPT")');
    expect(await page.textContent('table.reasons tr:has-text("FRAUD_ATTEMPT")')).toContain(
      'BLOCKED',
    );
    await ui.shot('issuer-reason-created');

    // The application: a bad document number is refused next to its field, then corrected.
    await page.goto(ui.url('/ui/applications/new'));
    await page.selectOption('select[name=programId]', { label: 'Console Gold (PREPAID, BRL)' });
    await page.fill('input[name=name]', 'Ana Souza');
    await page.fill('input[name=documentNumber]', 'x');
    await page.fill('input[name=email]', 'ana@example.com');
    await page.click('button[value=submit]');
    const docError = page.locator('[data-field-error=documentNumber]');
    await docError.waitFor();
    expect(await docError.textContent()).toContain('3-32 letters');
    expect(await page.inputValue('input[name=name]')).toBe('Ana Souza');
    await ui.shot('issuer-application-field-error');
    // Chromium reports the refused form's 400 on the console: that is what this step wants
    ui.expectProblems(refusedForm);
    // Nothing was created by the refused submit
    expect((await ui.product.http('GET', '/v1/customers', { key })).body.items).toEqual([]);

    await page.fill('input[name=documentNumber]', 'CPF-123.456');
    await page.click('button[value=submit]');
    await page.waitForURL(/\/ui\/applications\/[0-9a-f-]{36}$/);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.textContent('[data-fact=Status]');
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe('ACCOUNT_CREATED');
    await ui.shot('issuer-application-account-created');
    await page.click('[data-testid=created-account]');
    await page.waitForURL(/\/ui\/accounts\/[0-9a-f-]{36}$/);
    const accountId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.textContent('[data-fact=Status]')).toBe('NORMAL');

    // NORMAL allows BLOCK and CANCEL; the block's reasons are those for BLOCKED only.
    const targets = await page.$$eval('form.status-action', (forms) =>
      forms.map((f) => f.getAttribute('data-target-status')),
    );
    expect(targets.sort()).toEqual(['BLOCKED', 'CANCELLED']);
    const reasonsFor = (status: string) =>
      page.$$eval(`form[data-target-status=${status}] select[name=reasonId] option`, (os) =>
        os.map((o) => o.textContent ?? ''),
      );
    expect((await reasonsFor('BLOCKED')).some((o) => o.startsWith('FRAUD_ATTEMPT'))).toBe(true);
    expect((await reasonsFor('CANCELLED')).some((o) => o.startsWith('FRAUD_ATTEMPT'))).toBe(false);
    await ui.shot('issuer-account-normal');

    // Block with the reason and an end time on the org's clock (São Paulo, UTC-3).
    const block = page.locator('form[data-target-status=BLOCKED]');
    await block
      .locator('select[name=reasonId]')
      .selectOption({ label: 'FRAUD_ATTEMPT: Fraud attempt' });
    await block.locator('input[name=until]').fill('2099-01-01T10:00');
    await block.locator('button[type=submit]').click();
    await page.waitForSelector('.account-actions:has-text("Allowed now from BLOCKED")');
    expect(await page.textContent('[data-fact=Status]')).toBe('BLOCKED');
    expect(await page.textContent('[data-fact=Reason]')).toContain('FRAUD_ATTEMPT');
    expect(await page.textContent('[data-fact="Blocked until"]')).toContain('2099-01-01 10:00:00');
    const blocked = await ui.product.http('GET', `/v1/accounts/${accountId}`, { key });
    expect(blocked.body.blockedUntil).toBe('2099-01-01T13:00:00.000Z');
    await ui.shot('issuer-account-blocked');

    // Cancel, then roll back to the status before cancellation.
    await page.fill(
      'form[data-target-status=CANCELLED] input[name=description]',
      'Closed by console',
    );
    await page.click('form[data-target-status=CANCELLED] button[type=submit]');
    await page.waitForSelector('form[data-target-status=rollback]');
    expect(await page.textContent('[data-fact=Status]')).toBe('CANCELLED');
    await ui.shot('issuer-account-cancelled');
    await page.click('form[data-target-status=rollback] button[type=submit]');
    await page.waitForSelector('.account-actions:has-text("Allowed now from BLOCKED")');
    expect(await page.textContent('[data-fact=Status]')).toBe('BLOCKED');
    const history = await page.$$eval('table.timeline tbody tr', (rows) =>
      rows.map((r) => r.textContent ?? ''),
    );
    expect(history).toHaveLength(3);
    expect(history[2]).toContain('CANCELLED → BLOCKED (rollback)');
    await ui.shot('issuer-account-rolled-back');

    // Test money: BLOCKED takes cash-in only.
    expect(await page.isDisabled('form[action$="/transactions"] option[value=CASH_OUT]')).toBe(
      true,
    );
    await page.fill('form[action$="/transactions"] input[name=amount]', '1050');
    await page.click('form[action$="/transactions"] button[type=submit]');
    await page.waitForSelector('[data-fact=Balance]:has-text("1050")');
    await ui.shot('issuer-account-cash-in');

    // A second account, opened through the console, linked under the first.
    const childId = await openAccountThroughApplication(
      'Console Gold (PREPAID, BRL)',
      'Bia Souza',
      'CPF-654.321',
    );
    await page.goto(ui.url(`/ui/accounts/${childId}`));
    await page.fill('form[action$="/parent"] input[name=parentAccountId]', accountId);
    await page.click('form[action$="/parent"] button[type=submit]');
    await page.waitForSelector(`.related a[href="/ui/accounts/${accountId}"]`);
    await page.goto(ui.url(`/ui/accounts/${accountId}`));
    await page.waitForSelector(`tr[data-related="${childId}"][data-level=child]`);
    await ui.shot('issuer-account-tree');

    // The accounts list finds both by the holder's document.
    await page.goto(ui.url('/ui/accounts'));
    await page.fill('input[name=customerDocument]', 'CPF-654.321');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/customerDocument=CPF-654.321/);
    expect(
      await page.$$eval('table.accounts tbody tr', (rows) =>
        rows.map((r) => r.getAttribute('data-account')),
      ),
    ).toEqual([childId]);
    await ui.shot('issuer-accounts-search');
  });

  it('refuses a change made on a stale page with the server’s reason, and changes nothing', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Stale Tab Bank');
    const program = await ui.product.http('POST', '/v1/programs', {
      key,
      json: { name: 'Stale Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
    });
    expect(program.status).toBe(201);
    await ui.signIn(key, '/ui');
    const accountId = await openAccountThroughApplication(
      'Stale Gold (PREPAID, BRL)',
      'Caio Lima',
      'CPF-777.888',
    );
    const accountPage = ui.url(`/ui/accounts/${accountId}`);

    // Two tabs on the same account at version 1.
    const first = ui.page;
    await first.goto(accountPage);
    const second = await first.context().newPage();
    await second.goto(accountPage);
    await second.click('form[data-target-status=BLOCKED] button[type=submit]');
    await second.waitForSelector('.account-actions:has-text("Allowed now from BLOCKED")');
    const before = await ui.product.http('GET', `/v1/accounts/${accountId}`, { key });
    expect(before.body.status).toBe('BLOCKED');

    // The first tab still shows NORMAL; its cancel carries the version it showed.
    await first.fill(
      'form[data-target-status=CANCELLED] input[name=description]',
      'From a stale tab',
    );
    await first.click('form[data-target-status=CANCELLED] button[type=submit]');
    const error = first.locator('form[data-target-status=CANCELLED] .error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/version/i);
    await ui.shot('issuer-stale-if-match-refused');
    ui.expectProblems(refusedForm);
    const after = await ui.product.http('GET', `/v1/accounts/${accountId}`, { key });
    expect(after.body.status).toBe('BLOCKED');
    expect(after.body.version).toBe(before.body.version);
    await second.close();
  });
});
