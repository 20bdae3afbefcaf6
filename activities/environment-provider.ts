import type { EnvironmentRequest, Environments } from '../services/environments.js';

// Where an org's environments are built. The built-in provider builds them in this product's own
// PostgreSQL (services/environments.ts); an infrastructure provider (a cloud account per
// environment, say) would implement the same interface. Every method may be called again after
// a crash and must end the same way.

export type { EnvironmentRequest };

export interface EnvironmentProvider {
  /** Creates the environment, or finds it made by an earlier attempt; leaves it VERIFYING. */
  provision(request: EnvironmentRequest): Promise<{ environmentId: string }>;
  /** Checks the environment answers with its own key and sees none of another environment's data; leaves it READY. */
  verify(request: EnvironmentRequest): Promise<{ checks: string[] }>;
}

export function builtInEnvironmentProvider(environments: Environments): EnvironmentProvider {
  return {
    provision: (request) => environments.provision(request),
    verify: (request) => environments.verify(request),
  };
}
