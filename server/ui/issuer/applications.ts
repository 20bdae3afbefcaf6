import type { Request, Response, Router } from 'express';
import type { Caller } from '../../auth.js';
import { type Problem } from '../../problem.js';
import { html, type Html } from '../html.js';
import { fieldMessages, formBody } from '../kit.js';
import {
  type Json,
  type Listed,
  orgCaller,
  fieldError,
  problemLine,
  compact,
  options,
  type IssuerContext,
} from './support.js';

// The issuer console: account applications as forms: draft, save, submit, cancel.

export function registerIssuerApplications(router: Router, context: IssuerContext): void {
  const { kit, get, allPrograms } = context;
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
            ...request,
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
}
