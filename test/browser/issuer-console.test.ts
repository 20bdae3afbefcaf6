import { describe, expect, it } from 'vitest';
import { addDays, localDate, zonedInstant } from '../../common/plain-dates.js';
import { lastChangeDate } from '../../machines/credit-cycle.js';
import { createDailyBalanceService } from '../../services/daily-balances.js';
import { browserSession } from '../support/browser.js';
import {
  backdateLedger,
  createAccount,
  createOrgWithKey,
  OPERATOR_KEY,
  sampleOrg,
} from '../support/harness.js';

// The issuer console in real Chromium: an org signed in with its test key runs its programs,
// status reasons, applications and accounts through forms alone; every action is the API's own
// route, so the API's rules (field errors, If-Match) answer in the page.

const ui = browserSession();

/** The answers Chromium reports on the console for a refused form: what these tests expect. */
const refusedForm = (problem: string) => /status of 4(00|09|12|22)/.test(problem);

/** How long a live page may take to follow a change: a few of its 2 s polls on a busy machine. */
const LIVE_MS = 30_000;

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
    // Restored as it was: the reason and the end of the block
    expect(await page.textContent('[data-fact=Reason]')).toContain('FRAUD_ATTEMPT');
    expect(await page.textContent('[data-fact="Blocked until"]')).toContain('2099-01-01 10:00:00');
    const history = await page.$$eval('table.timeline tbody tr', (rows) =>
      rows.map((r) => r.textContent ?? ''),
    );
    expect(history).toHaveLength(3);
    expect(history[2]).toContain('CANCELLED → BLOCKED (rollback, restored as it was)');
    await ui.shot('issuer-account-rolled-back');

    // Test money: BLOCKED takes cash-in only.
    expect(await page.isDisabled('form[action$="/transactions"] option[value=CASH_OUT]')).toBe(
      true,
    );
    await page.fill('form[action$="/transactions"] input[name=amount]', '1050');
    await page.click('form[action$="/transactions"] button[type=submit]');
    await page.waitForSelector('[data-fact=Balance]:has-text("10,50")');
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

    // Two tabs on the same account at version 1; the first one hidden, so it keeps the page as
    // drawn (a live page polls only while visible).
    const first = ui.page;
    await first.goto(accountPage);
    await first.evaluate(() => {
      const { document } = globalThis as unknown as {
        document: { dispatchEvent(event: Event): boolean };
      };
      Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        get: () => 'hidden',
      });
      document.dispatchEvent(new Event('visibilitychange'));
    });
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

  it('moves money once when Move money is double-clicked or its form sent twice, and shows amounts as money', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Double Money Bank');
    const program = await ui.product.http('POST', '/v1/programs', {
      key,
      json: {
        name: 'Money Credit',
        type: 'CREDIT',
        cardNetwork: 'VISA',
        currency: 'BRL',
        dueDays: [10],
        defaultCreditLimit: 500_000,
      },
    });
    expect(program.status, JSON.stringify(program.body)).toBe(201);
    const created = await ui.product.http('POST', '/v1/accounts', {
      key,
      json: {
        programId: program.body.id,
        owner: { person: { name: 'Lia Prado', documentNumber: 'CPF-555.444' } },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const accountId = created.body.id as string;
    const balance = async () =>
      (await ui.product.http('GET', `/v1/accounts/${accountId}`, { key })).body.balance;
    const page = ui.page;
    await ui.signIn(key, `/ui/accounts/${accountId}`);
    // Money in the org's notation (a Brazilian org: pt-BR); the API keeps minor units.
    const shown = (selector: string) =>
      page.$eval(selector, (e) => (e.textContent ?? '').replace(/\u00a0/g, ' '));
    expect(await shown('[data-fact=Balance]')).toBe('R$ 0,00');

    // A double click: one submit, the page on its answer, the money moved once.
    const form = page.locator('form[action$="/transactions"]');
    await form.locator('input[name=amount]').fill('1050');
    const posts = await ui.doubleClick(form.locator('button[type=submit]'), () =>
      page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith(accountId)),
    );
    await page.waitForLoadState();
    expect(posts).toHaveLength(1);
    expect(await balance()).toBe(1050);
    expect(await shown('[data-fact=Balance]')).toBe('R$ 10,50');
    await ui.shot('issuer-move-money-double-click');

    // The same form sent twice at once, past the page's script: both answers are the account
    // page after the first submit, and the money moved once.
    await page.fill('form[action$="/transactions"] input[name=amount]', '2000');
    const sent = await ui.formOf(page.locator('form[action$="/transactions"]'));
    const answers = await Promise.all([ui.post(sent), ui.post(sent)]);
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(new URL(answer.url).pathname).toBe(`/ui/accounts/${accountId}`);
      expect(answer.text).not.toContain('still running');
    }
    expect(await balance()).toBe(3050);

    await page.reload();
    expect(await shown('[data-fact=Balance]')).toBe('R$ 30,50');
    const related = await page.$$eval('tr[data-related] td', (tds) =>
      tds.map((td) => (td.textContent ?? '').replace(/\u00a0/g, ' ')),
    );
    expect(related.slice(3)).toEqual(['R$ 30,50', 'R$ 5.030,50']);
    await ui.shotOf(page.locator('section.related'), 'issuer-account-money');
  });

  it('offers the actions of the status another tab moved the account to, and still refuses a form drawn before', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Live Actions Bank');
    const { accountId } = await createAccount(ui.product.http, key);
    const page = ui.page;
    await ui.signIn(key, `/ui/accounts/${accountId}`);
    const targets = () =>
      page.$$eval('form.status-action', (forms) =>
        forms.map((f) => f.getAttribute('data-target-status')).sort(),
      );
    expect(await targets()).toEqual(['BLOCKED', 'CANCELLED']);
    const drawnBefore = await ui.formOf(page.locator('form[data-target-status=CANCELLED]'));

    // Another tab (the API) blocks it: the page follows without a reload, actions included.
    const blocked = await ui.product.http('PATCH', `/v1/accounts/${accountId}/status`, {
      key,
      json: { status: 'BLOCKED' },
      headers: { 'if-match': '"v1"' },
    });
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(200);
    await page.waitForSelector('.account-actions:has-text("Allowed now from BLOCKED")', {
      timeout: LIVE_MS,
    });
    expect(await page.textContent('[data-fact=Status]')).toBe('BLOCKED');
    expect(await targets()).toEqual(['BLOCKED', 'CANCELLED', 'NORMAL']);
    expect(await page.inputValue('form[data-target-status=NORMAL] input[name=version]')).toBe(
      String(blocked.body.version),
    );
    expect(await page.isDisabled('form[action$="/transactions"] option[value=CASH_OUT]')).toBe(
      true,
    );
    await ui.shot('issuer-live-actions-blocked');

    // The cancel drawn at version 1 still carries it: refused, nothing changed.
    const stale = await ui.post(drawnBefore);
    expect(stale.status).toBe(412);
    expect(stale.text).toMatch(/version/i);
    ui.expectProblems(refusedForm);
    const after = await ui.product.http('GET', `/v1/accounts/${accountId}`, { key });
    expect(after.body.status).toBe('BLOCKED');
    expect(after.body.version).toBe(blocked.body.version);

    // The forms drawn anew carry the new version: unblocking from them works.
    await page.click('form[data-target-status=NORMAL] button[type=submit]');
    await page.waitForSelector('.account-actions:has-text("Allowed now from NORMAL")');
    expect((await ui.product.http('GET', `/v1/accounts/${accountId}`, { key })).body.status).toBe(
      'NORMAL',
    );
  });

  it('turns the daily account limits report off and on from the reports page', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Report Switch Bank');
    const page = ui.page;
    await ui.signIn(key, '/ui/reports');
    const state = page.locator('[data-fact=report-schedule]');
    expect(await state.textContent()).toBe('on');
    await page.click('.report-schedule button[type=submit]');
    await page.waitForSelector('[data-fact=report-schedule]:text-is("off")');
    const schedule = () => ui.product.http('GET', '/v1/report-schedules/account_limits', { key });
    expect((await schedule()).body).toMatchObject({ enabled: false, version: 2 });
    await page.click('.report-schedule button[type=submit]');
    await page.waitForSelector('[data-fact=report-schedule]:text-is("on")');
    expect((await schedule()).body).toMatchObject({ enabled: true, version: 3 });
  });

  it('adds a joint holder through the form, a field error corrected on the way, and links each customer to its accounts', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Joint Bank');
    const { accountId } = await createAccount(ui.product.http, key, {
      documentNumber: 'CPF-100.200',
    });
    const page = ui.page;
    await ui.signIn(key, `/ui/accounts/${accountId}`);
    const rows = () =>
      page.$$eval('table.account-customers tbody tr', (trs) =>
        trs.map((tr) => [tr.getAttribute('data-role'), tr.textContent ?? '']),
      );
    expect(await rows()).toEqual([['HOLDER', expect.stringContaining('Maria Silva')]]);

    // A document number the API refuses: its message beside the field, the name kept.
    const form = page.locator('form.customer-form');
    await form.locator('input[name=name]').fill('Joana Lima');
    await form.locator('input[name=documentNumber]').fill('x');
    await form.locator('button[type=submit]').click();
    const docError = page.locator('form.customer-form [data-field-error=documentNumber]');
    await docError.waitFor();
    expect(await docError.textContent()).toContain('3-32 letters');
    expect(await page.inputValue('form.customer-form input[name=name]')).toBe('Joana Lima');
    await ui.shot('issuer-customer-field-error');
    ui.expectProblems(refusedForm);
    const before = await ui.product.http('GET', `/v1/accounts/${accountId}/customers`, { key });
    expect(before.body.items).toHaveLength(1);

    await page.fill('form.customer-form input[name=documentNumber]', 'CPF-300.400');
    await page.click('form.customer-form button[type=submit]');
    await page.waitForSelector('table.account-customers tr[data-role=ADDITIONAL]');
    expect(new URL(page.url()).pathname).toBe(`/ui/accounts/${accountId}`);
    expect(await rows()).toEqual([
      ['HOLDER', expect.stringContaining('Maria Silva')],
      ['ADDITIONAL', expect.stringContaining('Joana Lima')],
    ]);
    expect(await page.locator('form.customer-form .error').count()).toBe(0);
    await ui.shotOf(page.locator('section.customers'), 'issuer-customer-joint-holder');
    const after = await ui.product.http('GET', `/v1/accounts/${accountId}/customers`, { key });
    expect(after.body.items.map((i: { role: string }) => i.role)).toEqual(['HOLDER', 'ADDITIONAL']);

    // The joint holder's page lists the account with its role.
    await page.click('table.account-customers a:has-text("Joana Lima")');
    await page.waitForURL(/\/ui\/customers\/[0-9a-f-]{36}$/);
    expect(await page.textContent('h1')).toBe('Customer Joana Lima');
    expect(
      await page.$$eval('table.customer-accounts tbody tr', (trs) =>
        trs.map((tr) => [tr.getAttribute('data-account'), tr.children[1]?.textContent]),
      ),
    ).toEqual([[accountId, 'ADDITIONAL']]);
    await ui.shot('issuer-customer-page');
  });

  it('charts the daily balances and limits of a range, and shows the server’s reason for an inverted one', async () => {
    const { orgId, key } = await createOrgWithKey(ui.product.http, 'Chart Bank');
    const { accountId } = await createAccount(ui.product.http, key);
    for (const amount of [700, 300])
      expect(
        (
          await ui.product.http('POST', `/v1/accounts/${accountId}/transactions`, {
            key,
            json: { type: 'CASH_IN', amount, currency: 'BRL' },
          })
        ).status,
      ).toBe(201);
    // The account opened 40 days ago with 700, and 300 more 10 days ago; then the days'
    // snapshots, as the daily schedule would have recorded them (the product's own path).
    const zone = sampleOrg.timeZone;
    const today = localDate(new Date(), zone);
    const opened = zonedInstant(addDays(today, -40), 12, 0, zone);
    await ui.product.prisma.account.update({
      where: { id: accountId },
      data: { createdAt: opened },
    });
    await backdateLedger(ui.product.prisma, { accountId, amount: 700n }, opened);
    await backdateLedger(
      ui.product.prisma,
      { accountId, amount: 300n },
      zonedInstant(addDays(today, -10), 12, 0, zone),
    );
    const balances = createDailyBalanceService({ prisma: ui.product.prisma });
    for (let back = 35; back >= 1; back--)
      await balances.snapshot(orgId, zonedInstant(addDays(today, -back), 23, 59, zone));

    const page = ui.page;
    await ui.signIn(key, `/ui/accounts/${accountId}`);
    const points = (series: string) =>
      page.locator(`svg.daily-chart circle.point[data-series=${series}]`).count();

    // By default the last 30 days, up to yesterday.
    expect(await page.inputValue('form.daily-range input[name=from]')).toBe(addDays(today, -30));
    expect(await page.inputValue('form.daily-range input[name=to]')).toBe(addDays(today, -1));
    expect(await points('balance')).toBe(30);
    expect(await points('availableToSpend')).toBe(30);
    expect(await page.locator('table.daily-balances tbody tr').count()).toBe(30);

    // A range of 15 days through the form: 15 points per line, the step on the day of the cash-in.
    await page.fill('form.daily-range input[name=from]', addDays(today, -15));
    await page.fill('form.daily-range input[name=to]', addDays(today, -1));
    await page.click('form.daily-range button[type=submit]');
    await page.waitForURL(/from=.*&to=/);
    expect(await points('balance')).toBe(15);
    expect(await points('availableToSpend')).toBe(15);
    expect(
      await page.$$eval('svg.daily-chart .legend text', (ts) => ts.map((t) => t.textContent)),
    ).toEqual(['Balance', 'Available to spend', 'Credit limit']);
    expect(
      await page.$$eval('svg.daily-chart .date-label', (ts) => ts.map((t) => t.textContent)),
    ).toContain(addDays(today, -15));
    const table = await page.$$eval('table.daily-balances tbody tr', (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-date'),
        tr.children[1]?.textContent?.replace(/\u00a0/g, ' '),
      ]),
    );
    expect(table).toHaveLength(15);
    expect(table[0]).toEqual([addDays(today, -15), 'R$ 7,00']);
    expect(table.at(-1)).toEqual([addDays(today, -1), 'R$ 10,00']);
    expect(table.find(([date]) => date === addDays(today, -11))?.[1]).toBe('R$ 7,00');
    expect(table.find(([date]) => date === addDays(today, -10))?.[1]).toBe('R$ 10,00');
    await ui.shotOf(page.locator('section.daily'), 'issuer-daily-chart');

    // An inverted range: the server's reason, beside the field it names, and no chart.
    await page.fill('form.daily-range input[name=from]', addDays(today, -5));
    await page.fill('form.daily-range input[name=to]', addDays(today, -10));
    await page.click('form.daily-range button[type=submit]');
    const toError = page.locator('section.daily [data-field-error=to]');
    await toError.waitFor();
    expect(await toError.textContent()).toContain(
      `must not be before start_date (${addDays(today, -5)})`,
    );
    expect(await page.textContent('section.daily [role=alert]')).toContain('end_date');
    expect(await page.locator('svg.daily-chart').count()).toBe(0);
    await ui.shotOf(page.locator('section.daily'), 'issuer-daily-chart-inverted-range');
  });

  it('lists a due date change made through the API in the events table, in the org’s time zone and by name', async () => {
    const { key } = await createOrgWithKey(ui.product.http, 'Events Bank');
    const today = localDate(new Date(), sampleOrg.timeZone);
    const day = [...Array(27).keys()]
      .map((d) => d + 1)
      .find((d) => today <= lastChangeDate(d, today))!;
    const program = await ui.product.http('POST', '/v1/programs', {
      key,
      json: {
        name: 'Events Credit',
        type: 'CREDIT',
        cardNetwork: 'VISA',
        currency: 'BRL',
        dueDays: [day, day + 1],
        defaultCreditLimit: 50_000,
      },
    });
    expect(program.status, JSON.stringify(program.body)).toBe(201);
    const account = await ui.product.http('POST', '/v1/accounts', {
      key,
      json: {
        programId: program.body.id,
        owner: { person: { name: 'Rui Costa', documentNumber: 'CPF-909.808' } },
      },
    });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
    const accountId = account.body.id as string;

    const page = ui.page;
    await ui.signIn(key, `/ui/accounts/${accountId}`);
    expect(await page.locator('table.account-events tbody tr').count()).toBe(0);
    expect(await page.textContent('section.events .empty')).toContain('No program migrations');

    const changed = await ui.product.http('PATCH', `/v1/accounts/${accountId}/due-date`, {
      key,
      json: { dueDay: day + 1 },
      headers: { 'if-match': '"v1"' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const [event] = (await ui.product.http('GET', `/v1/accounts/${accountId}/events`, { key })).body
      .items;

    await page.reload();
    const row = page.locator('table.account-events tbody tr');
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toBe('Due date change');
    expect(cells[2]).toContain(`due day ${day} → ${day + 1}`);
    expect(cells[3]).toMatch(/\(test key\)$/);
    expect(cells[3]).not.toContain('api-key:');
    expect(cells[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} GMT-3$/);
    expect(await row.locator('time').getAttribute('datetime')).toBe(event.at);
    expect(await page.textContent('table.account-events thead')).toContain(sampleOrg.timeZone);
    // Below the status history.
    const order = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent));
    expect(order.indexOf('Events')).toBeGreaterThan(order.indexOf('History'));
    await ui.shotOf(page.locator('section.events'), 'issuer-account-events');
  });

  it('ends a key’s console session at the next page load once the operator revokes it', async () => {
    const { orgId, key } = await createOrgWithKey(ui.product.http, 'Revoked Bank');
    const { accountId } = await createAccount(ui.product.http, key);
    const page = ui.page;
    const accountPage = `/ui/accounts/${accountId}`;
    await ui.signIn(key, accountPage);
    expect(await page.textContent('header .who')).toContain('Revoked Bank');
    await ui.shot('issuer-session-before-revoke');

    const keys = await ui.product.http('GET', `/v1/orgs/${orgId}/api-keys`, {
      key: OPERATOR_KEY,
    });
    expect(keys.status).toBe(200);
    const own = (keys.body.items as { id: string; prefix: string }[]).find((k) =>
      key.startsWith(k.prefix),
    );
    expect(own).toBeDefined();
    const revoked = await ui.product.http('POST', `/v1/api-keys/${own!.id}/revoke`, {
      key: OPERATOR_KEY,
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body.state).toBe('REVOKED');

    await page.reload();
    await page.waitForURL(
      (url) => url.pathname === '/ui/login' && url.searchParams.get('next') === accountPage,
    );
    expect(await page.textContent('h1')).toBe('Sign in');
    expect(await page.locator('header .who').textContent()).toBe('Sign in');
    await ui.shot('issuer-session-revoked');
  });
});
