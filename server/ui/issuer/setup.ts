import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { Caller } from '../../auth.js';
import { type Problem } from '../../problem.js';
import { html } from '../html.js';
import { fieldMessages, formBody } from '../kit.js';
import {
  type Json,
  type ProgramItem,
  orgCaller,
  fieldError,
  problemLine,
  numberOf,
  daysOf,
  listOf,
  compact,
  options,
  allReasons,
  type IssuerContext,
  withIfMatch,
  orgMoney,
} from './support.js';

// The issuer console: programs, status reasons, settings and the account limits report files
// with their schedule.

export function registerIssuerSetup(router: Router, context: IssuerContext): void {
  const { kit, deps, get, allPrograms } = context;
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
    const [programs, money] = await Promise.all([
      allPrograms(caller),
      orgMoney(deps, orgCaller(caller)),
    ]);
    kit.send(
      res,
      refused ? refused.problem.status : 200,
      'Programs',
      caller,
      html`<h1>Programs</h1>
      <section><table class="programs"><thead><tr><th>Name</th><th>Type</th><th>Network</th><th>Currency</th><th>Due days</th><th>Credit limit (default / max)</th><th>Version</th></tr></thead><tbody>
      ${programs.map((p) => html`<tr data-program="${p.id}"><td><a href="/ui/programs/${p.id}">${p.name}</a></td><td>${p.type}</td><td>${p.cardNetwork}</td><td>${p.currency}</td><td>${p.dueDays.join(', ')}</td><td>${money(p.defaultCreditLimit, p.currency)} / ${p.maxCreditLimit === null ? '—' : money(p.maxCreditLimit, p.currency)}</td><td>${p.version}</td></tr>`)}
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

  const reportsPage = async (res: Response, caller: Caller, problem?: Problem) => {
    orgCaller(caller);
    const [files, schedule] = await Promise.all([
      get<{ items: { date: string; fileName: string }[] }>(caller, '/v1/reports/account-limits'),
      get<{ enabled: boolean; runsAt: string; timeZone: string; version: number }>(
        caller,
        '/v1/report-schedules/:report',
        {},
        { report: 'account_limits' },
      ),
    ]);
    kit.send(
      res,
      problem ? problem.status : 200,
      'Account limits reports',
      caller,
      html`<h1>Account limits reports</h1>
      <section class="report-schedule"><form method="post" action="/ui/reports/schedule">${kit.formFields(res)}
      ${problemLine(problem)}
      <p>Daily file at ${schedule.runsAt} (${schedule.timeZone}): <strong data-fact="report-schedule">${schedule.enabled ? 'on' : 'off'}</strong></p>
      <input type="hidden" name="version" value="${String(schedule.version)}">
      <input type="hidden" name="enabled" value="${schedule.enabled ? 'false' : 'true'}">
      <button type="submit">${schedule.enabled ? 'Turn off' : 'Turn on'}</button></form></section>
      <section><ul>${files.items.map((f) => html`<li><a href="/ui/reports/${f.date}" download>${f.fileName}</a></li>`)}</ul>
      ${files.items.length === 0 ? html`<p class="empty">No report files yet: the first is written after the daily snapshot at ${schedule.runsAt}.</p>` : ''}</section>`,
    );
  };
  router.get(
    '/reports',
    kit.view(true, (_req, res, caller) => reportsPage(res, caller!)),
  );
  router.post(
    '/reports/schedule',
    kit.act(
      async (req, res, caller) => {
        const form = formBody(req);
        await kit.api.invoke('put', '/v1/report-schedules/:report', {
          caller,
          params: { report: 'account_limits' },
          body: { enabled: form.enabled === 'true' },
          ...withIfMatch(kit.requestOf(req, res), form.version),
        });
        return '/ui/reports';
      },
      (_req, res, caller, problem) => reportsPage(res, caller, problem),
    ),
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
