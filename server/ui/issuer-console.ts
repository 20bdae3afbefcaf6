import type { Router } from 'express';
import type { Caller } from '../auth.js';
import { html, type Html } from './html.js';
import type { PageKit } from './kit.js';
import type { UiDeps } from './routes.js';
import { registerIssuerAccounts } from './issuer/accounts.js';
import { registerIssuerApplications } from './issuer/applications.js';
import { registerIssuerSetup } from './issuer/setup.js';
import { issuerContext } from './issuer/support.js';

// The issuer console: what an org signed in with one of its environment keys does without the
// REST API. Every action runs the API's own route (kit.api.invoke), so the console has the
// API's rules; the pages live in issuer/, one module per concern.

export { issuerAccountSection } from './issuer/accounts.js';

export function registerIssuerConsole(router: Router, kit: PageKit, deps: UiDeps): void {
  const context = issuerContext(kit, deps);
  registerIssuerAccounts(router, context);
  registerIssuerApplications(router, context);
  registerIssuerSetup(router, context);
}

/** The issuer's links on the home page. */
export function issuerHomeLinks(caller: Caller | undefined): Html {
  return caller?.kind === 'org'
    ? html`<p class="issuer-links"><a href="/ui/accounts">Accounts</a> · <a href="/ui/applications/new">New account application</a> · <a href="/ui/applications">Applications</a> · <a href="/ui/programs">Programs</a> · <a href="/ui/status-reasons">Status reasons</a> · <a href="/ui/settings">Settings</a> · <a href="/ui/reports">Account limits reports</a></p>`
    : html``;
}
