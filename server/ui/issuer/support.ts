import { randomUUID } from 'node:crypto';
import { accountStatusMachine, type AccountStatus } from '../../../machines/account-status.js';
import { isPlainDate, zonedInstant } from '../../../common/plain-dates.js';
import type { Caller } from '../../auth.js';
import { stateDetails } from '../../diagrams/describe-states.js';
import { machineGraph } from '../../diagrams/machine-graph.js';
import { Problem } from '../../problem.js';
import { html, type Html } from '../html.js';
import { fieldMessages, type ConsoleRequest, type PageKit } from '../kit.js';
import { countryLocale, formatMoney } from '../money.js';
import type { UiDeps } from '../routes.js';

// What the issuer console's page modules share: the shapes of the API's answers they read, form
// helpers, and the context each module registers its routes over.

export type Json = Record<string, unknown>;
export interface Listed<T> {
  items: T[];
  next: string | null;
}
export interface ProgramItem {
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
export interface ReasonItem {
  id: string;
  code: string;
  description: string;
  appliesTo: AccountStatus[];
}
export interface AccountItem {
  id: string;
  programId: string;
  currency: string;
  status: AccountStatus;
  balance: number;
  parentAccountId: string | null;
  version: number;
  holder: { name: string; documentNumber: string } | null;
}
export interface RelatedItem {
  id: string;
  parentAccountId: string | null;
  status: string;
  balance: number;
  availableToSpend: number;
  currency: string;
}

export interface CustomerItem {
  id: string;
  kind: 'PERSON' | 'COMPANY';
  name: string;
  documentNumber: string;
  birthDate: string | null;
  incorporationDate: string | null;
}
export interface AccountCustomer {
  role: 'HOLDER' | 'ADDITIONAL';
  customer: CustomerItem;
}
export interface AccountEventItem {
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
export interface DailyPage {
  startDate: string;
  endDate: string;
  items: DailyItem[];
}

/** What a refused form answers: the server's reason, and each field's message beside it. */
export interface Refusal {
  form: string;
  problem: Problem;
  values: Record<string, string>;
}

export const accountGraph = machineGraph(accountStatusMachine, stateDetails.accountStatus);

export function orgCaller(caller: Caller | undefined): Extract<Caller, { kind: 'org' }> {
  if (caller?.kind !== 'org')
    throw new Problem('FORBIDDEN', 'the issuer console needs an org API key');
  return caller;
}

/** A form field's message, if the server refused it. */
export function fieldError(messages: Map<string, string>, name: string): Html {
  const message = messages.get(name);
  return message
    ? html` <span class="error field-error" data-field-error="${name}">${message}</span>`
    : html``;
}

export function problemLine(problem: Problem | undefined): Html {
  return problem ? html`<p class="error" role="alert">${problem.detail}</p>` : html``;
}

/** A number a form sent: absent when empty, a number when it is one, else as sent (the API names the rule). */
export function numberOf(value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : value;
}

export function daysOf(value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(numberOf);
}

export function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function compact(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/** The customer form's fields as the body POST /v1/accounts/:accountId/customers takes. */
export function customerBody(form: Record<string, string>): Json {
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
export function customerMessages(problem: Problem): Map<string, string> {
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
export function zonedToIso(local: string, timeZone: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m || !isPlainDate(m[1]!) || Number(m[2]) > 23 || Number(m[3]) > 59) return undefined;
  return zonedInstant(m[1]!, Number(m[2]), Number(m[3]), timeZone).toISOString();
}

export function options(
  values: readonly string[],
  selected: string | undefined,
  empty?: string,
): Html {
  return html`${empty === undefined ? '' : html`<option value="">${empty}</option>`}${values.map(
    (v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${v}</option>`,
  )}`;
}

export async function apiGet<T>(
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

export async function orgTimeZone(deps: UiDeps, caller: Extract<Caller, { kind: 'org' }>) {
  return (await deps.services.orgs.get(caller.orgId))?.timeZone ?? 'UTC';
}

/** Amounts (minor units) as money in the org's country's notation: `money(500000, 'BRL')`. */
export type Money = (minor: bigint | number | string, currency: string) => string;

export async function orgMoney(
  deps: UiDeps,
  caller: Extract<Caller, { kind: 'org' }>,
): Promise<Money> {
  const locale = countryLocale((await deps.services.orgs.get(caller.orgId))?.country ?? '');
  return (minor, currency) => formatMoney(minor, currency, locale);
}

export async function allReasons(kit: PageKit, caller: Caller): Promise<ReasonItem[]> {
  return (
    await apiGet<Listed<ReasonItem>>(kit, caller, '/v1/account-status-reasons', { limit: 200 })
  ).items;
}

/** The request's headers with If-Match naming the version the page showed. */
export function withIfMatch(request: ConsoleRequest, version: string | undefined) {
  return {
    ...request,
    headers: version ? { ...request.headers, 'if-match': `"v${version}"` } : request.headers,
  };
}

/** What every issuer page module is built over: the page kit, the product and shared reads. */
export interface IssuerContext {
  kit: PageKit;
  deps: UiDeps;
  get: <T>(
    caller: Caller,
    path: string,
    query?: Json,
    params?: Record<string, string>,
  ) => Promise<T>;
  timeZoneOf: (caller: Extract<Caller, { kind: 'org' }>) => Promise<string>;
  allPrograms: (caller: Caller) => Promise<ProgramItem[]>;
}

export function issuerContext(kit: PageKit, deps: UiDeps): IssuerContext {
  const get = <T>(caller: Caller, path: string, query: Json = {}, params = {}) =>
    apiGet<T>(kit, caller, path, query, params);
  return {
    kit,
    deps,
    get,
    timeZoneOf: (caller) => orgTimeZone(deps, caller),
    allPrograms: async (caller) =>
      (await get<Listed<ProgramItem>>(caller, '/v1/programs', { limit: 200 })).items,
  };
}
