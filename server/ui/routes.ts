import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { machines } from '../../machines/index.js';
import type { Processes } from '../../processes/index.js';
import type { OnboardingProcessView } from '../../processes/onboarding.js';
import type { Services } from '../../services/index.js';
import type { Caller } from '../auth.js';
import { machineGraph, type MachineGraph } from '../diagrams/machine-graph.js';
import { machineTitles, stateDetails } from '../diagrams/describe-states.js';
import { machineSvg } from '../diagrams/render.js';
import { DomainFailure } from '../../common/failures.js';
import { problemOf } from '../domain-problems.js';
import { Problem } from '../problem.js';
import { html, raw, type Html } from './html.js';
import { page } from './pages.js';
import { createSessions } from './session.js';

// Server-rendered pages: every machine as a diagram, an account's status on its diagram with
// its history, a workflow run on its machine with its steps, and the API documentation.

export interface UiDeps {
  services: Services;
  processes: Processes;
  operatorApiKey: string;
}

const graphs = new Map<string, MachineGraph>(
  Object.values(machines).map((machine) => [
    machine.id,
    machineGraph(machine, stateDetails[machine.id]),
  ]),
);

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A child run of an org's onboarding (an environment or a certification), from the onboarding overview. */
async function onboardingChild(
  deps: UiDeps,
  caller: Caller,
  orgId: string,
  pick: (p: OnboardingProcessView) => boolean,
) {
  if (caller.kind === 'org' && caller.orgId !== orgId) return undefined;
  const overview = await deps.processes.onboarding.getOnboarding(orgId);
  const process = overview?.processes.find(pick);
  if (!process?.workflow) return undefined;
  const details = process.details ?? {};
  const history = (details.history ?? []) as {
    at: string;
    event: string;
    from: string;
    to: string;
    by: string;
    notes?: string;
  }[];
  return {
    current: process.stage,
    facts: [
      ['Stage', process.stage],
      ['Done', process.done ? 'yes' : 'no'],
      ...Object.entries(details)
        .filter(([key]) => key !== 'history')
        .map(([key, value]) => [
          key,
          value === null
            ? '—'
            : typeof value === 'object'
              ? JSON.stringify(value)
              : String(value as string),
        ]),
      [
        'Operator events accepted now',
        overview!.allowedEvents
          .filter((e) => (e.environment ?? e.network) === (process.environment ?? process.network))
          .map((e) => e.type)
          .join(', ') || 'none',
      ],
    ] as [string, string][],
    steps: history.map((step) => ({
      at: step.at,
      what: step.event,
      from: step.from,
      to: step.to,
      by: step.by,
      notes: step.notes ?? '',
    })),
    link: process.workflow,
  };
}

/** Workflow runs the pages can draw: how to recognise them and read their state. */
const drawableWorkflows = [
  {
    pattern: new RegExp(`^org-onboarding-(${UUID})$`),
    machineId: 'orgOnboarding',
    async load(deps: UiDeps, [, orgId]: string[], caller: Caller) {
      if (!orgId || (caller.kind === 'org' && caller.orgId !== orgId)) return undefined;
      const overview = await deps.processes.onboarding.getOnboarding(orgId);
      if (!overview) return undefined;
      return {
        title: `Onboarding of org ${orgId}`,
        current: overview.stages.map((stage) =>
          overview.stage === 'onboarding' ? `onboarding.${stage}` : stage,
        ),
        facts: [
          ['Stage', overview.stage],
          ...overview.processes.map((p): [string, string] => [
            [p.process, p.network ?? p.environment].filter(Boolean).join(' '),
            p.stage,
          ]),
          ['Waiting for', overview.waitingFor.join('; ') || '—'],
          ['Done', overview.done ? 'yes' : 'no'],
          [
            'Operator events accepted now',
            overview.allowedEvents
              .map((e) => [e.type, e.network ?? e.environment].filter(Boolean).join(' '))
              .join(', ') || 'none',
          ],
        ] as [string, string][],
        steps: overview.history.map((step) => {
          const where = [step.process, step.network].filter(Boolean).join(' ');
          return {
            at: step.at,
            what: step.event,
            from: where ? `${where}: ${step.from}` : step.from,
            to: step.to,
            by: step.by,
            notes: step.notes ?? '',
          };
        }),
        link: overview.workflow,
      };
    },
  },
  {
    pattern: new RegExp(`^environment-provisioning-(${UUID})-(test|production)$`),
    machineId: 'environmentProvisioning',
    async load(deps: UiDeps, [, orgId, kind]: string[], caller: Caller) {
      const run = await onboardingChild(
        deps,
        caller,
        orgId!,
        (p) => p.environment === kind!.toUpperCase(),
      );
      return run && { title: `${kind!.toUpperCase()} environment of org ${orgId}`, ...run };
    },
  },
  {
    pattern: new RegExp(`^network-certification-(${UUID})-(visa|mastercard)$`),
    machineId: 'networkCertification',
    async load(deps: UiDeps, [, orgId, network]: string[], caller: Caller) {
      const run = await onboardingChild(
        deps,
        caller,
        orgId!,
        (p) => p.network === network!.toUpperCase(),
      );
      return run && { title: `${network!.toUpperCase()} certification of org ${orgId}`, ...run };
    },
  },
  {
    pattern: new RegExp(`^account-application-(${UUID})$`),
    machineId: 'accountApplication',
    async load(deps: UiDeps, [, applicationId]: string[], caller: Caller) {
      if (caller.kind !== 'org' || !applicationId) return undefined;
      const view = await deps.processes.applications.get(
        { orgId: caller.orgId, environmentId: caller.environmentId },
        applicationId,
      );
      return {
        title: `Account application ${applicationId}`,
        current: view.status,
        facts: [
          ['Status', view.status],
          ['Account', view.accountId ?? '—'],
          ['Rejection reasons', view.rejectionReasons.join('; ') || '—'],
          ['Draft expires at', view.expiresAt ?? '—'],
        ] as [string, string][],
        steps: view.history.map((step) => ({
          at: step.at,
          what: step.event,
          from: '',
          to: '',
          by: step.by,
          notes: '',
        })),
        link: deps.processes.workflowLink(`account-application-${applicationId}`),
      };
    },
  },
];

export function registerUiRoutes(app: Express, deps: UiDeps): void {
  const sessions = createSessions({
    apiKeys: deps.services.apiKeys,
    operatorApiKey: deps.operatorApiKey,
  });
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    );
    next();
  });

  const send = (
    res: Response,
    status: number,
    title: string,
    caller: Caller | undefined,
    body: Html,
  ) =>
    res
      .status(status)
      .type('html')
      .send(page(title, caller, body));

  /** Wraps a page: resolves the caller, sends visitors to sign in, renders failures as pages. */
  const view =
    (
      needsCaller: boolean,
      render: (req: Request, res: Response, caller: Caller | undefined) => Promise<void> | void,
    ) =>
    async (req: Request, res: Response, next: NextFunction) => {
      let caller: Caller | undefined;
      try {
        caller = await sessions.callerOf(req);
        if (needsCaller && !caller) {
          res.redirect(303, `/ui/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        await render(req, res, caller);
      } catch (thrown) {
        const error = thrown instanceof DomainFailure ? problemOf(thrown, 'body') : thrown;
        if (!(error instanceof Problem) || error.status >= 500) return next(error);
        send(
          res,
          error.status,
          'Error',
          caller,
          html`<section><h1>${error.status}</h1><p class="error">${error.detail}</p></section>`,
        );
      }
    };

  router.get(
    '/',
    view(false, (_req, res, caller) => {
      const own =
        caller?.kind === 'org'
          ? html`<section><h2>Your org</h2><p><a href="/ui/workflows/org-onboarding-${caller.orgId}">Onboarding of your org</a></p>
            <form method="get" action="/ui/accounts/go"><label>Account id <input type="text" name="id" required></label> <button type="submit">Open account</button></form></section>`
          : '';
      send(
        res,
        200,
        'Home',
        caller,
        html`<h1>Card issuing engine</h1>${own}
        <section><h2>Machines</h2><ul>${[...graphs.keys()].map((id) => html`<li><a href="/ui/machines/${id}">${machineTitles[id] ?? id}</a></li>`)}</ul></section>
        <section><h2>API</h2><p><a href="/ui/api">API documentation</a>, with requests you can try against this server.</p></section>`,
      );
    }),
  );

  router.get(
    '/login',
    view(false, (req, res, caller) => {
      send(res, 200, 'Sign in', caller, loginForm(safeNext(req.query.next)));
    }),
  );

  router.post(
    '/login',
    express.urlencoded({ extended: false, limit: '4kb' }),
    view(false, async (req, res) => {
      const body = (req.body ?? {}) as { apiKey?: unknown; next?: unknown };
      const next = safeNext(body.next);
      const key = typeof body.apiKey === 'string' ? body.apiKey.trim() : '';
      req.headers.authorization = `Bearer ${key}`;
      const caller = key ? await sessions.callerOf(req).catch(() => undefined) : undefined;
      if (!caller) {
        send(res, 401, 'Sign in', undefined, loginForm(next, 'That API key is not valid.'));
        return;
      }
      sessions.start(res, caller, req.secure);
      res.redirect(303, next);
    }),
  );

  router.post('/logout', (_req, res) => {
    sessions.end(res);
    res.redirect(303, '/ui/login');
  });

  router.get(
    '/machines',
    view(false, async (_req, res, caller) => {
      send(
        res,
        200,
        'Machines',
        caller,
        html`<h1>Machines</h1>${await Promise.all(
          [...graphs.values()].map(
            async (
              graph,
            ) => html`<section><h2><a href="/ui/machines/${graph.id}">${machineTitles[graph.id] ?? graph.id}</a></h2>
          <div class="diagram">${raw(await machineSvg(graph, { title: machineTitles[graph.id] }))}</div></section>`,
          ),
        )}`,
      );
    }),
  );

  router.get('/machines/:machineId.svg', async (req, res, next) => {
    const graph = graphs.get(req.params.machineId);
    if (!graph) return next();
    res.type('image/svg+xml').send(await machineSvg(graph, { title: machineTitles[graph.id] }));
  });

  router.get(
    '/machines/:machineId',
    view(false, async (req, res, caller) => {
      const graph = graphs.get(String(req.params.machineId));
      if (!graph) throw Problem.notFound(`machine ${String(req.params.machineId)}`);
      const title = machineTitles[graph.id] ?? graph.id;
      send(
        res,
        200,
        title,
        caller,
        html`<h1>${title}</h1>
        <section class="diagram">${raw(await machineSvg(graph, { title }))}</section>
        <section><h2>Transitions</h2><table><thead><tr><th>From</th><th>Event</th><th>Guard</th><th>To</th></tr></thead><tbody>
        ${graph.transitions.map((t) => html`<tr><td>${t.source}</td><td>${t.event}</td><td>${t.guard ?? ''}</td><td>${t.target}</td></tr>`)}
        </tbody></table></section>
        <section><h2>States</h2><table><thead><tr><th>State</th><th></th><th>Final</th></tr></thead><tbody>
        ${graph.states.map((s) => html`<tr><td>${s.id}${s.initial ? ' (initial)' : ''}</td><td>${s.details.join(', ')}</td><td>${s.final ? 'yes' : ''}</td></tr>`)}
        </tbody></table><p><a href="/ui/machines/${graph.id}.svg">SVG</a></p></section>`,
      );
    }),
  );

  router.get('/accounts/go', (req, res) => {
    const id = typeof req.query.id === 'string' ? req.query.id.trim() : '';
    res.redirect(303, `/ui/accounts/${encodeURIComponent(id)}`);
  });

  router.get(
    '/accounts/:accountId',
    view(true, async (req, res, caller) => {
      if (caller?.kind !== 'org')
        throw new Problem('FORBIDDEN', 'accounts are seen with an org API key');
      const tenant = { orgId: caller.orgId, environmentId: caller.environmentId };
      const accountId = String(req.params.accountId);
      if (!/^[0-9a-f-]{36}$/i.test(accountId)) throw Problem.notFound(`account ${accountId}`);
      const account = await deps.services.accounts.get(tenant, accountId);
      const history = await deps.services.accountHistory.statusChanges(tenant, accountId, {
        limit: 200,
      });
      const graph = graphs.get('accountStatus')!;
      send(
        res,
        200,
        `Account ${account.id}`,
        caller,
        html`<h1>Account ${account.id}</h1>
        <section><dl>
          <dt>Status</dt><dd><span class="pill current" data-testid="status">${account.status}</span></dd>
          <dt>Reason</dt><dd>${account.statusReason ? `${account.statusReason.code}: ${account.statusReason.description}` : '—'}</dd>
          <dt>Blocked until</dt><dd>${account.blockedUntil?.toISOString() ?? '—'}</dd>
          <dt>Balance</dt><dd>${String(account.balance)} (minor units of ${account.currency})</dd>
          <dt>Version</dt><dd>${account.version}</dd>
        </dl></section>
        <section class="diagram">${raw(await machineSvg(graph, { current: account.status, title: 'Account status' }))}</section>
        <section><h2>History</h2><table class="timeline"><thead><tr><th>When</th><th>Change</th><th>Reason</th><th>Description</th><th>Who</th></tr></thead><tbody>
        ${history.map((row) => html`<tr data-from="${row.fromStatus}" data-to="${row.toStatus}"><td>${row.createdAt.toISOString()}</td><td>${row.fromStatus} → ${row.toStatus}${row.kind === 'CHANGE' ? '' : ` (${row.kind.toLowerCase().replace('_', ' ')})`}</td><td>${row.reason?.code ?? ''}</td><td>${row.description ?? ''}</td><td>${row.actor}</td></tr>`)}
        </tbody></table>${history.length === 0 ? html`<p>No status changes yet.</p>` : ''}</section>`,
      );
    }),
  );

  router.get(
    '/workflows/:workflowId',
    view(true, async (req, res, caller) => {
      const workflowId = String(req.params.workflowId);
      const kind = drawableWorkflows.find((w) => w.pattern.test(workflowId));
      const run =
        kind && caller
          ? await kind.load(deps, kind.pattern.exec(workflowId) ?? [], caller)
          : undefined;
      if (!kind || !run) throw Problem.notFound(`workflow ${workflowId}`);
      const graph = graphs.get(kind.machineId)!;
      send(
        res,
        200,
        run.title,
        caller,
        html`<h1>${run.title}</h1>
        <section><dl>${run.facts.map(([k, v]) => html`<dt>${k}</dt><dd data-fact="${k}">${v}</dd>`)}
          <dt>Workflow</dt><dd>${run.link.uiUrl ? html`<a href="${run.link.uiUrl}" data-testid="temporal-link">${workflowId} in the Temporal Web UI</a>` : workflowId}</dd>
        </dl></section>
        <section class="diagram">${raw(await machineSvg(graph, { current: run.current, title: machineTitles[graph.id] }))}</section>
        <section><h2>Steps</h2><table class="timeline"><thead><tr><th>When</th><th>Step</th><th>From → to</th><th>Who</th><th>Notes</th></tr></thead><tbody>
        ${run.steps.map((s) => html`<tr><td>${s.at}</td><td>${s.what}</td><td>${s.from} → ${s.to}</td><td>${s.by}</td><td>${s.notes}</td></tr>`)}
        </tbody></table></section>`,
      );
    }),
  );

  const swaggerDir = path.dirname(
    createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  );
  router.use('/assets/swagger', express.static(swaggerDir, { index: false, maxAge: '1h' }));
  router.get('/assets/api-docs.js', (_req, res) => {
    res.type('application/javascript').send(
      `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger', deepLinking: true, persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout', tryItOutEnabled: false });
});`,
    );
  });
  router.get('/api', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API · Card issuing engine</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/swagger/swagger-ui.css">
</head><body>
<p style="font: 14px system-ui, sans-serif; margin: 1rem 2rem"><a href="/ui">← Card issuing engine</a> · Use <strong>Authorize</strong> with an API key, then <strong>Try it out</strong> on any request.</p>
<div id="swagger"></div>
<script src="/ui/assets/swagger/swagger-ui-bundle.js"></script>
<script src="/ui/assets/api-docs.js"></script>
</body></html>`);
  });

  app.use('/ui', router);
}

/** Only a path inside the UI may be a redirect target after sign-in. */
function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/ui(\/[\w./%-]*)?(\?[\w=&%.-]*)?$/.test(value) &&
    !value.includes('//')
    ? value
    : '/ui';
}

function loginForm(next: string, error?: string): Html {
  return html`<section style="max-width: 28rem"><h1>Sign in</h1>
    <p>Use an org API key (<code>cie_test_…</code>) to see that org's accounts and processes, or the operator key.</p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <form method="post" action="/ui/login">
      <input type="hidden" name="next" value="${next}">
      <p><label>API key<br><input type="password" name="apiKey" autocomplete="off" required></label></p>
      <button type="submit">Sign in</button>
    </form></section>`;
}
