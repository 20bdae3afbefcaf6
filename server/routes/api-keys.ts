import { environmentKinds } from '../../machines/environment-provisioning.js';
import type { ApiKeyScope, ApiKeyView, ApiKeys } from '../../services/api-keys.js';
import { problemSchema, type Api } from '../api.js';
import type { Caller } from '../auth.js';
import { keysetCursors, keysetPage, pageSchema } from '../pagination.js';
import { Problem } from '../problem.js';
import { z } from '../zod.js';
import { orgIdParams } from './orgs.js';
import { examples } from '../openapi-examples.js';

// Managing an org's API keys: list them (never their secrets), revoke one, rotate one. The
// operator manages every org's keys; an org key sees and revokes the keys of its own environment
// only (a test key, often handed to developers and CI, learns nothing of production's keys), and
// another environment's or org's key answers 404 as a missing one would. Rotating issues a
// credential, so it is the operator's, as issuing is (POST /v1/orgs/:orgId/api-keys): a leaked
// key cannot mint itself a successor that outlives its revocation.

const environmentKind = z.enum(environmentKinds, {
  message: `must be one of ${environmentKinds.join(', ')}`,
});

const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    environment: z.object({ id: z.uuid(), kind: environmentKind }),
    prefix: z.string().openapi({
      description:
        'The public start of the key (cie_<environment>_<prefix>), which identifies it; the secret after it is shown only when the key is made',
      example: 'cie_test_0123456789abcdef',
    }),
    state: z.enum(['ACTIVE', 'ROTATING', 'EXPIRED', 'REVOKED']).openapi({
      description:
        'ACTIVE works; ROTATING was rotated and works until expiresAt; EXPIRED and REVOKED are refused',
    }),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().openapi({
      description:
        'When a request last used it, recorded at most once per API_KEY_CACHE_SECONDS (at least 1 s)',
    }),
    revokedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: 'When it stops working (the end of its rotation grace period)' }),
    replacedBy: z.uuid().nullable().openapi({ description: 'The key it was rotated into' }),
  })
  .openapi('ApiKey', { example: examples.ApiKey });

const apiKeyIdParams = z.strictObject({ apiKeyId: z.uuid({ message: 'must be a UUID' }) });

const cursors = keysetCursors('api-keys');

const listQuery = z.strictObject({
  ...cursors.query,
  environment: environmentKind
    .optional()
    .openapi({ description: "Only this environment's keys (an org key sees its own anyway)" }),
});

function apiKeyView(key: ApiKeyView) {
  return {
    id: key.id,
    name: key.name,
    environment: key.environment,
    prefix: key.prefix,
    state: key.state,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    replacedBy: key.replacedById,
  };
}

/** Whose keys the caller manages: the operator every org's, an org key its own environment's. */
function scopeOf(caller: Caller | undefined): ApiKeyScope {
  if (caller?.kind === 'operator') return { kind: 'operator' };
  if (caller?.kind === 'org') return { kind: 'environment', environmentId: caller.environmentId };
  throw new Problem('FORBIDDEN', 'this route needs an API key');
}

export function registerApiKeyRoutes(api: Api, apiKeys: ApiKeys): void {
  api.route({
    method: 'get',
    path: '/v1/orgs/:orgId/api-keys',
    operationId: 'listApiKeys',
    summary:
      "The org's API keys, oldest first: name, environment, public prefix, state, when made, last used, revoked and expiring; never a secret",
    tag: 'API keys',
    access: 'operatorOrOrg',
    params: orgIdParams,
    query: listQuery,
    responses: {
      200: { description: 'A page of keys', schema: pageSchema(apiKeySchema) },
      404: { description: 'No such org visible to this key', schema: problemSchema },
    },
    handler: async ({ params, query, caller }) => {
      // Another org's key sees no org here, exactly as for a missing one.
      if (caller?.kind === 'org' && caller.orgId !== params.orgId)
        throw Problem.notFound(`org ${params.orgId}`);
      const page = await apiKeys.list(params.orgId, scopeOf(caller), {
        limit: query.limit,
        after: cursors.read(query.after),
        environmentKind: query.environment,
      });
      if (caller?.kind === 'operator' && page.rows.length === 0 && !query.after) {
        // An org with no keys at all has none: say whether the org itself exists.
        if (!(await apiKeys.orgExists(params.orgId))) throw Problem.notFound(`org ${params.orgId}`);
      }
      return { status: 200, body: keysetPage(page, cursors, apiKeyView) };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/api-keys/:apiKeyId/revoke',
    operationId: 'revokeApiKey',
    summary:
      'Revoke an API key now; requests with it are refused within API_KEY_CACHE_SECONDS, and its console sessions end at once. Revoking it again answers the same revoked key',
    tag: 'API keys',
    access: 'operatorOrOrg',
    params: apiKeyIdParams,
    responses: {
      200: { description: 'The key, revoked', schema: apiKeySchema },
      404: { description: 'No such key visible to this API key', schema: problemSchema },
    },
    handler: async ({ params, caller }) => ({
      status: 200,
      body: apiKeyView(await apiKeys.revoke(params.apiKeyId, scopeOf(caller))),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/api-keys/:apiKeyId/rotate',
    operationId: 'rotateApiKey',
    summary:
      'Replace an API key with a new one (same org, environment and name, its secret shown only here); the old key keeps working for API_KEY_ROTATION_GRACE_HOURS, then stops',
    tag: 'API keys',
    access: 'operator',
    params: apiKeyIdParams,
    idempotent: true,
    secretFields: ['apiKey.token'],
    responses: {
      201: {
        example: examples.rotateApiKey,
        description: 'The new key with its secret (shown only here), and the key it replaces',
        schema: z.object({
          apiKey: apiKeySchema
            .extend({
              token: z.string().openapi({ description: 'The secret key; it is not shown again' }),
            })
            .openapi({ example: examples.rotateApiKey.apiKey }),
          replaced: apiKeySchema,
        }),
      },
      404: { description: 'No such key', schema: problemSchema },
      409: {
        description:
          'The key is revoked or expired, or was already rotated (replacedBy names its successor)',
        schema: problemSchema,
      },
    },
    handler: async ({ params, caller, ids }) => {
      const rotated = await apiKeys.rotate(params.apiKeyId, scopeOf(caller), ids);
      return {
        status: 201,
        body: {
          apiKey: { ...apiKeyView(rotated.apiKey), token: rotated.token },
          replaced: apiKeyView(rotated.replaced),
        },
      };
    },
  });
}
