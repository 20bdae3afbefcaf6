import type { Request, Response, Router } from 'express';
import {
  accountStatusSnapshot,
  allowedTransitions,
  can,
} from '../../../machines/account-status.js';
import { addDays, localDate } from '../../../common/plain-dates.js';
import type { Caller } from '../../auth.js';
import { Problem } from '../../problem.js';
import { cellHtml, timeCell } from '../cells.js';
import { dailyChart, type ChartSeries } from '../daily-chart.js';
import { html, type Html } from '../html.js';
import { fieldMessages, formBody, type PageKit } from '../kit.js';
import { accountView, livePageBody } from '../live-pages.js';
import type { UiDeps } from '../routes.js';
import {
  type Listed,
  type ProgramItem,
  type AccountItem,
  type RelatedItem,
  type CustomerItem,
  type AccountCustomer,
  type AccountEventItem,
  type DailyPage,
  type Refusal,
  accountGraph,
  orgCaller,
  fieldError,
  problemLine,
  numberOf,
  compact,
  customerBody,
  customerMessages,
  zonedToIso,
  options,
  apiGet,
  orgTimeZone,
  orgMoney,
  type Money,
  allReasons,
  type IssuerContext,
  withIfMatch,
} from './support.js';

// The issuer console: accounts list and search, the account page's actions and sections, a customer and its accounts.

export function registerIssuerAccounts(router: Router, context: IssuerContext): void {
  const { kit, deps, get, timeZoneOf, allPrograms } = context;
  // ---------- Accounts: list and search ----------

  router.get(
    '/accounts',
    kit.view(true, async (req, res, caller) => {
      orgCaller(caller);
      const q = req.query as Record<string, unknown>;
      const filter: Record<string, string> = {};
      for (const name of ['status', 'programId', 'customerDocument', 'parentAccountId', 'after']) {
        const raw = q[name];
        const value = typeof raw === 'string' ? raw.trim() : '';
        if (value) filter[name] = value;
      }
      let page: Listed<AccountItem> = { items: [], next: null };
      let refused: Problem | undefined;
      try {
        page = await get<Listed<AccountItem>>(caller!, '/v1/accounts', filter);
      } catch (error) {
        if (!(error instanceof Problem) || error.status >= 500) throw error;
        refused = error;
      }
      const messages = refused ? fieldMessages(refused) : new Map<string, string>();
      const [programs, money] = await Promise.all([
        allPrograms(caller!),
        orgMoney(deps, orgCaller(caller)),
      ]);
      const nextLink = page.next
        ? `/ui/accounts?${new URLSearchParams({ ...filter, after: page.next }).toString()}`
        : undefined;
      kit.send(
        res,
        refused ? refused.status : 200,
        'Accounts',
        caller,
        html`<h1>Accounts</h1>
        <section><form method="get" action="/ui/accounts" class="filters">
          <label>Status <select name="status">${options(['NORMAL', 'BLOCKED', 'CANCELLED'], filter.status, 'any')}</select></label>${fieldError(messages, 'status')}
          <label>Program <select name="programId"><option value="">any</option>${programs.map((p) => html`<option value="${p.id}"${p.id === filter.programId ? html` selected` : ''}>${p.name}</option>`)}</select></label>
          <label>Customer document <input type="text" name="customerDocument" value="${filter.customerDocument ?? ''}"></label>${fieldError(messages, 'customerDocument')}
          <label>Parent account <input type="text" name="parentAccountId" value="${filter.parentAccountId ?? ''}"></label>${fieldError(messages, 'parentAccountId')}
          <button type="submit">Search</button>
        </form>${problemLine(refused)}</section>
        <section><table class="accounts"><thead><tr><th>Account</th><th>Holder</th><th>Status</th><th>Balance</th><th>Parent</th></tr></thead><tbody>
        ${page.items.map(
          (a) =>
            html`<tr data-account="${a.id}"><td><a href="/ui/accounts/${a.id}">${a.id}</a></td><td>${a.holder ? `${a.holder.name} (${a.holder.documentNumber})` : '—'}</td><td>${a.status}</td><td>${money(a.balance, a.currency)}</td><td>${a.parentAccountId ? html`<a href="/ui/accounts/${a.parentAccountId}">${a.parentAccountId}</a>` : '—'}</td></tr>`,
        )}
        </tbody></table>${page.items.length === 0 ? html`<p class="empty">No accounts match.</p>` : ''}
        ${nextLink ? html`<p><a href="${nextLink}" rel="next">Next page</a></p>` : ''}
        <p><a href="/ui/applications/new">New account application</a></p></section>`,
      );
    }),
  );

  // ---------- The account page's actions ----------

  const accountPage = async (
    req: Request,
    res: Response,
    caller: Caller,
    refusal?: Refusal,
  ): Promise<void> => {
    const accountId = String(req.params.accountId);
    const live = await accountView(deps, caller, accountId);
    kit.send(
      res,
      refusal ? refusal.problem.status : 200,
      live.title,
      caller,
      html`${await livePageBody(live, accountGraph)}${await issuerAccountSection(kit, deps, req, res, caller, refusal)}`,
    );
  };

  // What the live account page fetches once the account has moved on (/ui/assets/diagram.js):
  // its status-dependent forms drawn anew, at the version they now carry.
  router.get(
    '/accounts/:accountId/forms',
    kit.view(true, async (req, res, caller) => {
      const org = orgCaller(caller);
      const forms = await accountForms(
        kit,
        deps,
        res,
        org,
        String(req.params.accountId),
        await timeZoneOf(org),
      );
      res.set('Cache-Control', 'no-store').type('html').send(forms.value);
    }),
  );

  const refusalOf =
    (form: string) => (req: Request, res: Response, caller: Caller, problem: Problem) =>
      accountPage(req, res, caller, { form, problem, values: formBody(req) });

  router.post(
    '/accounts/:accountId/status',
    kit.act(
      async (req, res, caller) => {
        const org = orgCaller(caller);
        const accountId = String(req.params.accountId);
        const form = formBody(req);
        const until = form.until
          ? (zonedToIso(form.until, await timeZoneOf(org)) ?? form.until)
          : undefined;
        const request = kit.requestOf(req, res);
        await kit.api.invoke('patch', '/v1/accounts/:accountId/status', {
          caller,
          params: { accountId },
          body: compact({
            status: form.status,
            reasonId: form.reasonId || undefined,
            description: form.description || undefined,
            until,
          }),
          ...withIfMatch(request, form.version),
        });
        return `/ui/accounts/${accountId}`;
      },
      (req, res, caller, problem) =>
        refusalOf(`status-${formBody(req).status ?? ''}`)(req, res, caller, problem),
    ),
  );

  router.post(
    '/accounts/:accountId/rollback',
    kit.act(async (req, res, caller) => {
      const accountId = String(req.params.accountId);
      const form = formBody(req);
      const request = kit.requestOf(req, res);
      await kit.api.invoke('post', '/v1/accounts/:accountId/status/rollback', {
        caller,
        params: { accountId },
        body: compact({
          status: form.status || undefined,
          reasonId: form.reasonId || undefined,
          description: form.description || undefined,
        }),
        ...withIfMatch(request, form.version),
      });
      return `/ui/accounts/${accountId}`;
    }, refusalOf('rollback')),
  );

  router.post(
    '/accounts/:accountId/transactions',
    kit.act(async (req, res, caller) => {
      const org = orgCaller(caller);
      if (org.environmentKind !== 'TEST')
        throw new Problem('FORBIDDEN', 'the console moves money in the test environment only');
      const accountId = String(req.params.accountId);
      const form = formBody(req);
      const account = await get<AccountItem>(org, '/v1/accounts/:accountId', {}, { accountId });
      await kit.api.invoke('post', '/v1/accounts/:accountId/transactions', {
        caller,
        params: { accountId },
        body: { type: form.type, amount: numberOf(form.amount), currency: account.currency },
        ...kit.requestOf(req, res),
      });
      return `/ui/accounts/${accountId}`;
    }, refusalOf('transaction')),
  );

  router.post(
    '/accounts/:accountId/parent',
    kit.act(async (req, res, caller) => {
      const accountId = String(req.params.accountId);
      await kit.api.invoke('put', '/v1/accounts/:accountId/parent', {
        caller,
        params: { accountId },
        body: { parentAccountId: formBody(req).parentAccountId?.trim() },
        ...kit.requestOf(req, res),
      });
      return `/ui/accounts/${accountId}`;
    }, refusalOf('parent')),
  );

  router.post(
    '/accounts/:accountId/customers',
    kit.act(async (req, res, caller) => {
      const accountId = String(req.params.accountId);
      await kit.api.invoke('post', '/v1/accounts/:accountId/customers', {
        caller,
        params: { accountId },
        body: customerBody(formBody(req)),
        ...kit.requestOf(req, res),
      });
      return `/ui/accounts/${accountId}#customers`;
    }, refusalOf('customer')),
  );

  // ---------- A customer and its accounts ----------

  router.get(
    '/customers/:customerId',
    kit.view(true, async (req, res, caller) => {
      orgCaller(caller);
      const customerId = String(req.params.customerId);
      const [customer, accounts] = await Promise.all([
        get<CustomerItem>(caller!, '/v1/customers/:customerId', {}, { customerId }),
        get<{ items: { accountId: string; role: string; status: string; programId: string }[] }>(
          caller!,
          '/v1/customers/:customerId/accounts',
          {},
          { customerId },
        ),
      ]);
      const programs = new Map((await allPrograms(caller!)).map((p) => [p.id, p.name]));
      const title = `Customer ${customer.name}`;
      kit.send(
        res,
        200,
        title,
        caller,
        html`<h1>${title}</h1>
        <section><dl><dt>Kind</dt><dd data-fact="Kind">${customer.kind}</dd><dt>Document</dt><dd data-fact="Document">${customer.documentNumber}</dd>
        <dt>${customer.kind === 'COMPANY' ? 'Incorporated' : 'Born'}</dt><dd>${customer.birthDate ?? customer.incorporationDate ?? '—'}</dd></dl></section>
        <section><h2>Accounts</h2><table class="customer-accounts"><thead><tr><th>Account</th><th>Role</th><th>Status</th><th>Program</th></tr></thead><tbody>
        ${accounts.items.map((a) => html`<tr data-account="${a.accountId}"><td><a href="/ui/accounts/${a.accountId}">${a.accountId}</a></td><td>${a.role}</td><td>${a.status}</td><td>${programs.get(a.programId) ?? a.programId}</td></tr>`)}
        </tbody></table>${accounts.items.length === 0 ? html`<p class="empty">No accounts.</p>` : ''}</section>`,
      );
    }),
  );
}
/** The account page's actions: status changes its machine allows now, test money, related accounts, customers, daily balances, events. */
export async function issuerAccountSection(
  kit: PageKit,
  deps: UiDeps,
  req: Request,
  res: Response,
  caller: Caller | undefined,
  refusal?: Refusal,
): Promise<Html> {
  const org = orgCaller(caller);
  const accountId = String(req.params.accountId);
  const [related, timeZone, money] = await Promise.all([
    apiGet<{ account: RelatedItem; children: RelatedItem[]; grandchildren: RelatedItem[] }>(
      kit,
      org,
      '/v1/accounts/:accountId/related',
      {},
      { accountId },
    ),
    orgTimeZone(deps, org),
    orgMoney(deps, org),
  ]);
  const [forms, ...extra] = await Promise.all([
    accountForms(kit, deps, res, org, accountId, timeZone, refusal),
    customersSection(kit, res, org, accountId, refusal),
    dailySection(kit, req, org, accountId, timeZone, money),
    eventsSection(kit, deps, org, accountId, timeZone),
  ]);
  const messagesFor = (form: string) =>
    refusal?.form === form ? fieldMessages(refusal.problem) : new Map<string, string>();
  const { account } = related;

  const row = (item: RelatedItem, level: string) =>
    html`<tr data-related="${item.id}" data-level="${level}"><td>${level}</td><td><a href="/ui/accounts/${item.id}">${item.id}</a></td><td>${item.status}</td><td>${money(item.balance, item.currency)}</td><td>${money(item.availableToSpend, item.currency)}</td></tr>`;
  const tree = html`<section class="related"><h2>Related accounts</h2>
    <table class="related-tree"><thead><tr><th>Level</th><th>Account</th><th>Status</th><th>Balance</th><th>Available to spend</th></tr></thead><tbody>
    ${row(account, 'this account')}
    ${related.children.map((child) => html`${row(child, 'child')}${related.grandchildren.filter((g) => g.parentAccountId === child.id).map((g) => row(g, 'grandchild'))}`)}
    </tbody></table>
    <p>Parent: ${account.parentAccountId ? html`<a href="/ui/accounts/${account.parentAccountId}">${account.parentAccountId}</a>` : 'none'}</p>
    ${refusal?.form === 'parent' ? problemLine(refusal.problem) : ''}
    <form method="post" action="/ui/accounts/${account.id}/parent">${kit.formFields(res)}
      <label>Link under parent account <input type="text" name="parentAccountId" required value="${refusal?.form === 'parent' ? (refusal.values.parentAccountId ?? '') : ''}"></label>${fieldError(messagesFor('parent'), 'parentAccountId')}
      <button type="submit">Link under parent</button></form></section>`;

  return html`${forms}${tree}${extra}`;
}

/**
 * The forms that depend on the account's status: the status changes its machine allows now and
 * test money. Each carries the version it was drawn at (If-Match), and the live page fetches
 * them anew (`/forms`) once the account has moved past that version.
 */
async function accountForms(
  kit: PageKit,
  deps: UiDeps,
  res: Response,
  org: Extract<Caller, { kind: 'org' }>,
  accountId: string,
  timeZone: string,
  refusal?: Refusal,
): Promise<Html> {
  const [account, reasons] = await Promise.all([
    apiGet<AccountItem>(kit, org, '/v1/accounts/:accountId', {}, { accountId }),
    allReasons(kit, org),
  ]);
  const record = await deps.services.accounts.get(
    { orgId: org.orgId, environmentId: org.environmentId },
    accountId,
  );
  const snapshot = accountStatusSnapshot(record.status, record.statusBeforeCancellation);
  const allowed = allowedTransitions(snapshot);
  const messagesFor = (form: string) =>
    refusal?.form === form ? fieldMessages(refusal.problem) : new Map<string, string>();
  const problemFor = (form: string) =>
    refusal?.form === form ? problemLine(refusal.problem) : html``;
  const version = html`<input type="hidden" name="version" value="${account.version}">`;
  const base = `/ui/accounts/${account.id}`;
  const statusForms = allowed
    .filter((t) => t.event !== 'ROLLBACK')
    .map((t) => {
      const form = `status-${t.to}`;
      const messages = messagesFor(form);
      const fitting = reasons.filter((r) => r.appliesTo.length === 0 || r.appliesTo.includes(t.to));
      return html`<form method="post" action="${base}/status" class="status-action" data-target-status="${t.to}">
        ${kit.formFields(res)}${version}<input type="hidden" name="status" value="${t.to}">
        <h3>${t.event} → ${t.to}</h3>${problemFor(form)}
        <p><label>Reason <select name="reasonId"><option value="">(none)</option>${fitting.map((r) => html`<option value="${r.id}">${r.code}: ${r.description}</option>`)}</select></label>${fieldError(messages, 'reasonId')}</p>
        <p><label>Description <input type="text" name="description"></label>${fieldError(messages, 'description')}</p>
        ${can(t.to, 'mayCarryEndTime') ? html`<p><label>Blocked until (${timeZone}, optional) <input type="datetime-local" name="until"></label>${fieldError(messages, 'until')}</p>` : ''}
        <button type="submit">${t.event === 'BLOCK' && t.to === account.status ? 'Change block' : t.event.charAt(0) + t.event.slice(1).toLowerCase()}</button>
      </form>`;
    });
  const rollbackTargets = allowed.filter((t) => t.event === 'ROLLBACK').map((t) => t.to);
  const rollbackForm =
    rollbackTargets.length > 0
      ? html`<form method="post" action="${base}/rollback" class="status-action" data-target-status="rollback">
        ${kit.formFields(res)}${version}<h3>Rollback</h3>${problemFor('rollback')}
        <p><label>Restore <select name="status"><option value="">the status before cancellation${record.statusBeforeCancellation ? ` (${record.statusBeforeCancellation})` : ''}</option>${options(rollbackTargets, undefined)}</select></label>${fieldError(messagesFor('rollback'), 'status')}</p>
        <p><label>Reason <select name="reasonId"><option value="">(the restored status's own, if any)</option>${reasons.map((r) => html`<option value="${r.id}">${r.code}: ${r.description}</option>`)}</select></label>${fieldError(messagesFor('rollback'), 'reasonId')}</p>
        <p><label>Description <input type="text" name="description"></label></p>
        <button type="submit">Roll back</button></form>`
      : '';

  const money =
    org.environmentKind === 'TEST'
      ? html`<section class="transactions"><h2>Test money</h2>${problemFor('transaction')}
      <form method="post" action="${base}/transactions">${kit.formFields(res)}
        <label>Type <select name="type"><option value="CASH_IN"${can(account.status, 'cashIn') ? '' : ' disabled'}>CASH_IN</option><option value="CASH_OUT"${can(account.status, 'cashOut') ? '' : ' disabled'}>CASH_OUT</option></select></label>
        <label>Amount (minor units of ${account.currency}) <input type="text" name="amount" inputmode="numeric" required></label>${fieldError(messagesFor('transaction'), 'amount')}
        <button type="submit">Move money</button></form></section>`
      : '';

  return html`<div class="account-forms" data-refresh="${base}/forms" data-version="${account.version}"><section class="account-actions"><h2>Status actions</h2>
    <p>Allowed now from ${account.status}: ${allowed.map((t) => `${t.event} → ${t.to}`).join(', ') || 'nothing'}</p>
    ${statusForms}${rollbackForm}</section>${money}</div>`;
}

/** The account's customers with their roles, each linked to its accounts, and a form to add one. */
async function customersSection(
  kit: PageKit,
  res: Response,
  org: Caller,
  accountId: string,
  refusal: Refusal | undefined,
): Promise<Html> {
  const { items } = await apiGet<{ items: AccountCustomer[] }>(
    kit,
    org,
    '/v1/accounts/:accountId/customers',
    {},
    { accountId },
  );
  const refused = refusal?.form === 'customer' ? refusal : undefined;
  const messages = refused ? customerMessages(refused.problem) : new Map<string, string>();
  const values = refused?.values ?? {};
  const input = (name: string, label: string, type = 'text') =>
    html`<p><label>${label} <input type="${type}" name="${name}" value="${values[name] ?? ''}"></label>${fieldError(messages, name)}</p>`;
  return html`<section class="customers" id="customers"><h2>Customers</h2>
    <table class="account-customers"><thead><tr><th>Customer</th><th>Role</th><th>Kind</th><th>Document</th></tr></thead><tbody>
    ${items.map((c) => html`<tr data-customer="${c.customer.id}" data-role="${c.role}"><td><a href="/ui/customers/${c.customer.id}">${c.customer.name}</a></td><td>${c.role === 'HOLDER' ? 'holder' : 'additional (joint holder)'}</td><td>${c.customer.kind}</td><td>${c.customer.documentNumber}</td></tr>`)}
    </tbody></table>${items.length === 0 ? html`<p class="empty">No customers.</p>` : ''}
    <h3>Add a joint holder or additional customer</h3>
    <form method="post" action="/ui/accounts/${accountId}/customers" class="customer-form">${kit.formFields(res)}
    ${problemLine(refused?.problem)}
    <p><label>Kind <select name="kind">${options(['PERSON', 'COMPANY'], values.kind ?? 'PERSON')}</select></label></p>
    ${input('name', 'Name (legal name for a company)')}
    ${input('documentNumber', 'Document number')}
    ${input('date', 'Birth or incorporation date (optional)', 'date')}
    ${input('customerId', 'Or an existing customer’s id')}
    <button type="submit">Add customer</button></form></section>`;
}

const dailySeries: ChartSeries<'balance' | 'availableToSpend' | 'creditLimit'>[] = [
  { key: 'balance', label: 'Balance', color: '#1d4ed8' },
  { key: 'availableToSpend', label: 'Available to spend', color: '#16a34a', under: true },
  { key: 'creditLimit', label: 'Credit limit', color: '#d97706', dashed: true },
];

/** The daily balances and limits of a range (`from`/`to`; the last 30 days by default) as a chart and a table. */
async function dailySection(
  kit: PageKit,
  req: Request,
  org: Caller,
  accountId: string,
  timeZone: string,
  money: Money,
): Promise<Html> {
  const today = localDate(new Date(), timeZone);
  const asked = (name: string) => {
    const value = req.method === 'GET' ? req.query[name] : undefined;
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const from = asked('from') ?? addDays(today, -30);
  const to = asked('to') ?? addDays(today, -1);
  let answer: DailyPage | undefined;
  let refused: Problem | undefined;
  try {
    answer = await apiGet<DailyPage>(
      kit,
      org,
      '/v1/accounts/:accountId/daily-balance-limits',
      { start_date: from || undefined, end_date: to || undefined, per_page: 100 },
      { accountId },
    );
  } catch (error) {
    if (!(error instanceof Problem) || error.status >= 500) throw error;
    refused = error;
  }
  const messages = new Map(
    [...(refused ? fieldMessages(refused) : [])].map(([field, message]) => [
      ({ start_date: 'from', end_date: 'to' } as Record<string, string>)[field] ?? field,
      message,
    ]),
  );
  const items = answer?.items ?? [];
  const currency = items[0]?.currency ?? '';
  const chart =
    items.length > 0
      ? dailyChart(items, dailySeries, {
          title: `Daily balances and limits from ${answer!.startDate} to ${answer!.endDate}`,
          unit: currency,
          amount: (minor) => money(minor, currency),
        })
      : html``;
  return html`<section class="daily" id="daily"><h2>Daily balances and limits</h2>
    <p>As recorded at 23:59 each day (${timeZone}).</p>
    <form method="get" action="/ui/accounts/${accountId}#daily" class="daily-range">
      <label>From <input type="date" name="from" value="${from}"></label>${fieldError(messages, 'from')}
      <label>To <input type="date" name="to" value="${to}"></label>${fieldError(messages, 'to')}
      <button type="submit">Show</button></form>
    ${problemLine(refused)}
    ${answer ? html`<div class="chart" data-days="${items.length}">${chart}</div>${items.length === 0 ? html`<p class="empty">No days recorded from ${answer.startDate} to ${answer.endDate}.</p>` : ''}` : ''}
    ${
      items.length > 0
        ? html`<table class="daily-balances"><thead><tr><th>Date</th><th>Balance</th><th>Credit limit</th><th>Available credit limit</th><th>Available to spend</th></tr></thead><tbody>
    ${items.map((d) => html`<tr data-date="${d.date}"><td>${d.date}</td><td>${money(d.balance, d.currency)}</td><td>${money(d.creditLimit, d.currency)}</td><td>${money(d.availableCreditLimit, d.currency)}</td><td>${money(d.availableToSpend, d.currency)}</td></tr>`)}
    </tbody></table>`
        : ''
    }</section>`;
}

/** The account's program migrations and due day changes, with times in the org's zone and who by name. */
async function eventsSection(
  kit: PageKit,
  deps: UiDeps,
  org: Extract<Caller, { kind: 'org' }>,
  accountId: string,
  timeZone: string,
): Promise<Html> {
  const [{ items }, programs] = await Promise.all([
    apiGet<Listed<AccountEventItem>>(
      kit,
      org,
      '/v1/accounts/:accountId/events',
      { limit: 200 },
      { accountId },
    ),
    apiGet<Listed<ProgramItem>>(kit, org, '/v1/programs', { limit: 200 }),
  ]);
  const names = await deps.services.actorNames.name(
    org.orgId,
    items.map((e) => e.by),
  );
  const text = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : (JSON.stringify(value) ?? '—');
  const program = (id: unknown) => programs.items.find((p) => p.id === id)?.name ?? text(id);
  const what = (e: AccountEventItem): [string, string] => {
    const d = e.details;
    if (e.kind === 'PROGRAM_MIGRATION')
      return ['Program migration', `${program(d.fromProgramId)} → ${program(d.toProgramId)}`];
    if (e.kind === 'DUE_DAY_CHANGE')
      return [
        'Due date change',
        `due day ${text(d.fromDueDay)} → ${text(d.toDueDay)}${d.cycleClosesOn ? ` (cycle closes on ${text(d.cycleClosesOn)})` : ''}`,
      ];
    return [e.kind, JSON.stringify(d)];
  };
  return html`<section class="events" id="events"><h2>Events</h2>
    <table class="account-events"><thead><tr><th>When (${timeZone})</th><th>Event</th><th>Change</th><th>Who</th><th>Version</th></tr></thead><tbody>
    ${items.map((e) => {
      const [kind, change] = what(e);
      return html`<tr data-event="${e.kind}"><td>${cellHtml(timeCell(e.at, timeZone))}</td><td>${kind}</td><td>${change}</td><td>${names.get(e.by) ?? e.by}</td><td>${e.version}</td></tr>`;
    })}
    </tbody></table>${items.length === 0 ? html`<p class="empty">No program migrations or due date changes yet.</p>` : ''}</section>`;
}
