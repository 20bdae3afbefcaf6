import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import {
  accountStatusMachine,
  accountStatusSnapshot,
  allowedTransitions,
  can,
  type AccountStatus,
} from '../../machines/account-status.js';
import { addDays, isPlainDate, localDate, zonedInstant } from '../../common/plain-dates.js';
import type { Caller } from '../auth.js';
import { stateDetails } from '../diagrams/describe-states.js';
import { machineGraph } from '../diagrams/machine-graph.js';
import { Problem } from '../problem.js';
import { cellHtml, timeCell } from './cells.js';
import { dailyChart, type ChartSeries } from './daily-chart.js';
import { html, type Html } from './html.js';
import { fieldMessages, formBody, type PageKit } from './kit.js';
import { accountView, livePageBody } from './live-pages.js';
import type { UiDeps } from './routes.js';

// The issuer console: what an org signed in with one of its environment keys: programs, reasons, settings, accounts (their customers, daily balances and events), customers, applications, reports.
// Every action runs the API's own route (kit.api.invoke), so the console has the API's rules.

type Json = Record<string, unknown>;
interface Listed<T> {
  items: T[];
  next: string | null;
}
interface ProgramItem {
  id: string;
  name: string;
  type: string;
  cardNetwork: string;
  currency: string;
  dueDays: number[];
  defaultCreditLimit: number;
  maxCreditLimit: number | null;
  dueDayChangeLimit: number;
  version: number;
}
interface ReasonItem {
  id: string;
  code: string;
  description: string;
  appliesTo: AccountStatus[];
}
interface AccountItem {
  id: string;
  programId: string;
  currency: string;
  status: AccountStatus;
  balance: number;
  parentAccountId: string | null;
  version: number;
  holder: { name: string; documentNumber: string } | null;
}
interface RelatedItem {
  id: string;
  parentAccountId: string | null;
  status: string;
  balance: number;
  availableToSpend: number;
  currency: string;
}

interface CustomerItem {
  id: string;
  kind: 'PERSON' | 'COMPANY';
  name: string;
  documentNumber: string;
  birthDate: string | null;
  incorporationDate: string | null;
}
interface AccountCustomer {
  role: 'HOLDER' | 'ADDITIONAL';
  customer: CustomerItem;
}
interface AccountEventItem {
  id: string;
  kind: string;
  details: Json;
  by: string;
  at: string;
  version: number;
}
interface DailyItem {
  date: string;
  currency: string;
  balance: number;
  creditLimit: number;
  availableCreditLimit: number;
  availableToSpend: number;
}
interface DailyPage {
  startDate: string;
  endDate: string;
  items: DailyItem[];
}

/** What a refused form answers: the server's reason, and each field's message beside it. */
interface Refusal {
  form: string;
  problem: Problem;
  values: Record<string, string>;
}

const accountGraph = machineGraph(accountStatusMachine, stateDetails.accountStatus);

function orgCaller(caller: Caller | undefined): Extract<Caller, { kind: 'org' }> {
  if (caller?.kind !== 'org')
    throw new Problem('FORBIDDEN', 'the issuer console needs an org API key');
  return caller;
}

/** A form field's message, if the server refused it. */
function fieldError(messages: Map<string, string>, name: string): Html {
  const message = messages.get(name);
  return message
    ? html` <span class="error field-error" data-field-error="${name}">${message}</span>`
    : html``;
}

function problemLine(problem: Problem | undefined): Html {
  return problem ? html`<p class="error" role="alert">${problem.detail}</p>` : html``;
}

/** A number a form sent: absent when empty, a number when it is one, else as sent (the API names the rule). */
function numberOf(value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : value;
}

function daysOf(value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(numberOf);
}

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

function compact(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/** The customer form's fields as the body POST /v1/accounts/:accountId/customers takes. */
function customerBody(form: Record<string, string>): Json {
  const existing = form.customerId?.trim();
  if (existing) return { customerId: existing };
  const company = form.kind === 'COMPANY';
  return {
    customer: {
      [company ? 'company' : 'person']: compact({
        [company ? 'legalName' : 'name']: form.name?.trim() ?? '',
        documentNumber: form.documentNumber?.trim() ?? '',
        [company ? 'incorporationDate' : 'birthDate']: form.date?.trim() || undefined,
      }),
    },
  };
}

/** The API's field path (customer.person.documentNumber) as the customer form's field name. */
function customerMessages(problem: Problem): Map<string, string> {
  const messages = new Map<string, string>();
  for (const [field, message] of fieldMessages(problem)) {
    const name =
      {
        customer: 'name',
        'customer.person.name': 'name',
        'customer.company.legalName': 'name',
        'customer.person.documentNumber': 'documentNumber',
        'customer.company.documentNumber': 'documentNumber',
        'customer.person.birthDate': 'date',
        'customer.company.incorporationDate': 'date',
      }[field] ?? field;
    if (!messages.has(name)) messages.set(name, message);
  }
  return messages;
}

/** "2026-03-04T10:00" on the org's wall clock, as an ISO instant. */
function zonedToIso(local: string, timeZone: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m || !isPlainDate(m[1]!) || Number(m[2]) > 23 || Number(m[3]) > 59) return undefined;
  return zonedInstant(m[1]!, Number(m[2]), Number(m[3]), timeZone).toISOString();
}

function options(values: readonly string[], selected: string | undefined, empty?: string): Html {
  return html`${empty === undefined ? '' : html`<option value="">${empty}</option>`}${values.map(
    (v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${v}</option>`,
  )}`;
}

async function apiGet<T>(
  kit: PageKit,
  caller: Caller,
  path: string,
  query: Json = {},
  params: Record<string, string> = {},
): Promise<T> {
  const answer = await kit.api.invoke('get', path, {
    caller,
    query: compact(query),
    params,
    requestId: `ui-${randomUUID()}`,
  });
  return answer.body as T;
}

async function orgTimeZone(deps: UiDeps, caller: Extract<Caller, { kind: 'org' }>) {
  return (await deps.services.orgs.get(caller.orgId))?.timeZone ?? 'UTC';
}

async function allReasons(kit: PageKit, caller: Caller): Promise<ReasonItem[]> {
  return (
    await apiGet<Listed<ReasonItem>>(kit, caller, '/v1/account-status-reasons', { limit: 200 })
  ).items;
}

/** The request's headers with If-Match naming the version the page showed. */
function withIfMatch(
  request: { headers: Record<string, string>; requestId: string },
  version: string | undefined,
) {
  return {
    requestId: request.requestId,
    headers: version ? { ...request.headers, 'if-match': `"v${version}"` } : request.headers,
  };
}

export function registerIssuerConsole(router: Router, kit: PageKit, deps: UiDeps): void {
  const get = <T>(caller: Caller, path: string, query: Json = {}, params = {}) =>
    apiGet<T>(kit, caller, path, query, params);
  const timeZoneOf = (caller: Extract<Caller, { kind: 'org' }>) => orgTimeZone(deps, caller);
  const allPrograms = async (caller: Caller) =>
    (await get<Listed<ProgramItem>>(caller, '/v1/programs', { limit: 200 })).items;

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
      const programs = await allPrograms(caller!);
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
            html`<tr data-account="${a.id}"><td><a href="/ui/accounts/${a.id}">${a.id}</a></td><td>${a.holder ? `${a.holder.name} (${a.holder.documentNumber})` : '—'}</td><td>${a.status}</td><td>${a.balance} ${a.currency}</td><td>${a.parentAccountId ? html`<a href="/ui/accounts/${a.parentAccountId}">${a.parentAccountId}</a>` : '—'}</td></tr>`,
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

  // ---------- Account applications ----------

  interface ApplicationItem {
    id: string;
    status: string;
    programId: string | null;
    parentAccountId: string | null;
    applicant: {
      person?: Json & { name: string; documentNumber: string; birthDate?: string };
      company?: Json & { legalName: string; documentNumber: string; incorporationDate?: string };
    } | null;
    accountId: string | null;
    rejectionReasons: string[];
    links: { page: string };
  }

  /** The API's field path (applicant.person.documentNumber) as the form's field name. */
  const applicationField = (field: string, contacts: string[]): string => {
    const f = field.replace(/^applicant\.(person|company)\./, 'applicant.');
    const contact = /^applicant\.contacts\.(\d+)\./.exec(f);
    if (contact) return contacts[Number(contact[1])] ?? 'email';
    const address = /^applicant\.addresses\.\d+\.(\w+)/.exec(f);
    if (address) return `address.${address[1]}`;
    return (
      {
        'applicant.name': 'name',
        'applicant.legalName': 'name',
        'applicant.documentNumber': 'documentNumber',
        'applicant.birthDate': 'date',
        'applicant.incorporationDate': 'date',
        applicant: 'name',
      }[f] ?? f
    );
  };

  /** The form's fields as the body the application routes take. */
  const applicationChanges = (form: Record<string, string>) => {
    const contacts: string[] = [];
    const contactList: Json[] = [];
    if (form.email?.trim()) {
      contacts.push('email');
      contactList.push({ type: 'EMAIL', value: form.email.trim() });
    }
    if (form.phone?.trim()) {
      contacts.push('phone');
      contactList.push({ type: 'PHONE', value: form.phone.trim() });
    }
    const address = ['line1', 'city', 'postalCode', 'country'].some((k) =>
      form[`address.${k}`]?.trim(),
    )
      ? [
          compact({
            type: 'RESIDENTIAL',
            line1: form['address.line1']?.trim() || undefined,
            city: form['address.city']?.trim() || undefined,
            postalCode: form['address.postalCode']?.trim() || undefined,
            country: form['address.country']?.trim() || undefined,
          }),
        ]
      : undefined;
    const company = form.kind === 'COMPANY';
    const anyApplicant =
      form.name?.trim() ||
      form.documentNumber?.trim() ||
      form.date?.trim() ||
      contactList.length ||
      address;
    const details = compact({
      [company ? 'legalName' : 'name']: form.name?.trim() || undefined,
      documentNumber: form.documentNumber?.trim() || undefined,
      [company ? 'incorporationDate' : 'birthDate']: form.date?.trim() || undefined,
      contacts: contactList.length ? contactList : undefined,
      addresses: address,
    });
    return {
      contacts,
      body: compact({
        programId: form.programId || undefined,
        parentAccountId: form.parentAccountId?.trim() || undefined,
        applicant: anyApplicant ? { [company ? 'company' : 'person']: details } : undefined,
      }),
    };
  };

  const applicationForm = async (
    res: Response,
    caller: Caller,
    action: string,
    values: Record<string, string>,
    problem?: Problem,
    contacts: string[] = [],
    stored?: ApplicationItem,
  ): Promise<Html> => {
    const programs = await allPrograms(caller);
    const messages = new Map<string, string>();
    for (const [field, message] of problem ? fieldMessages(problem) : [])
      messages.set(applicationField(field, contacts), message);
    const input = (name: string, label: string, type = 'text') =>
      html`<p><label>${label} <input type="${type}" name="${name}" value="${values[name] ?? ''}"></label>${fieldError(messages, name)}</p>`;
    const applicant = stored?.applicant?.person ?? stored?.applicant?.company;
    return html`<form method="post" action="${action}" class="application-form">${kit.formFields(res)}
      ${problemLine(problem)}
      <p><label>Program <select name="programId"><option value="">(choose)</option>${programs.map((p) => html`<option value="${p.id}"${p.id === values.programId ? html` selected` : ''}>${p.name} (${p.type}, ${p.currency})</option>`)}</select></label>${fieldError(messages, 'programId')}</p>
      ${input('parentAccountId', 'Parent account (optional)')}
      <fieldset><legend>Applicant</legend>
      <p><label>Kind <select name="kind">${options(['PERSON', 'COMPANY'], values.kind ?? 'PERSON')}</select></label></p>
      ${input('name', 'Name (legal name for a company)')}
      ${input('documentNumber', 'Document number')}
      ${input('date', 'Birth or incorporation date', 'date')}
      ${applicant && (Array.isArray(applicant.contacts) || Array.isArray(applicant.addresses)) ? html`<p>On file: ${JSON.stringify({ contacts: applicant.contacts ?? [], addresses: applicant.addresses ?? [] })}</p>` : ''}
      ${input('email', stored ? 'Add an email' : 'Email', 'email')}
      ${input('phone', stored ? 'Add a phone' : 'Phone')}
      ${input('address.line1', stored ? 'Add an address: street' : 'Address: street')}
      ${input('address.city', 'City')}
      ${input('address.postalCode', 'Postal code')}
      ${input('address.country', 'Country (ISO code, e.g. BR)')}
      </fieldset>
      <button type="submit" name="intent" value="save">Save draft</button>
      <button type="submit" name="intent" value="submit">Submit application</button>
    </form>`;
  };

  const storedValues = (app: ApplicationItem): Record<string, string> => {
    const person = app.applicant?.person;
    const company = app.applicant?.company;
    return {
      programId: app.programId ?? '',
      parentAccountId: app.parentAccountId ?? '',
      kind: company ? 'COMPANY' : 'PERSON',
      name: person?.name ?? company?.legalName ?? '',
      documentNumber: person?.documentNumber ?? company?.documentNumber ?? '',
      date: person?.birthDate ?? company?.incorporationDate ?? '',
    };
  };

  router.get(
    '/applications',
    kit.view(true, async (req, res, caller) => {
      orgCaller(caller);
      const after = typeof req.query.after === 'string' ? req.query.after : undefined;
      const page = await get<Listed<{ id: string; status: string; createdAt: string }>>(
        caller!,
        '/v1/account-applications',
        { after },
      );
      kit.send(
        res,
        200,
        'Account applications',
        caller,
        html`<h1>Account applications</h1><section><p><a href="/ui/applications/new">New application</a></p>
        <table><thead><tr><th>Application</th><th>Status</th><th>Created</th></tr></thead><tbody>
        ${page.items.map((a) => html`<tr><td><a href="/ui/applications/${a.id}">${a.id}</a></td><td>${a.status}</td><td>${a.createdAt}</td></tr>`)}
        </tbody></table>${page.next ? html`<p><a href="/ui/applications?after=${page.next}">Next page</a></p>` : ''}</section>`,
      );
    }),
  );

  router.get(
    '/applications/new',
    kit.view(true, async (_req, res, caller) => {
      orgCaller(caller);
      kit.send(
        res,
        200,
        'New account application',
        caller,
        html`<h1>New account application</h1><section>${await applicationForm(res, caller!, '/ui/applications', {})}</section>`,
      );
    }),
  );

  router.post(
    '/applications',
    kit.act(
      async (req, res, caller) => {
        const form = formBody(req);
        const { body } = applicationChanges(form);
        const created = await kit.api.invoke('post', '/v1/account-applications', {
          caller,
          body: { ...body, submit: form.intent === 'submit' },
          ...kit.requestOf(req, res),
        });
        return `/ui/applications/${(created.body as ApplicationItem).id}`;
      },
      async (req, res, caller, problem) => {
        const form = formBody(req);
        const { contacts } = applicationChanges(form);
        kit.send(
          res,
          problem.status,
          'New account application',
          caller,
          html`<h1>New account application</h1><section>${await applicationForm(res, caller, '/ui/applications', form, problem, contacts)}</section>`,
        );
      },
    ),
  );

  const applicationPage = async (
    req: Request,
    res: Response,
    caller: Caller,
    refused?: { problem: Problem; values: Record<string, string>; contacts: string[] },
  ) => {
    orgCaller(caller);
    const applicationId = String(req.params.applicationId);
    const app = await get<ApplicationItem>(
      caller,
      '/v1/account-applications/:applicationId',
      {},
      { applicationId },
    );
    const title = `Account application ${app.id}`;
    const draft = app.status === 'DRAFT';
    kit.send(
      res,
      refused ? refused.problem.status : 200,
      title,
      caller,
      html`<h1>${title}</h1>
      <section><dl><dt>Status</dt><dd data-fact="Status">${app.status}</dd>
      <dt>Account</dt><dd data-fact="Account">${app.accountId ? html`<a href="/ui/accounts/${app.accountId}" data-testid="created-account">${app.accountId}</a>` : '—'}</dd>
      <dt>Rejection reasons</dt><dd>${app.rejectionReasons.join('; ') || '—'}</dd>
      <dt>Process</dt><dd><a href="${app.links.page}">the application on its machine</a></dd></dl>
      ${draft ? '' : html`<p><a href="/ui/applications/${app.id}">Refresh</a></p>`}</section>
      ${
        draft
          ? html`<section><h2>Draft</h2>${await applicationForm(
              res,
              caller,
              `/ui/applications/${app.id}`,
              refused?.values ?? storedValues(app),
              refused?.problem,
              refused?.contacts,
              app,
            )}
            <form method="post" action="/ui/applications/${app.id}/cancel">${kit.formFields(res)}<button type="submit">Cancel application</button></form></section>`
          : ''
      }`,
    );
  };

  router.get(
    '/applications/:applicationId',
    kit.view(true, (req, res, caller) => applicationPage(req, res, caller!)),
  );

  router.post(
    '/applications/:applicationId',
    kit.act(
      async (req, res, caller) => {
        const applicationId = String(req.params.applicationId);
        const form = formBody(req);
        const { body } = applicationChanges(form);
        const request = kit.requestOf(req, res);
        if (Object.keys(body).length > 0 || form.intent !== 'submit')
          await kit.api.invoke('patch', '/v1/account-applications/:applicationId', {
            caller,
            params: { applicationId },
            body,
            ...request,
          });
        if (form.intent === 'submit') {
          const key = request.headers['idempotency-key'];
          await kit.api.invoke('post', '/v1/account-applications/:applicationId/submit', {
            caller,
            params: { applicationId },
            requestId: request.requestId,
            headers: key ? { 'idempotency-key': `${key}-submit` } : {},
          });
        }
        return `/ui/applications/${applicationId}`;
      },
      (req, res, caller, problem) => {
        const form = formBody(req);
        return applicationPage(req, res, caller, {
          problem,
          values: form,
          contacts: applicationChanges(form).contacts,
        });
      },
    ),
  );

  router.post(
    '/applications/:applicationId/cancel',
    kit.act(
      async (req, res, caller) => {
        const applicationId = String(req.params.applicationId);
        await kit.api.invoke('post', '/v1/account-applications/:applicationId/cancel', {
          caller,
          params: { applicationId },
          ...kit.requestOf(req, res),
        });
        return `/ui/applications/${applicationId}`;
      },
      (req, res, caller, problem) =>
        applicationPage(req, res, caller, { problem, values: {}, contacts: [] }),
    ),
  );

  // ---------- Programs ----------

  const programFields = (
    values: Record<string, string>,
    messages: Map<string, string>,
    creating: boolean,
  ) => {
    const input = (name: string, label: string) =>
      html`<p><label>${label} <input type="text" name="${name}" value="${values[name] ?? ''}"></label>${fieldError(messages, name)}</p>`;
    return html`${input('name', 'Name')}
      ${
        creating
          ? html`<p><label>Type <select name="type">${options(['PREPAID', 'DEBIT', 'CREDIT'], values.type)}</select></label>${fieldError(messages, 'type')}</p>
      <p><label>Card network <select name="cardNetwork">${options(['VISA', 'MASTERCARD'], values.cardNetwork)}</select></label>${fieldError(messages, 'cardNetwork')}</p>
      ${input('currency', 'Currency (ISO 4217, e.g. BRL)')}`
          : ''
      }
      <fieldset><legend>Credit programs only</legend>
      ${input('dueDays', 'Due days (1-28, comma separated)')}
      ${input('dueDayChangeLimit', 'Due day changes per cycle')}
      ${input('defaultCreditLimit', 'Default credit limit (minor units)')}
      ${input('maxCreditLimit', 'Maximum credit limit (minor units, empty for none)')}
      </fieldset>`;
  };

  const programBody = (form: Record<string, string>, creating: boolean, credit: boolean) => {
    const terms =
      creating || credit
        ? {
            dueDays: daysOf(form.dueDays),
            dueDayChangeLimit: numberOf(form.dueDayChangeLimit),
            defaultCreditLimit: numberOf(form.defaultCreditLimit),
            maxCreditLimit:
              !creating && credit && !form.maxCreditLimit?.trim()
                ? null
                : numberOf(form.maxCreditLimit),
          }
        : {};
    return compact({
      name: form.name,
      ...(creating
        ? { type: form.type, cardNetwork: form.cardNetwork, currency: form.currency?.trim() }
        : {}),
      ...terms,
    });
  };

  const programsPage = async (
    res: Response,
    caller: Caller,
    refused?: { problem: Problem; values: Record<string, string> },
  ) => {
    orgCaller(caller);
    const programs = await allPrograms(caller);
    kit.send(
      res,
      refused ? refused.problem.status : 200,
      'Programs',
      caller,
      html`<h1>Programs</h1>
      <section><table class="programs"><thead><tr><th>Name</th><th>Type</th><th>Network</th><th>Currency</th><th>Due days</th><th>Credit limit (default / max)</th><th>Version</th></tr></thead><tbody>
      ${programs.map((p) => html`<tr data-program="${p.id}"><td><a href="/ui/programs/${p.id}">${p.name}</a></td><td>${p.type}</td><td>${p.cardNetwork}</td><td>${p.currency}</td><td>${p.dueDays.join(', ')}</td><td>${p.defaultCreditLimit} / ${p.maxCreditLimit ?? '—'}</td><td>${p.version}</td></tr>`)}
      </tbody></table>${programs.length === 0 ? html`<p class="empty">No programs yet.</p>` : ''}</section>
      <section><h2>New program</h2><form method="post" action="/ui/programs" class="program-form">${kit.formFields(res)}
      ${problemLine(refused?.problem)}
      ${programFields(refused?.values ?? { currency: 'BRL' }, refused ? fieldMessages(refused.problem) : new Map<string, string>(), true)}
      <button type="submit">Create program</button></form></section>`,
    );
  };

  router.get(
    '/programs',
    kit.view(true, (_req, res, caller) => programsPage(res, caller!)),
  );
  router.post(
    '/programs',
    kit.act(
      async (req, res, caller) => {
        await kit.api.invoke('post', '/v1/programs', {
          caller,
          body: programBody(formBody(req), true, false),
          ...kit.requestOf(req, res),
        });
        return '/ui/programs';
      },
      (req, res, caller, problem) => programsPage(res, caller, { problem, values: formBody(req) }),
    ),
  );

  const programPage = async (
    req: Request,
    res: Response,
    caller: Caller,
    refused?: { problem: Problem; values: Record<string, string> },
  ) => {
    orgCaller(caller);
    const programId = String(req.params.programId);
    const p = await get<ProgramItem>(caller, '/v1/programs/:programId', {}, { programId });
    const values = refused?.values ?? {
      name: p.name,
      dueDays: p.dueDays.join(', '),
      dueDayChangeLimit: String(p.dueDayChangeLimit),
      defaultCreditLimit: String(p.defaultCreditLimit),
      maxCreditLimit: p.maxCreditLimit === null ? '' : String(p.maxCreditLimit),
    };
    kit.send(
      res,
      refused ? refused.problem.status : 200,
      `Program ${p.name}`,
      caller,
      html`<h1>Program ${p.name}</h1>
      <section><dl><dt>Type</dt><dd>${p.type}</dd><dt>Card network</dt><dd>${p.cardNetwork}</dd><dt>Currency</dt><dd>${p.currency}</dd><dt>Version</dt><dd data-fact="Version">${p.version}</dd></dl></section>
      <section><h2>Change</h2><form method="post" action="/ui/programs/${p.id}" class="program-form">${kit.formFields(res)}
      <input type="hidden" name="version" value="${refused?.values.version ?? p.version}"><input type="hidden" name="programType" value="${p.type}">
      ${problemLine(refused?.problem)}
      ${programFields(values, refused ? fieldMessages(refused.problem) : new Map<string, string>(), false)}
      <button type="submit">Save program</button></form></section>
      <p><a href="/ui/programs">All programs</a></p>`,
    );
  };

  router.get(
    '/programs/:programId',
    kit.view(true, (req, res, caller) => programPage(req, res, caller!)),
  );
  router.post(
    '/programs/:programId',
    kit.act(
      async (req, res, caller) => {
        const programId = String(req.params.programId);
        const form = formBody(req);
        const request = kit.requestOf(req, res);
        await kit.api.invoke('patch', '/v1/programs/:programId', {
          caller,
          params: { programId },
          body: programBody(form, false, form.programType === 'CREDIT'),
          ...withIfMatch(request, form.version),
        });
        return `/ui/programs/${programId}`;
      },
      (req, res, caller, problem) =>
        programPage(req, res, caller, { problem, values: formBody(req) }),
    ),
  );

  // ---------- Status reasons ----------

  const reasonsPage = async (
    req: Request,
    res: Response,
    caller: Caller,
    refused?: { problem: Problem; values: Record<string, string>; appliesTo: string[] },
  ) => {
    orgCaller(caller);
    const reasons = await allReasons(kit, caller);
    const messages = refused ? fieldMessages(refused.problem) : new Map<string, string>();
    kit.send(
      res,
      refused ? refused.problem.status : 200,
      'Status reasons',
      caller,
      html`<h1>Account status reasons</h1>
      <section><table class="reasons"><thead><tr><th>Code</th><th>Description</th><th>Applies to</th></tr></thead><tbody>
      ${reasons.map((r) => html`<tr><td>${r.code}</td><td>${r.description}</td><td>${r.appliesTo.join(', ') || 'every status'}</td></tr>`)}
      </tbody></table>${reasons.length === 0 ? html`<p class="empty">No reasons yet.</p>` : ''}</section>
      <section><h2>New reason</h2><form method="post" action="/ui/status-reasons" class="reason-form">${kit.formFields(res)}
      ${problemLine(refused?.problem)}
      <p><label>Code <input type="text" name="code" value="${refused?.values.code ?? ''}"></label>${fieldError(messages, 'code')}</p>
      <p><label>Description <input type="text" name="description" value="${refused?.values.description ?? ''}"></label>${fieldError(messages, 'description')}</p>
      <p>Applies to (none checked: every status): ${(['NORMAL', 'BLOCKED', 'CANCELLED'] as const).map((s) => html`<label><input type="checkbox" name="appliesTo" value="${s}"${refused?.appliesTo.includes(s) ? html` checked` : ''}> ${s}</label> `)}${fieldError(messages, 'appliesTo')}</p>
      <button type="submit">Create reason</button></form></section>`,
    );
  };

  router.get(
    '/status-reasons',
    kit.view(true, (req, res, caller) => reasonsPage(req, res, caller!)),
  );
  router.post(
    '/status-reasons',
    kit.act(
      async (req, res, caller) => {
        const form = formBody(req);
        const appliesTo = listOf((req.body as Json).appliesTo);
        await kit.api.invoke('post', '/v1/account-status-reasons', {
          caller,
          body: compact({
            code: form.code?.trim(),
            description: form.description,
            appliesTo: appliesTo.length ? appliesTo : undefined,
          }),
          ...kit.requestOf(req, res),
        });
        return '/ui/status-reasons';
      },
      (req, res, caller, problem) =>
        reasonsPage(req, res, caller, {
          problem,
          values: formBody(req),
          appliesTo: listOf((req.body as Json).appliesTo),
        }),
    ),
  );

  // ---------- Settings ----------

  const settingsPage = async (res: Response, caller: Caller, problem?: Problem) => {
    orgCaller(caller);
    const settings = await get<{ statusReasonRequiredFor: string[] }>(caller, '/v1/settings');
    kit.send(
      res,
      problem ? problem.status : 200,
      'Settings',
      caller,
      html`<h1>Settings</h1><section><form method="post" action="/ui/settings">${kit.formFields(res)}
      ${problemLine(problem)}
      <p>A status change to these statuses needs a reason: ${(['NORMAL', 'BLOCKED', 'CANCELLED'] as const).map((s) => html`<label><input type="checkbox" name="statusReasonRequiredFor" value="${s}"${settings.statusReasonRequiredFor.includes(s) ? html` checked` : ''}> ${s}</label> `)}</p>
      <input type="hidden" name="_present" value="1">
      <button type="submit">Save settings</button></form></section>`,
    );
  };
  router.get(
    '/settings',
    kit.view(true, (_req, res, caller) => settingsPage(res, caller!)),
  );
  router.post(
    '/settings',
    kit.act(
      async (req, res, caller) => {
        await kit.api.invoke('patch', '/v1/settings', {
          caller,
          body: { statusReasonRequiredFor: listOf((req.body as Json).statusReasonRequiredFor) },
          ...kit.requestOf(req, res),
        });
        return '/ui/settings';
      },
      (_req, res, caller, problem) => settingsPage(res, caller, problem),
    ),
  );

  // ---------- Account limits reports ----------

  router.get(
    '/reports',
    kit.view(true, async (_req, res, caller) => {
      orgCaller(caller);
      const files = await get<{ items: { date: string; fileName: string }[] }>(
        caller!,
        '/v1/reports/account-limits',
      );
      kit.send(
        res,
        200,
        'Account limits reports',
        caller,
        html`<h1>Account limits reports</h1><section><ul>${files.items.map((f) => html`<li><a href="/ui/reports/${f.date}" download>${f.fileName}</a></li>`)}</ul>
        ${files.items.length === 0 ? html`<p class="empty">No report files yet: the first is written after the daily snapshot at 23:59.</p>` : ''}</section>`,
      );
    }),
  );
  router.get(
    '/reports/:date',
    kit.view(true, async (req, res, caller) => {
      orgCaller(caller);
      const file = await kit.api.invoke('get', '/v1/reports/account-limits/:date', {
        caller,
        params: { date: String(req.params.date) },
        requestId: `ui-${randomUUID()}`,
      });
      res
        .status(200)
        .set(file.headers ?? {})
        .type(file.contentType ?? 'text/csv')
        .send(file.body);
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
  const [account, reasons, related, timeZone] = await Promise.all([
    apiGet<AccountItem>(kit, org, '/v1/accounts/:accountId', {}, { accountId }),
    allReasons(kit, org),
    apiGet<{ account: RelatedItem; children: RelatedItem[]; grandchildren: RelatedItem[] }>(
      kit,
      org,
      '/v1/accounts/:accountId/related',
      {},
      { accountId },
    ),
    orgTimeZone(deps, org),
  ]);
  const extra = await Promise.all([
    customersSection(kit, res, org, accountId, refusal),
    dailySection(kit, req, org, accountId, timeZone),
    eventsSection(kit, deps, org, accountId, timeZone),
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
        <p><label>Reason <select name="reasonId"><option value="">(none)</option>${reasons.map((r) => html`<option value="${r.id}">${r.code}: ${r.description}</option>`)}</select></label>${fieldError(messagesFor('rollback'), 'reasonId')}</p>
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

  const row = (item: RelatedItem, level: string) =>
    html`<tr data-related="${item.id}" data-level="${level}"><td>${level}</td><td><a href="/ui/accounts/${item.id}">${item.id}</a></td><td>${item.status}</td><td>${item.balance} ${item.currency}</td><td>${item.availableToSpend}</td></tr>`;
  const tree = html`<section class="related"><h2>Related accounts</h2>
    <table class="related-tree"><thead><tr><th>Level</th><th>Account</th><th>Status</th><th>Balance</th><th>Available to spend</th></tr></thead><tbody>
    ${row(related.account, 'this account')}
    ${related.children.map((child) => html`${row(child, 'child')}${related.grandchildren.filter((g) => g.parentAccountId === child.id).map((g) => row(g, 'grandchild'))}`)}
    </tbody></table>
    <p>Parent: ${account.parentAccountId ? html`<a href="/ui/accounts/${account.parentAccountId}">${account.parentAccountId}</a>` : 'none'}</p>
    ${problemFor('parent')}
    <form method="post" action="${base}/parent">${kit.formFields(res)}
      <label>Link under parent account <input type="text" name="parentAccountId" required value="${refusal?.form === 'parent' ? (refusal.values.parentAccountId ?? '') : ''}"></label>${fieldError(messagesFor('parent'), 'parentAccountId')}
      <button type="submit">Link under parent</button></form></section>`;

  return html`<section class="account-actions" data-version="${account.version}"><h2>Status actions</h2>
    <p>Allowed now from ${account.status}: ${allowed.map((t) => `${t.event} → ${t.to}`).join(', ') || 'nothing'}</p>
    ${statusForms}${rollbackForm}</section>${money}${tree}${extra}`;
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
          unit: `minor units of ${currency}`,
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
    ${items.map((d) => html`<tr data-date="${d.date}"><td>${d.date}</td><td>${d.balance}</td><td>${d.creditLimit}</td><td>${d.availableCreditLimit}</td><td>${d.availableToSpend}</td></tr>`)}
    </tbody></table><p>Amounts in minor units of ${currency}.</p>`
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

/** The issuer's links on the home page. */
export function issuerHomeLinks(caller: Caller | undefined): Html {
  return caller?.kind === 'org'
    ? html`<p class="issuer-links"><a href="/ui/accounts">Accounts</a> · <a href="/ui/applications/new">New account application</a> · <a href="/ui/applications">Applications</a> · <a href="/ui/programs">Programs</a> · <a href="/ui/status-reasons">Status reasons</a> · <a href="/ui/settings">Settings</a> · <a href="/ui/reports">Account limits reports</a></p>`
    : html``;
}
