import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

// The typed client of the card issuing engine's API: openapi-fetch over the types that
// openapi-typescript generates from the API's OpenAPI document (client/schema.ts, regenerated
// by `npm run generate:client`). Paths, parameters, bodies and answers are checked by the
// TypeScript compiler; each call resolves to `{ data, error, response }`, `error` being the
// problem+json body of a refusal.

export type { components, operations, paths };

/** The API's named schemas, e.g. `Schemas['Account']`. */
export type Schemas = components['schemas'];

export type CardIssuingClient = Client<paths>;

/**
 * A client for the API at `baseUrl` (e.g. http://localhost:3000) that sends `apiKey` (the
 * operator key, or an org environment's `cie_test_…` / `cie_production_…` key) as its bearer
 * token.
 */
export function createCardIssuingClient(
  options: { baseUrl: string; apiKey: string } & Omit<ClientOptions, 'baseUrl'>,
): CardIssuingClient {
  const { apiKey, headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    headers: {
      ...(headers as Record<string, string> | undefined),
      authorization: `Bearer ${apiKey}`,
    },
  });
}
