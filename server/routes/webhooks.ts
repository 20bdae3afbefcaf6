import { eventTypes } from '../../common/events.js';
import type { WebhookAttempt, WebhookEndpoint } from '../../generated/prisma/client.js';
import type { Processes } from '../../processes/index.js';
import type { Services } from '../../services/index.js';
import type { DeliveryWithAttempts } from '../../services/webhook-deliveries.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { etagOf, ifMatch, ifMatchHeader } from '../etag.js';
import { keysetCursors, keysetPage, pageSchema } from '../pagination.js';
import { oneLine, patchBody, prose, z } from '../zod.js';

// Webhook endpoints of the caller's org environment: where its events are delivered, signed with
// the Standard Webhooks scheme. The signing secret is shown when the endpoint is made and when it
// is rotated, never again. Each endpoint's deliveries (every attempt, its answer and latency) can
// be read back, and any event sent again by hand.

const endpointCursors = keysetCursors('webhook-endpoints');
const deliveryCursors = keysetCursors('webhook-deliveries');

const endpointParams = z.strictObject({ endpointId: z.uuid({ message: 'must be a UUID' }) });

// Tabs and line breaks are looked for first, in the raw input: the URL check drops them
const url = oneLine(z.string())
  .check(z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }))
  .max(2048)
  .refine((value) => !/^[a-z]+:\/\/[^/?#]*@/i.test(value), {
    message: 'must not carry a user name or password',
    params: { rule: 'credentials_in_url' },
  })
  .openapi({
    description:
      'Where events are POSTed; https:// (plain http:// only where WEBHOOK_ALLOW_HTTP allows), on a public address (internal ones only where WEBHOOK_ALLOW_PRIVATE_ADDRESSES allows)',
    example: 'https://hooks.acme.example/card-issuing',
  });

const eventTypeFilter = z
  .array(z.enum(eventTypes))
  .max(eventTypes.length)
  .refine((types) => new Set(types).size === types.length, {
    message: 'must not repeat a type',
    params: { rule: 'unique' },
  })
  .openapi({ description: 'The event types delivered; every type when empty' });

const endpointExample = {
  id: '3d6f8a1c-5b7e-4c9d-8e2f-1a3b5c7d9e0f',
  url: 'https://hooks.acme.example/card-issuing',
  description: 'Core banking: account status',
  eventTypes: ['account.status_changed', 'account.temporary_block_lifted'],
  enabled: true,
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  previousSecretExpiresAt: null,
  version: 1,
  createdAt: '2026-11-23T12:00:00.000Z',
  updatedAt: '2026-11-23T12:00:00.000Z',
};

const endpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.enum(eventTypes)),
    enabled: z.boolean(),
    disabledReason: z.enum(['issuer', 'failing']).nullable().openapi({
      description:
        'issuer: turned off; failing: every attempt failed for WEBHOOK_DISABLE_AFTER_HOURS (enable it again once the receiver is fixed)',
    }),
    disabledAt: z.iso.datetime().nullable(),
    failingSince: z.iso
      .datetime()
      .nullable()
      .openapi({ description: 'Since when every attempt has failed; null while deliveries work' }),
    previousSecretExpiresAt: z.iso.datetime().nullable().openapi({
      description:
        'Until when deliveries also carry a signature with the secret before the last rotation',
    }),
    version: z
      .number()
      .int()
      .openapi({ description: 'Also sent as the ETag header; send it back in If-Match' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('WebhookEndpoint', { example: endpointExample });

const secret = z.string().openapi({
  description:
    'The signing secret (whsec_…), shown only now: verify deliveries with it (Standard Webhooks)',
  example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
});

const endpointWithSecretSchema = endpointSchema
  .extend({ secret })
  .openapi('WebhookEndpointWithSecret', {
    example: { ...endpointExample, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  });

const attemptExample = {
  number: 1,
  startedAt: '2026-11-23T12:00:01.000Z',
  durationMs: 84,
  statusCode: 503,
  responseExcerpt: 'Service Unavailable',
  error: null,
  manual: false,
};

const deliveryExample = {
  id: '7a9c1e3b-5d7f-4a1c-9e3b-5d7f9a1c3e5b',
  eventId: '6f1c2f0e-7a51-8c3d-9e2b-0a4b5c6d7e8f',
  subjectId: '9c1e3a5b-7d9f-4b2d-8f0a-5c7e9a1c3e5f',
  status: 'PENDING',
  nextAttemptAt: '2026-11-23T12:00:06.000Z',
  giveUpAt: '2026-11-26T12:00:00.000Z',
  deliveredAt: null,
  redeliveredAt: null,
  createdAt: '2026-11-23T12:00:00.500Z',
  attempts: [attemptExample],
};

const deliverySchema = z
  .object({
    id: z.uuid(),
    eventId: z.uuid(),
    subjectId: z.string(),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).openapi({
      description:
        'PENDING: to be attempted at nextAttemptAt; DELIVERED: the receiver answered 2xx; FAILED: given up after WEBHOOK_GIVE_UP_HOURS (redeliver it by hand)',
    }),
    nextAttemptAt: z.iso.datetime().nullable(),
    giveUpAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
    redeliveredAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    attempts: z.array(
      z.object({
        number: z.number().int(),
        startedAt: z.iso.datetime(),
        durationMs: z.number().int(),
        statusCode: z
          .number()
          .int()
          .nullable()
          .openapi({ description: "The receiver's HTTP status; null when it did not answer" }),
        responseExcerpt: z.string().nullable().openapi({
          description: "The start of the receiver's answer, control characters replaced",
        }),
        error: z.string().nullable().openapi({ description: 'Why no answer came' }),
        manual: z.boolean().openapi({ description: 'Made after a redelivery by hand' }),
      }),
    ),
  })
  .openapi('WebhookDelivery', { example: deliveryExample });

function endpointView(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes as (typeof eventTypes)[number][],
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason as 'issuer' | 'failing' | null,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    failingSince: endpoint.failingSince?.toISOString() ?? null,
    previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() ?? null,
    version: endpoint.version,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

function attemptView(attempt: WebhookAttempt) {
  return {
    number: attempt.number,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    statusCode: attempt.statusCode,
    responseExcerpt: attempt.responseExcerpt,
    error: attempt.error,
    manual: attempt.manual,
  };
}

function deliveryView(delivery: DeliveryWithAttempts) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    subjectId: delivery.subjectId,
    status: delivery.status,
    nextAttemptAt: delivery.status === 'PENDING' ? delivery.nextAttemptAt.toISOString() : null,
    giveUpAt: delivery.giveUpAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    redeliveredAt: delivery.redeliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    attempts: delivery.tries.map(attemptView),
  };
}

const notFound = { 404: { description: 'Not found', schema: problemSchema } };

export function registerWebhookRoutes(
  api: Api,
  services: Pick<Services, 'webhookEndpoints' | 'webhookDeliveries'>,
  processes: Pick<Processes, 'webhookDeliveries'>,
): void {
  const endpoints = services.webhookEndpoints;
  const deliveries = services.webhookDeliveries;

  api.route({
    method: 'post',
    path: '/v1/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    summary:
      "Deliver this environment's events (and the org's own) to a URL, from now on; answers the signing secret, once",
    tag: 'Webhooks',
    access: 'org',
    body: z
      .strictObject({
        url,
        description: prose(500).optional(),
        eventTypes: eventTypeFilter.optional(),
      })
      .openapi('CreateWebhookEndpoint', {
        example: {
          url: 'https://hooks.acme.example/card-issuing',
          description: 'Core banking: account status',
          eventTypes: ['account.status_changed', 'account.temporary_block_lifted'],
        },
      }),
    idempotent: true,
    secretFields: ['secret'],
    responses: {
      201: { description: 'The endpoint and its signing secret', schema: endpointWithSecretSchema },
    },
    handler: async ({ body, caller, ids }) => {
      const tenant = tenantOf(caller);
      const { endpoint, secret: signingSecret } = await endpoints.create(
        tenant,
        { url: body.url, description: body.description ?? null, eventTypes: body.eventTypes ?? [] },
        ids,
      );
      await processes.webhookDeliveries.ensureRunning(tenant, endpoint.id);
      return {
        status: 201,
        headers: {
          Location: `/v1/webhook-endpoints/${endpoint.id}`,
          ETag: etagOf(endpoint.version),
        },
        body: { ...endpointView(endpoint), secret: signingSecret },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    summary: "This environment's webhook endpoints, oldest first",
    tag: 'Webhooks',
    access: 'org',
    query: z.strictObject({ ...endpointCursors.query }),
    responses: { 200: { description: 'A page of endpoints', schema: pageSchema(endpointSchema) } },
    handler: async ({ query, caller }) => ({
      status: 200,
      body: keysetPage(
        await endpoints.list(tenantOf(caller), {
          limit: query.limit,
          after: endpointCursors.read(query.after),
        }),
        endpointCursors,
        endpointView,
      ),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/webhook-endpoints/:endpointId',
    operationId: 'getWebhookEndpoint',
    summary: 'A webhook endpoint (never its secret)',
    tag: 'Webhooks',
    access: 'org',
    params: endpointParams,
    responses: { 200: { description: 'The endpoint', schema: endpointSchema }, ...notFound },
    handler: async ({ params, caller }) => {
      const endpoint = await endpoints.get(tenantOf(caller), params.endpointId);
      return {
        status: 200,
        headers: { ETag: etagOf(endpoint.version) },
        body: endpointView(endpoint),
      };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/webhook-endpoints/:endpointId',
    operationId: 'updateWebhookEndpoint',
    summary:
      'Change the URL, description or event types, or disable and enable the endpoint (enabling delivers what was written meanwhile)',
    tag: 'Webhooks',
    access: 'org',
    params: endpointParams,
    headers: ifMatchHeader,
    body: patchBody({
      url: url.optional(),
      description: prose(500).nullable().optional(),
      eventTypes: eventTypeFilter.optional(),
      enabled: z.boolean().optional(),
    }).openapi('UpdateWebhookEndpoint', { example: { enabled: true } }),
    responses: {
      200: { description: 'The endpoint after the change', schema: endpointSchema },
      ...notFound,
    },
    handler: async ({ header, params, body, caller }) => {
      const tenant = tenantOf(caller);
      const endpoint = await endpoints.change(
        tenant,
        params.endpointId,
        body,
        ifMatch(header('if-match')),
      );
      if (endpoint.enabled) await processes.webhookDeliveries.ensureRunning(tenant, endpoint.id);
      return {
        status: 200,
        headers: { ETag: etagOf(endpoint.version) },
        body: endpointView(endpoint),
      };
    },
  });

  api.route({
    method: 'delete',
    path: '/v1/webhook-endpoints/:endpointId',
    operationId: 'deleteWebhookEndpoint',
    summary: 'Stop delivering to the endpoint for good (its deliveries stay on record)',
    tag: 'Webhooks',
    access: 'org',
    params: endpointParams,
    headers: ifMatchHeader,
    responses: { 204: { description: 'Deleted' }, ...notFound },
    handler: async ({ header, params, caller }) => {
      await endpoints.delete(tenantOf(caller), params.endpointId, ifMatch(header('if-match')));
      return { status: 204, body: undefined };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/webhook-endpoints/:endpointId/secret/rotate',
    operationId: 'rotateWebhookSecret',
    summary:
      'A new signing secret, shown once; the old one keeps signing beside it for API_KEY_ROTATION_GRACE_HOURS',
    tag: 'Webhooks',
    access: 'org',
    params: endpointParams,
    headers: ifMatchHeader,
    responses: {
      200: { description: 'The endpoint and its new secret', schema: endpointWithSecretSchema },
      ...notFound,
    },
    handler: async ({ header, params, caller }) => {
      const { endpoint, secret: signingSecret } = await endpoints.rotateSecret(
        tenantOf(caller),
        params.endpointId,
        ifMatch(header('if-match')),
      );
      return {
        status: 200,
        headers: { ETag: etagOf(endpoint.version) },
        body: { ...endpointView(endpoint), secret: signingSecret },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/webhook-endpoints/:endpointId/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: "The endpoint's deliveries, oldest first, each with every attempt",
    tag: 'Webhooks',
    access: 'org',
    params: endpointParams,
    query: z.strictObject({
      status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).optional(),
      eventId: z.uuid({ message: 'must be a UUID' }).optional(),
      ...deliveryCursors.query,
    }),
    responses: {
      200: { description: 'A page of deliveries', schema: pageSchema(deliverySchema) },
      ...notFound,
    },
    handler: async ({ params, query, caller }) => ({
      status: 200,
      body: keysetPage(
        await deliveries.list(
          tenantOf(caller),
          params.endpointId,
          { limit: query.limit, after: deliveryCursors.read(query.after) },
          { status: query.status, eventId: query.eventId },
        ),
        deliveryCursors,
        deliveryView,
      ),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/webhook-endpoints/:endpointId/redeliveries',
    operationId: 'redeliverWebhookEvent',
    summary:
      'Send an event to the endpoint again (or for the first time), at once, with a fresh retry window',
    tag: 'Webhooks',
    access: 'org',
    params: endpointParams,
    body: z
      .strictObject({ eventId: z.uuid({ message: 'must be a UUID' }) })
      .openapi('RedeliverWebhookEvent', {
        example: { eventId: '6f1c2f0e-7a51-8c3d-9e2b-0a4b5c6d7e8f' },
      }),
    responses: {
      202: {
        description: 'The delivery, pending: it goes out as soon as the endpoint is enabled',
        schema: deliverySchema,
      },
      ...notFound,
    },
    handler: async ({ params, body, caller }) => {
      const tenant = tenantOf(caller);
      const delivery = await deliveries.redeliver(tenant, params.endpointId, body.eventId);
      await processes.webhookDeliveries.ensureRunning(tenant, params.endpointId);
      return { status: 202, body: deliveryView(delivery) };
    },
  });
}
