import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths, webhooks } from './schema.js';

// The typed client of the card issuing engine's API: openapi-fetch over the types that
// openapi-typescript generates from the API's OpenAPI document (client/schema.ts, regenerated
// by `npm run generate:client`). Paths, parameters, bodies and answers are checked by the
// TypeScript compiler; each call resolves to `{ data, error, response }`, `error` being the
// problem+json body of a refusal.

export type { components, operations, paths, webhooks };

/** The API's named schemas, e.g. `Schemas['Account']`. */
export type Schemas = components['schemas'];

/** An event type, as GET /v1/events and webhooks name it, e.g. `account.transaction_posted`. */
export type EventType = keyof webhooks;

/** An item of GET /v1/events (a webhook's `data`) of one type, or of any type told apart by `type`. */
export type FeedEvent<Type extends EventType = EventType> = Extract<
  Schemas['Event'],
  { type: Type }
>;

/** The payload of an event type, as its schema in the document declares it. */
export type EventPayload<Type extends EventType> = FeedEvent<Type>['payload'];

/**
 * The body a webhook of `Type` POSTs to an endpoint: `{type, timestamp, data}`, `data` being the
 * feed's item. A receiver that takes every type narrows `WebhookBody` on `type`.
 */
export type WebhookBody<Type extends EventType = EventType> = {
  [T in Type]: webhooks[T]['post']['requestBody']['content']['application/json'];
}[Type];

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
