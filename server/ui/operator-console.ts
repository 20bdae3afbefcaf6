import type { Router } from 'express';
import type { PageKit } from './kit.js';
import type { UiDeps } from './routes.js';

// The operator console: what the operator signed in with the operator key: orgs and their onboarding, certifications, API keys.

export function registerOperatorConsole(_router: Router, _kit: PageKit, _deps: UiDeps): void {}
