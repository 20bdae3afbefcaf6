import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { machines } from '../../machines/index.js';
import type { Processes } from '../../processes/index.js';
import type { Services } from '../../services/index.js';
import type { Api } from '../api.js';
import type { Caller } from '../auth.js';
import { machineGraph, type MachineGraph } from '../diagrams/machine-graph.js';
import { machineTitles, stateDetails } from '../diagrams/describe-states.js';
import { machineSvg } from '../diagrams/render.js';
import { DomainFailure } from '../../common/failures.js';
import { problemOf } from '../domain-problems.js';
import { Problem } from '../problem.js';
import { csrfField, csrfProtection } from './csrf.js';
import { html, type Html } from './html.js';
import { accountView, diagramFrame, livePageBody, liveState, workflowView } from './live-pages.js';
import { createPageKit } from './kit.js';
import { issuerAccountSection, issuerHomeLinks, registerIssuerConsole } from './issuer-console.js';
import { registerOperatorConsole } from './operator-console.js';
import { createSessions } from './session.js';

// Server-rendered pages: every machine as a diagram, an account's status on its diagram with
// its history, a workflow run on its machine with its steps, and the API documentation.

export interface UiDeps {
  /** The API's routes, which console actions run (Api.invoke) */
  api: Api;
  services: Services;
  processes: Processes;
  operatorApiKey: string;
  /** Signs the session cookies and the forms' CSRF tokens */
  sessionSecret: string;
}

/** The pages' own scripts (assets/), served as they are */
const scripts = new Map(
  ['diagram.js', 'forms.js'].map((name) => [
    name,
    readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8'),
  ]),
);

const graphs = new Map<string, MachineGraph>(
  Object.values(machines).map((machine) => [
    machine.id,
    machineGraph(machine, stateDetails[machine.id]),
  ]),
);

export function registerUiRoutes(app: Express, deps: UiDeps): void {
  const sessions = createSessions({
    apiKeys: deps.services.apiKeys,
    operatorApiKey: deps.operatorApiKey,
    sessionSecret: deps.sessionSecret,
    endedSessions: deps.services.endedSessions,
  });
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    );
    next();
  });

  const kit = createPageKit({
    api: deps.api,
    callerOf: (req) => sessions.callerOf(req),
    signedInAs: async (caller) =>
      caller.kind === 'org' ? deps.services.actorNames.signedIn(caller.apiKeyId) : undefined,
  });
  const { send, view } = kit;

  // Every state-changing request under /ui needs the token its form carries (server/ui/csrf.ts).
  router.use(
    csrfProtection({
      sessionSecret: deps.sessionSecret,
      sessionIdOf: (req) => sessions.sessionIdOf(req),
      refuse: (_req, res) =>
        send(
          res,
          403,
          'Error',
          undefined,
          html`<section><h1>403</h1><p class="error">This form has expired or did not come from these pages; go back, reload it and send it again.</p></section>`,
        ),
    }),
  );

  router.get(
    '/',
    view(false, (_req, res, caller) => {
      const own =
        caller?.kind === 'org'
          ? html`<section><h2>Your org</h2><p><a href="/ui/workflows/org-onboarding-${caller.orgId}">Onboarding of your org</a></p>
            ${issuerHomeLinks(caller)}
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
      send(res, 200, 'Sign in', caller, loginForm(res, safeNext(req.query.next)));
    }),
  );

  router.post(
    '/login',
    view(false, async (req, res) => {
      const body = (req.body ?? {}) as { apiKey?: unknown; next?: unknown };
      const next = safeNext(body.next);
      const key = typeof body.apiKey === 'string' ? body.apiKey.trim() : '';
      req.headers.authorization = `Bearer ${key}`;
      const caller = key ? await sessions.callerOf(req).catch(() => undefined) : undefined;
      if (!caller) {
        send(res, 401, 'Sign in', undefined, loginForm(res, next, 'That API key is not valid.'));
        return;
      }
      sessions.start(res, caller, req.secure);
      res.redirect(303, next);
    }),
  );

  router.post('/logout', async (req, res) => {
    await sessions.end(req, res);
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
          ${await diagramFrame(graph, { title: machineTitles[graph.id] ?? graph.id })}</section>`,
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
        <section class="diagram-frame">${await diagramFrame(graph, { title })}</section>
        <section><h2>Transitions</h2><table><thead><tr><th>From</th><th>Event</th><th>Guard</th><th>To</th></tr></thead><tbody>
        ${graph.transitions.map((t) => html`<tr><td>${statePath(t.source)}</td><td>${t.event}</td><td>${t.guard ?? ''}</td><td>${statePath(t.target)}</td></tr>`)}
        </tbody></table></section>
        <section><h2>States</h2><table><thead><tr><th>State</th><th></th><th>Final</th></tr></thead><tbody>
        ${graph.states.map((s) => html`<tr><td>${statePath(s.id)}${s.initial ? ' (initial)' : ''}</td><td>${s.details.join(', ')}</td><td>${s.final ? 'yes' : ''}</td></tr>`)}
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
      const live = await accountView(deps, caller!, String(req.params.accountId));
      send(
        res,
        200,
        live.title,
        caller,
        html`${await livePageBody(live, graphs.get(live.machineId)!)}${await issuerAccountSection(kit, deps, req, res, caller)}`,
      );
    }),
  );

  router.get(
    '/workflows/:workflowId',
    view(true, async (req, res, caller) => {
      const workflowId = String(req.params.workflowId);
      const live = await workflowView(deps, caller!, workflowId);
      if (!live) throw Problem.notFound(`workflow ${workflowId}`);
      send(res, 200, live.title, caller, await livePageBody(live, graphs.get(live.machineId)!));
    }),
  );

  // What the live pages poll (/ui/assets/diagram.js): the current states, facts and steps, as
  // JSON, with the pages' own session. Polling, not server-sent events: the state lives in
  // Temporal and PostgreSQL, which push nothing, so a stream would poll on the server anyway
  // while holding a connection per open tab; a short GET answered 304 when nothing moved is
  // stateless, passes every proxy and needs nothing kept per viewer.
  const liveJson =
    (
      load: (req: Request, caller: Caller) => Promise<Parameters<typeof liveState>[0] | undefined>,
    ) =>
    async (req: Request, res: Response, next: NextFunction) => {
      res.set('Cache-Control', 'no-cache, private');
      try {
        const caller = await sessions.callerOf(req);
        if (!caller) {
          res.status(401).json({ status: 401, detail: 'sign in again' });
          return;
        }
        const live = await load(req, caller);
        if (!live) throw Problem.notFound('page');
        res.json(liveState(live));
      } catch (thrown) {
        const error = thrown instanceof DomainFailure ? problemOf(thrown, 'body') : thrown;
        if (!(error instanceof Problem) || error.status >= 500) return next(error);
        res.status(error.status).json({ status: error.status, detail: error.detail });
      }
    };
  router.get(
    '/accounts/:accountId/live',
    liveJson((req, caller) => accountView(deps, caller, String(req.params.accountId))),
  );
  router.get(
    '/workflows/:workflowId/live',
    liveJson((req, caller) => workflowView(deps, caller, String(req.params.workflowId))),
  );
  router.get('/assets/:name.js', (req, res, next) => {
    const script = scripts.get(`${req.params.name}.js`);
    if (script === undefined) return next();
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(script);
  });

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

  registerOperatorConsole(router, kit, deps);
  registerIssuerConsole(router, kit, deps);
  app.use('/ui', router);
}

/** A state's dotted path, free to wrap after each dot (onboarding.serviceDesk.awaitingAccess). */
function statePath(id: string): Html {
  return html`${id.split('.').map((part, i) => (i === 0 ? part : html`.<wbr>${part}`))}`;
}

/** Only a path inside the UI may be a redirect target after sign-in. */
function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/ui(\/[\w./%-]*)?(\?[\w=&%.-]*)?$/.test(value) &&
    !value.includes('//')
    ? value
    : '/ui';
}

function loginForm(res: Response, next: string, error?: string): Html {
  return html`<section style="max-width: 28rem"><h1>Sign in</h1>
    <p>Use an org API key (<code>cie_test_…</code>) to see that org's accounts and processes, or the operator key.</p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <form method="post" action="/ui/login">
      ${csrfField(res)}
      <input type="hidden" name="next" value="${next}">
      <p><label>API key<br><input type="password" name="apiKey" autocomplete="off" required></label></p>
      <button type="submit">Sign in</button>
    </form></section>`;
}
