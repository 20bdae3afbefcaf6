import type { Request, Response, Router } from 'express';
import { environmentKinds } from '../../machines/environment-provisioning.js';
import { cardNetworks } from '../../machines/network-certification.js';
import { orgOnboardingStageNames } from '../../machines/org-onboarding.js';
import { onboardingEventTypes, type OnboardingOverview } from '../../processes/onboarding.js';
import type { Caller } from '../auth.js';
import { Problem } from '../problem.js';
import { cellHtml, timeCell, valueCell } from './cells.js';
import type { RunStep } from './live-pages.js';
import { html, type Html } from './html.js';
import { fieldMessages, formBody, type PageKit } from './kit.js';
import type { UiDeps } from './routes.js';

// The operator console: what the operator signed in with the operator key: orgs and their onboarding, certifications, API keys.
// Every action runs the API's own route through `kit.api.invoke`; the board offers exactly the
// events the onboarding's machines accept now (the overview's `allowedEvents`), nothing else.

const DAY_MS = 24 * 3600 * 1000;
const PAGE_SIZE = 20;

const consoleCss = html`<style>
.console-form label { display: block; margin: .35rem 0; }
.console-form input[type=text], .console-form select, .event textarea { width: 100%; max-width: 32rem; padding: .4rem; font: inherit; border: 1px solid #cbd5e1; border-radius: 6px; }
.field-error { display: block; color: #b91c1c; font-size: .85rem; }
.events { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: .8rem; }
.event { border: 1px solid #cbd5e1; border-radius: 8px; padding: .6rem .8rem; margin: 0; background: #f8fafc; }
.event label { display: block; }
.event textarea { height: 3.2rem; margin: .3rem 0; }
.secret { display: block; padding: .6rem; background: #fef9c3; border: 1px solid #facc15; border-radius: 6px; font-size: 1rem; word-break: break-all; }
.notice { color: #166534; }
.done { color: #166534; }
.escalated { color: #b91c1c; font-weight: 600; }
.filters { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; }
table form { display: inline; margin: 0; }
table button { padding: .2rem .6rem; }
button.danger { background: #b91c1c; }
</style>`;

/** What the API answers for an org (GET /v1/orgs/:orgId). */
interface OrgAnswer {
  id: string;
  legalName: string;
  address: Record<string, string>;
  timeZone: string;
  networks: string[];
  status: string;
  createdAt: string;
  environments: {
    id: string;
    kind: string;
    status: string;
    verifiedAt: string | null;
    provisioningError: string | null;
  }[];
  onboarding: OnboardingOverview | null;
}

interface ApiKeyAnswer {
  id: string;
  name: string;
  environment: { id: string; kind: string };
  prefix: string;
  state: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
  replacedBy: string | null;
}

interface Page<T> {
  items: T[];
  next: string | null;
}

type AllowedEvent = OnboardingOverview['allowedEvents'][number];

interface Milestone extends RunStep {
  process?: string;
  network?: string;
}

/** The event a board form sent, to keep its notes and show its field messages when refused. */
interface SentEvent {
  type: string;
  target: string;
  notes: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function operatorOnly(caller: Caller | undefined): Caller {
  if (caller?.kind !== 'operator')
    throw new Problem('FORBIDDEN', 'the operator console needs the operator API key');
  return caller;
}

function queryText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A path segment a page may link to: only ids that look like ids. */
function orgPath(orgId: string): string {
  return `/ui/orgs/${encodeURIComponent(orgId)}`;
}

function fieldError(messages: Map<string, string>, field: string): Html | '' {
  const message = messages.get(field);
  return message
    ? html`<span class="field-error" data-field-error="${field}">${message}</span>`
    : '';
}

/** An event the board offers, as its button names it. */
function eventLabel(event: AllowedEvent): string {
  const target = event.network ?? event.environment;
  return target ? `${event.type} (${target})` : event.type;
}

/**
 * Why the board's last action was refused. A refused event is answered with what onboarding
 * accepts now; the notice names the events of the overview the board is drawn from, so it lists
 * exactly the buttons below it even when a process moved on since the refusal.
 */
function problemNotice(problem: Problem, offered: AllowedEvent[]): Html {
  const ext = problem.extensions;
  const stages =
    (ext.stages as string[] | undefined) ?? (typeof ext.stage === 'string' ? [ext.stage] : []);
  return html`<section role="alert"><p class="error" data-testid="problem">${problem.detail}</p>
    ${stages.length ? html`<p>Stage now: ${stages.join(', ')}</p>` : ''}
    ${'allowedEvents' in ext ? html`<p>Accepted now: ${offered.map(eventLabel).join(', ') || 'none'}</p>` : ''}
    <p>Nothing was changed.</p></section>`;
}

function daysLeft(deadline: string, now = Date.now()): string {
  const days = Math.ceil((Date.parse(deadline) - now) / DAY_MS);
  if (Number.isNaN(days)) return '—';
  return days >= 0 ? `${days} days left` : `${-days} days past the deadline`;
}

export function registerOperatorConsole(router: Router, kit: PageKit, deps: UiDeps): void {
  const { api } = kit;
  const get = async <T>(
    path: string,
    caller: Caller,
    req: Request,
    res: Response,
    input: { params?: Record<string, string>; query?: Record<string, unknown> } = {},
  ): Promise<T> => {
    const answer = await api.invoke('get', path, {
      caller,
      ...input,
      requestId: kit.requestOf(req, res).requestId,
    });
    return answer.body as T;
  };

  // ── the orgs list ────────────────────────────────────────────────────────────────────────────

  router.get(
    '/orgs',
    kit.view(true, async (req, res, someone) => {
      const caller = operatorOnly(someone);
      const status = queryText(req.query.status);
      const onboardingStage = queryText(req.query.onboardingStage);
      const after = queryText(req.query.after);
      const limit = queryText(req.query.limit) ?? String(PAGE_SIZE);
      const page = await get<Page<OrgAnswer & { onboardingStages: string[] }>>(
        '/v1/orgs',
        caller,
        req,
        res,
        { query: { status, onboardingStage, after, limit } },
      );
      const overviews = await Promise.all(
        page.items.map((org) => deps.processes.onboarding.getOnboarding(org.id)),
      );
      const keep = new URLSearchParams();
      if (status) keep.set('status', status);
      if (onboardingStage) keep.set('onboardingStage', onboardingStage);
      if (limit !== String(PAGE_SIZE)) keep.set('limit', limit);
      const nextLink = page.next
        ? `/ui/orgs?${new URLSearchParams([...keep, ['after', page.next]]).toString()}`
        : undefined;
      kit.send(
        res,
        200,
        'Orgs',
        caller,
        html`${consoleCss}<h1>Orgs</h1>
        <section><p><a href="/ui/orgs/new" data-testid="new-org">Create an org</a></p>
        <form method="get" action="/ui/orgs" class="filters console-form">
          <label>Status <select name="status"><option value="">any</option>${['ONBOARDING', 'ACTIVE'].map((s) => html`<option${s === status ? ' selected' : ''}>${s}</option>`)}</select></label>
          <label>Onboarding stage <select name="onboardingStage"><option value="">any</option>${orgOnboardingStageNames.map((s) => html`<option${s === onboardingStage ? ' selected' : ''}>${s}</option>`)}</select></label>
          <button type="submit">Filter</button>
        </form></section>
        <section><table class="orgs"><thead><tr><th>Org</th><th>Status</th><th>Onboarding</th><th>Progress per region</th><th>Created (org's time zone)</th></tr></thead><tbody>
        ${page.items.map((org, index) => {
          const overview = overviews[index];
          return html`<tr data-org="${org.id}"><td><a href="${orgPath(org.id)}">${org.legalName}</a><br><small>${org.id}</small></td>
            <td data-cell="status">${org.status}</td>
            <td data-cell="stage">${overview?.stage ?? org.onboardingStages.join(', ')}</td>
            <td>${
              overview
                ? html`<ul>${overview.processes.map(
                    (p) =>
                      html`<li>${[p.process, p.network ?? p.environment].filter(Boolean).join(' ')}: ${p.stage}${p.done ? html` <span class="done">✓</span>` : ''}</li>`,
                  )}</ul>`
                : 'no onboarding run'
            }</td>
            <td>${cellHtml(timeCell(org.createdAt, org.timeZone))}</td></tr>`;
        })}
        </tbody></table>
        ${page.items.length === 0 ? html`<p class="empty">No orgs match.</p>` : ''}
        ${nextLink ? html`<p><a href="${nextLink}" rel="next">Next page</a></p>` : ''}</section>`,
      );
    }),
  );

  // ── creating an org ─────────────────────────────────────────────────────────────────────────

  const newOrgForm = (
    res: Response,
    caller: Caller,
    status: number,
    values: Record<string, string>,
    checked: readonly string[] = cardNetworks,
    problem?: Problem,
  ) => {
    const messages = problem ? fieldMessages(problem) : new Map<string, string>();
    const input = (name: string, label: string, required = true) =>
      html`<label>${label}<br><input type="text" name="${name}" value="${values[name] ?? ''}"${required ? ' required' : ''}>${fieldError(messages, name)}</label>`;
    kit.send(
      res,
      status,
      'New org',
      caller,
      html`${consoleCss}<h1>New org</h1>${problem ? html`<p class="error" role="alert">${problem.detail}</p>` : ''}
      <section><form method="post" action="/ui/orgs/new" class="console-form">
        ${kit.formFields(res)}
        ${input('legalName', 'Legal name')}
        <fieldset><legend>Address</legend>
        ${input('address.line1', 'Line 1')}${input('address.line2', 'Line 2', false)}
        ${input('address.city', 'City')}${input('address.region', 'Region', false)}
        ${input('address.postalCode', 'Postal code')}${input('address.country', 'Country (ISO 3166-1 alpha-2, e.g. BR)')}
        </fieldset>
        ${input('timeZone', 'Time zone (IANA, e.g. America/Sao_Paulo)')}
        <fieldset><legend>Card networks to certify with</legend>
        ${cardNetworks.map((n) => html`<label><input type="checkbox" name="networks" value="${n}"${checked.includes(n) ? ' checked' : ''}> ${n}</label>`)}
        ${fieldError(messages, 'networks')}</fieldset>
        <p><button type="submit">Create org</button></p>
      </form></section>`,
    );
  };

  const networksOf = (req: Request): string[] => {
    const sent = (req.body as Record<string, unknown> | undefined)?.networks;
    return (Array.isArray(sent) ? sent : [sent]).filter((n): n is string => typeof n === 'string');
  };

  router.get(
    '/orgs/new',
    kit.view(true, (_req, res, someone) => {
      newOrgForm(res, operatorOnly(someone), 200, { timeZone: 'America/Sao_Paulo' });
    }),
  );

  router.post(
    '/orgs/new',
    kit.actAndShow(
      async (req, res, someone) => {
        const caller = operatorOnly(someone);
        const fields = formBody(req);
        const optional = (name: string) => (fields[name] ? fields[name] : undefined);
        const created = await api.invoke('post', '/v1/orgs', {
          caller,
          body: {
            legalName: fields.legalName ?? '',
            address: {
              line1: fields['address.line1'] ?? '',
              line2: optional('address.line2'),
              city: fields['address.city'] ?? '',
              region: optional('address.region'),
              postalCode: fields['address.postalCode'] ?? '',
              country: fields['address.country'] ?? '',
            },
            timeZone: fields.timeZone ?? '',
            networks: networksOf(req),
          },
          ...kit.requestOf(req, res),
        });
        const answer = created.body as {
          org: OrgAnswer;
          apiKey: { id: string; environmentKind: string; token: string };
          onboarding: { workflowId: string; page: string; uiUrl?: string };
        };
        return {
          title: 'Org created',
          body: html`${consoleCss}<h1>Org created: ${answer.org.legalName}</h1>
          <section><dl>
            <dt>Org ID</dt><dd data-testid="org-id">${answer.org.id}</dd>
            <dt>Networks</dt><dd>${answer.org.networks.join(', ')}</dd>
            <dt>Time zone</dt><dd>${answer.org.timeZone}</dd>
            <dt>Onboarding</dt><dd><a href="${answer.onboarding.page}">${answer.onboarding.workflowId}</a>${answer.onboarding.uiUrl ? html` · <a href="${answer.onboarding.uiUrl}">Temporal Web UI</a>` : ''}</dd>
          </dl></section>
          <section><h2>Test environment API key</h2>
            <p><strong>Shown only now.</strong> Only its hash is stored: copy it and hand it to the org.</p>
            <code class="secret" data-testid="new-api-key">${answer.apiKey.token}</code></section>
          <p><a href="${orgPath(answer.org.id)}" data-testid="open-org">Open the onboarding board</a></p>`,
        };
      },
      (req, res, caller, problem) =>
        newOrgForm(res, caller, problem.status, formBody(req), networksOf(req), problem),
    ),
  );

  // ── the onboarding board ────────────────────────────────────────────────────────────────────

  const board = async (
    req: Request,
    res: Response,
    caller: Caller,
    orgId: string,
    status: number,
    refusal?: { problem: Problem; sent?: SentEvent },
  ) => {
    const org = await get<OrgAnswer>('/v1/orgs/:orgId', caller, req, res, { params: { orgId } });
    const keysAfter = queryText(req.query.keysAfter);
    const keys = await get<Page<ApiKeyAnswer>>('/v1/orgs/:orgId/api-keys', caller, req, res, {
      params: { orgId },
      query: { limit: '50', ...(keysAfter ? { after: keysAfter } : {}) },
    });
    const { timeZone } = org;
    const overview = org.onboarding;
    const certifications = overview?.processes.filter((p) => p.process === 'certification') ?? [];
    const milestonesOf = (p: { details?: Record<string, unknown> }) =>
      (p.details?.history ?? []) as Milestone[];
    const names = await deps.services.actorNames.name(org.id, [
      ...(overview?.history ?? []).map((s) => s.by),
      ...certifications.flatMap((p) => milestonesOf(p).map((s) => s.by)),
    ]);
    const who = (by: string) => names.get(by) ?? by;
    const time = (instant: string | null | undefined) => cellHtml(timeCell(instant, timeZone));
    const messages = refusal ? fieldMessages(refusal.problem) : new Map<string, string>();
    const sentType = queryText(req.query.sent);
    const sent =
      sentType && (onboardingEventTypes as string[]).includes(sentType)
        ? [sentType, queryText(req.query.to)].filter(Boolean).join(' · ')
        : undefined;

    const eventForm = (event: AllowedEvent) => {
      const target = event.network ?? event.environment ?? '';
      const mine = refusal?.sent?.type === event.type && refusal.sent.target === target;
      return html`<form method="post" action="${orgPath(org.id)}/events" class="event" data-event="${event.type}" data-target="${target}">
        ${kit.formFields(res)}
        <input type="hidden" name="type" value="${event.type}">
        ${event.network ? html`<input type="hidden" name="network" value="${event.network}">` : ''}
        ${event.environment ? html`<input type="hidden" name="environment" value="${event.environment}">` : ''}
        <strong>${event.type}</strong>${target ? html` <span class="pill">${target}</span>` : ''}
        <label>Notes (evidence)<br><textarea name="notes" maxlength="1000">${mine ? refusal.sent?.notes : ''}</textarea></label>
        ${mine ? [fieldError(messages, 'notes'), fieldError(messages, 'type')] : ''}
        <button type="submit"${event.type === 'CANCEL' || event.type === 'FAILED' ? html` class="danger"` : ''}>${eventLabel(event)}</button>
      </form>`;
    };

    kit.send(
      res,
      status,
      org.legalName,
      caller,
      html`${consoleCss}<h1>${org.legalName}</h1>
      ${refusal ? problemNotice(refusal.problem, overview?.allowedEvents ?? []) : ''}
      ${sent ? html`<p class="notice" role="status" data-testid="sent">Sent ${sent}.</p>` : ''}
      <section><dl class="facts">
        <dt>Org ID</dt><dd>${org.id}</dd>
        <dt>Status</dt><dd data-fact="Status">${org.status}</dd>
        <dt>Onboarding</dt><dd data-fact="Onboarding">${overview?.stage ?? 'no onboarding run'}</dd>
        <dt>Waiting for</dt><dd>${overview?.waitingFor.join('; ') || '—'}</dd>
        <dt>Networks</dt><dd>${org.networks.join(', ')}</dd>
        <dt>Time zone</dt><dd data-fact="Time zone">${timeZone}</dd>
        <dt>Created</dt><dd>${time(org.createdAt)}</dd>
        ${
          overview
            ? html`<dt>Onboarding run</dt><dd><a href="${overview.workflow.page}">${overview.workflow.workflowId}</a>${overview.workflow.uiUrl ? html` · <a href="${overview.workflow.uiUrl}" data-testid="temporal-link">Temporal Web UI</a>` : ''}</dd>`
            : ''
        }
      </dl></section>

      <section id="events"><h2>Next steps: events accepted now</h2>
      ${
        overview && overview.allowedEvents.length > 0
          ? html`<div class="events">${overview.allowedEvents.map(eventForm)}</div>`
          : html`<p class="empty" data-testid="no-events">${overview?.done ? 'Onboarding is done: nothing is left to do.' : 'No event is accepted now; the processes are working on their own.'}</p>`
      }</section>

      <section><h2>Processes</h2><table class="processes"><thead><tr><th>Process</th><th>Stage</th><th>Done</th><th>Details</th><th>Run</th></tr></thead><tbody>
      ${(overview?.processes ?? []).map((p) => {
        const target = p.network ?? p.environment ?? '';
        const failure =
          p.details && (p.details.failedStep || p.details.lastError)
            ? html`<span class="error" data-testid="failed-step">failed at ${cellHtml(valueCell(p.details.failedStep, timeZone))}: ${cellHtml(valueCell(p.details.lastError, timeZone))}</span>`
            : '';
        const environment = p.environment
          ? org.environments.find((e) => e.kind === p.environment)
          : undefined;
        return html`<tr data-process="${p.process}" data-target="${target}"><td>${p.process} ${target}</td><td data-cell="stage">${p.stage}</td><td>${p.done ? html`<span class="done">yes</span>` : 'no'}</td>
          <td>${failure}${environment ? html`environment ${environment.status}${environment.verifiedAt ? html`, verified ${time(environment.verifiedAt)}` : ''}` : ''}</td>
          <td>${p.workflow ? html`<a href="${p.workflow.page}">live page</a>${p.workflow.uiUrl ? html` · <a href="${p.workflow.uiUrl}">Temporal Web UI</a>` : ''}` : '—'}</td></tr>`;
      })}
      </tbody></table></section>

      ${certifications.map((p) => {
        const details = p.details ?? {};
        const deadline = typeof details.deadline === 'string' ? details.deadline : undefined;
        const milestones = milestonesOf(p);
        return html`<section class="certification" data-network="${p.network}"><h2>${p.network} certification</h2>
        <dl>
          <dt>Stage</dt><dd data-fact="stage">${p.stage}</dd>
          <dt>Deadline (${p.done ? 'ended' : 'not yet certified'})</dt><dd>${deadline ? html`${time(deadline)} · <span data-fact="days-left">${p.done ? 'ended' : daysLeft(deadline)}</span>` : 'starts once the test environment is verified'}</dd>
          <dt>Reminders sent</dt><dd data-fact="reminders">${typeof details.remindersSent === 'number' ? String(details.remindersSent) : '0'}</dd>
          <dt>Escalation</dt><dd data-fact="escalated">${details.escalated ? html`<span class="escalated">escalated: past its deadline</span>` : 'not escalated'}</dd>
          ${p.workflow ? html`<dt>Run</dt><dd><a href="${p.workflow.page}">live page</a>${p.workflow.uiUrl ? html` · <a href="${p.workflow.uiUrl}">Temporal Web UI</a>` : ''}</dd>` : ''}
        </dl>
        <h3>Milestones</h3>
        <table class="milestones"><thead><tr><th>When (${timeZone})</th><th>Milestone</th><th>From → to</th><th>Who</th><th>Evidence</th></tr></thead><tbody>
        ${milestones.map((m) => html`<tr><td>${time(m.at)}</td><td>${m.event}</td><td>${m.from} → ${m.to}</td><td>${who(m.by)}</td><td>${m.notes ?? ''}</td></tr>`)}
        </tbody></table>${milestones.length === 0 ? html`<p class="empty">No milestones yet.</p>` : ''}</section>`;
      })}

      <section><h2>Onboarding steps</h2><table class="steps"><thead><tr><th>When (${timeZone})</th><th>Step</th><th>Where</th><th>From → to</th><th>Who</th><th>Notes</th></tr></thead><tbody>
      ${(overview?.history ?? []).map((s) => html`<tr><td>${time(s.at)}</td><td>${s.event}</td><td>${[s.process, s.network].filter(Boolean).join(' ')}</td><td>${s.from} → ${s.to}</td><td>${who(s.by)}</td><td>${s.notes ?? ''}</td></tr>`)}
      </tbody></table></section>

      <section id="api-keys"><h2>API keys</h2>
      <table class="api-keys"><thead><tr><th>Name</th><th>Environment</th><th>Prefix</th><th>State</th><th>Created (${timeZone})</th><th>Last used</th><th>Revoked / expires</th><th></th></tr></thead><tbody>
      ${keys.items.map(
        (
          key,
        ) => html`<tr data-key="${key.id}"><td>${key.name}</td><td>${key.environment.kind}</td><td><code>${key.prefix}</code></td><td data-cell="state">${key.state}</td>
        <td>${time(key.createdAt)}</td><td>${time(key.lastUsedAt)}</td><td>${key.revokedAt ? time(key.revokedAt) : time(key.expiresAt)}</td>
        <td>${
          key.state === 'ACTIVE' || key.state === 'ROTATING'
            ? html`<form method="post" action="${orgPath(org.id)}/api-keys/${key.id}/revoke">${kit.formFields(res)}<button type="submit" class="danger" data-action="revoke">Revoke</button></form>`
            : ''
        } ${
          key.state === 'ACTIVE'
            ? html`<form method="post" action="${orgPath(org.id)}/api-keys/${key.id}/rotate">${kit.formFields(res)}<button type="submit" data-action="rotate">Rotate</button></form>`
            : ''
        }</td></tr>`,
      )}
      </tbody></table>
      ${keys.next ? html`<p><a href="${orgPath(org.id)}?keysAfter=${encodeURIComponent(keys.next)}#api-keys" rel="next">More keys</a></p>` : ''}
      <h3>Issue a key</h3>
      <form method="post" action="${orgPath(org.id)}/api-keys" class="console-form">
        ${kit.formFields(res)}
        <label>Environment <select name="environment">${environmentKinds.map((k) => html`<option>${k}</option>`)}</select>${fieldError(messages, 'environment')}</label>
        <label>Name <input type="text" name="name" required>${fieldError(messages, 'name')}</label>
        <button type="submit">Issue key</button>
      </form></section>`,
    );
  };

  const orgIdOf = (req: Request): string => {
    const orgId = String(req.params.orgId);
    if (!UUID.test(orgId)) throw Problem.notFound(`org ${orgId}`);
    return orgId;
  };

  router.get(
    '/orgs/:orgId',
    kit.view(true, async (req, res, someone) => {
      await board(req, res, operatorOnly(someone), orgIdOf(req), 200);
    }),
  );

  const reshowBoard = async (req: Request, res: Response, caller: Caller, problem: Problem) => {
    const fields = formBody(req);
    await board(req, res, operatorOnly(caller), orgIdOf(req), problem.status, {
      problem,
      sent: fields.type
        ? {
            type: fields.type,
            target: fields.network ?? fields.environment ?? '',
            notes: fields.notes ?? '',
          }
        : undefined,
    });
  };

  router.post(
    '/orgs/:orgId/events',
    kit.act(async (req, res, someone) => {
      const caller = operatorOnly(someone);
      const orgId = orgIdOf(req);
      const { type, network, environment, notes } = formBody(req);
      await api.invoke('post', '/v1/orgs/:orgId/onboarding/events', {
        caller,
        params: { orgId },
        body: {
          type,
          ...(network ? { network } : {}),
          ...(environment ? { environment } : {}),
          ...(notes?.trim() ? { notes } : {}),
        },
        ...kit.requestOf(req, res),
      });
      const done = new URLSearchParams({ sent: type ?? '' });
      if (network ?? environment) done.set('to', (network ?? environment)!);
      return `${orgPath(orgId)}?${done.toString()}#events`;
    }, reshowBoard),
  );

  // ── API keys ────────────────────────────────────────────────────────────────────────────────

  const apiKeyIdOf = (req: Request): string => {
    const apiKeyId = String(req.params.apiKeyId);
    if (!UUID.test(apiKeyId)) throw Problem.notFound(`API key ${apiKeyId}`);
    return apiKeyId;
  };

  const secretPage = (
    orgId: string,
    heading: string,
    key: { name: string; environmentKind: string; token: string },
    extra: Html | '' = '',
  ) => ({
    title: heading,
    body: html`${consoleCss}<h1>${heading}</h1>
      <section><dl><dt>Name</dt><dd>${key.name}</dd><dt>Environment</dt><dd>${key.environmentKind}</dd></dl>${extra}</section>
      <section><h2>The new key</h2><p><strong>Shown only now.</strong> Only its hash is stored: copy it and hand it to the org.</p>
      <code class="secret" data-testid="new-api-key">${key.token}</code></section>
      <p><a href="${orgPath(orgId)}#api-keys">Back to the org</a></p>`,
  });

  router.post(
    '/orgs/:orgId/api-keys/:apiKeyId/revoke',
    kit.act(async (req, res, someone) => {
      const caller = operatorOnly(someone);
      const orgId = orgIdOf(req);
      await api.invoke('post', '/v1/api-keys/:apiKeyId/revoke', {
        caller,
        params: { apiKeyId: apiKeyIdOf(req) },
        ...kit.requestOf(req, res),
      });
      return `${orgPath(orgId)}#api-keys`;
    }, reshowBoard),
  );

  router.post(
    '/orgs/:orgId/api-keys/:apiKeyId/rotate',
    kit.actAndShow(async (req, res, someone) => {
      const caller = operatorOnly(someone);
      const orgId = orgIdOf(req);
      const rotated = await api.invoke('post', '/v1/api-keys/:apiKeyId/rotate', {
        caller,
        params: { apiKeyId: apiKeyIdOf(req) },
        ...kit.requestOf(req, res),
      });
      const { apiKey, replaced } = rotated.body as {
        apiKey: ApiKeyAnswer & { token: string };
        replaced: ApiKeyAnswer;
      };
      const timeZone = (await deps.services.orgs.get(orgId))?.timeZone ?? 'UTC';
      return secretPage(
        orgId,
        'API key rotated',
        { name: apiKey.name, environmentKind: apiKey.environment.kind, token: apiKey.token },
        html`<p>The old key (<code>${replaced.prefix}</code>) keeps working until ${cellHtml(timeCell(replaced.expiresAt, timeZone))}, then stops.</p>`,
      );
    }, reshowBoard),
  );

  router.post(
    '/orgs/:orgId/api-keys',
    kit.actAndShow(async (req, res, someone) => {
      const caller = operatorOnly(someone);
      const orgId = orgIdOf(req);
      const { environment, name } = formBody(req);
      const issued = await api.invoke('post', '/v1/orgs/:orgId/api-keys', {
        caller,
        params: { orgId },
        body: { environment, name },
        ...kit.requestOf(req, res),
      });
      const key = issued.body as { name: string; environmentKind: string; token: string };
      return secretPage(orgId, 'API key issued', key);
    }, reshowBoard),
  );
}
