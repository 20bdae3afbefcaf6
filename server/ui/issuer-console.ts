import type { Router } from 'express';
import type { PageKit } from './kit.js';
import type { UiDeps } from './routes.js';

// The issuer console: what an org signed in with one of its environment keys: programs, reasons, settings, accounts, applications, reports.

export function registerIssuerConsole(_router: Router, _kit: PageKit, _deps: UiDeps): void {}
