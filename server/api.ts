import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  getOpenApiMetadata,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import type { ZodObject, ZodType } from 'zod';
import type { ApiKeys } from '../services/api-keys.js';
import type { IdempotencyRecords } from '../services/idempotency-records.js';
import { authenticate, authorize, idempotencyScope, type Access, type Caller } from './auth.js';
import { randomIds, type IdSource } from '../services/ids.js';
import {
  IDEMPOTENCY_KEY_PATTERN,
  createIdempotencyStore,
  type IdempotencyStore,
  type RouteResult,
} from './idempotency.js';
import { DomainFailure, type FailureType } from '../common/failures.js';
import { problemOf } from './domain-problems.js';
import { exampleIds } from './openapi-examples.js';
import { Problem, RETRY_AFTER_SECONDS, problemTitle, problemTypeUri } from './problem.js';
import { fieldErrors, hostileInputErrors, z } from './zod.js';

// One definition per route serves both the router (validation, auth, idempotency) and the
// OpenAPI document, so the document cannot drift from what the API accepts.

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

interface RouteContext<P, Q, B> {
  /** A request header the handler reads (If-Match) */
  header: (name: string) => string | undefined;
  params: P;
  query: Q;
  body: B;
  caller: Caller | undefined;
  requestId: string;
  /** The ids of what the request creates: derived from its Idempotency-Key, random without one */
  ids: IdSource;
}

/** What OpenAPI takes as path or query parameters: an object schema, or a pipe from one. */
type RouteParameter = NonNullable<NonNullable<RouteConfig['request']>['params']>;

export interface RouteSpec<P, Q, B> {
  method: Method;
  /** Express-style path, e.g. /v1/orgs/:orgId */
  path: string;
  /** The operation's stable camelCase name in the document and the generated client, unique */
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  /** Path and query parameters are objects (or pipes from one), as OpenAPI lists them */
  params?: ZodType<P> & RouteParameter;
  query?: ZodType<Q> & RouteParameter;
  body?: ZodType<B>;
  /** Request headers the handler reads, for the document (the handler validates them) */
  headers?: ZodObject;
  /** Honour an Idempotency-Key header (creating and money-moving writes) */
  idempotent?: boolean;
  /** Dotted paths of response fields that hold secrets (kept sealed for idempotent replays) */
  secretFields?: readonly string[];
  /**
   * What the route answers besides the problems every route shares (added by the document).
   * A success with a schema needs an example: its own here, or the schema's `.openapi({example})`.
   */
  responses: Record<
    number,
    { description: string; schema?: ZodType; contentType?: string; example?: unknown }
  >;
  handler: (ctx: RouteContext<P, Q, B>) => Promise<RouteResult>;
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), rule: z.string(), message: z.string() }))
      .optional(),
  })
  .openapi('Problem');

export class Api {
  readonly registry = new OpenAPIRegistry();

  private readonly idempotency: IdempotencyStore;

  private readonly specs = new Map<string, RouteSpec<unknown, unknown, unknown>>();

  private readonly operationIds = new Set<string>();

  constructor(
    private readonly router: Router,
    private readonly deps: {
      apiKeys: ApiKeys;
      idempotencyRecords: IdempotencyRecords;
      operatorApiKey: string;
      serverSecret: string;
    },
  ) {
    this.idempotency = createIdempotencyStore(deps.idempotencyRecords, deps.serverSecret);
    this.registry.registerComponent('securitySchemes', 'operatorKey', {
      type: 'http',
      scheme: 'bearer',
      description: 'The operator API key (OPERATOR_API_KEY): creates and manages orgs',
    });
    this.registry.registerComponent('securitySchemes', 'orgKey', {
      type: 'http',
      scheme: 'bearer',
      description: "An org environment's API key (cie_test_… or cie_production_…)",
    });
  }

  route<P = undefined, Q = undefined, B = undefined>(spec: RouteSpec<P, Q, B>): void {
    if (!/^[a-z][a-zA-Z0-9]*$/.test(spec.operationId))
      throw new Error(`operationId ${spec.operationId} of ${spec.path} is not camelCase`);
    if (this.operationIds.has(spec.operationId))
      throw new Error(`operationId ${spec.operationId} of ${spec.path} is already taken`);
    this.operationIds.add(spec.operationId);
    this.document(spec);
    this.specs.set(
      `${spec.method} ${spec.path}`,
      spec as unknown as RouteSpec<unknown, unknown, unknown>,
    );
    this.router[spec.method](spec.path, async (req: Request, res: Response) => {
      const caller = await authenticate(req, spec.access, this.deps);
      const result = await this.execute(spec, {
        caller,
        params: req.params,
        query: req.query,
        body: req.body,
        header: (name) => req.get(name),
        path: req.path,
        requestId: String(res.getHeader('X-Request-Id')),
      });
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      if (result.body === undefined) res.status(result.status).end();
      else if (result.contentType)
        res.status(result.status).type(result.contentType).send(result.body);
      else res.status(result.status).json(result.body);
    });
  }

  /**
   * Runs a route for a caller already known (a signed-in console page), exactly as a request
   * would: the same validation, Idempotency-Key and If-Match handling and handler, without HTTP.
   * Refusals throw the Problem the API would answer. `waitForRunningMs`: how long a repeat of
   * a request still running (its Idempotency-Key) waits for the first one's answer instead of
   * being refused at once, so a form sent twice shows what the first submit did.
   */
  async invoke(
    method: Method,
    path: string,
    input: {
      caller: Caller | undefined;
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
      headers?: Record<string, string | undefined>;
      requestId: string;
      waitForRunningMs?: number;
    },
  ): Promise<RouteResult & { replayed?: boolean }> {
    const spec = this.specs.get(`${method} ${path}`);
    if (!spec) throw new Error(`no route ${method} ${path}`);
    authorize(input.caller, spec.access);
    const params = input.params ?? {};
    return this.execute(spec, {
      caller: input.caller,
      params,
      query: input.query ?? {},
      body: input.body,
      header: (name) => input.headers?.[name.toLowerCase()],
      path: path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? '')),
      requestId: input.requestId,
      waitForRunningMs: input.waitForRunningMs,
    });
  }

  private async execute<P, Q, B>(
    spec: RouteSpec<P, Q, B>,
    request: {
      caller: Caller | undefined;
      params: unknown;
      query: unknown;
      body: unknown;
      header: (name: string) => string | undefined;
      path: string;
      requestId: string;
      waitForRunningMs?: number;
    },
  ): Promise<RouteResult & { replayed?: boolean }> {
    const { caller, header, requestId } = request;
    const params = parse(spec.params, request.params, 'params');
    const query = parse(spec.query, request.query, 'query');
    const body = parse(spec.body, request.body, 'body');
    // Domain failures name fields relative to the command; the command here is the body, or
    // the query for a route that takes none.
    const location = spec.body ? 'body' : 'query';
    const run = (ids: IdSource) =>
      spec
        .handler({ header, params, query, body, caller, requestId, ids })
        .catch((error: unknown) => {
          throw error instanceof DomainFailure ? problemOf(error, location) : error;
        });

    const idempotencyKey = header('idempotency-key');
    if (!spec.idempotent || idempotencyKey === undefined) return run(randomIds());
    if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw Problem.validation([
        {
          field: 'headers.idempotency-key',
          rule: 'invalid_format',
          message: 'must be 1-255 visible ASCII characters',
        },
      ]);
    }
    return this.idempotency.run(
      {
        scope: idempotencyScope(caller),
        key: idempotencyKey,
        method: spec.method,
        path: request.path,
        body,
        secretFields: spec.secretFields,
      },
      run,
      request.waitForRunningMs,
    );
  }

  openApiDocument(info: { version: string; serverUrl?: string }) {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Card issuing engine',
        version: info.version,
        description:
          'Onboarding and account lifecycle for card issuers. Errors are RFC 9457 problem+json. ' +
          'Creating writes honour an Idempotency-Key header.',
      },
      servers: info.serverUrl ? [{ url: info.serverUrl }] : [],
    });
  }

  private document<P, Q, B>(spec: RouteSpec<P, Q, B>): void {
    const security: RouteConfig['security'] =
      spec.access === 'public'
        ? []
        : spec.access === 'operator'
          ? [{ operatorKey: [] }]
          : spec.access === 'org'
            ? [{ orgKey: [] }]
            : [{ operatorKey: [] }, { orgKey: [] }];
    // Every status the route can answer besides its own: bad input (every routed request, as an
    // unknown query parameter is refused even where the route takes none; only the public routes
    // without input, which the front door answers, cannot), keys per its access, 404 for a path
    // naming a resource, body size and media type where it takes a body, 412 where it reads
    // If-Match, the two idempotency refusals where it honours Idempotency-Key, a request line or
    // headers too large for the HTTP parser, and an unavailable database or Temporal. What the
    // route declares itself replaces these.
    const takesInput =
      spec.access !== 'public' ||
      Boolean(spec.params ?? spec.query ?? spec.body ?? spec.headers ?? spec.idempotent);
    const errorStatuses: Partial<Record<number, string>> = {
      ...(takesInput
        ? { 400: 'The request is not valid: errors names each field and the rule it broke' }
        : {}),
      ...(spec.access === 'public'
        ? {}
        : { 401: 'Missing or invalid API key', 403: 'This API key may not call this route' }),
      ...(spec.params ? { 404: 'No such resource visible to this API key' } : {}),
      ...(spec.body
        ? {
            413: 'The request body is too large',
            415: 'The request body is not JSON (or not in a supported encoding)',
          }
        : {}),
      ...(spec.headers?.shape['If-Match']
        ? { 412: 'If-Match does not match the current version' }
        : {}),
      ...(spec.idempotent
        ? {
            409: 'A request with this Idempotency-Key is still running; retry later',
            422: 'This Idempotency-Key was used for a different request',
          }
        : {}),
      431: 'The request line (with its query) or the headers are larger than the server takes',
      503: 'A service the request needs (database, Temporal) is momentarily unavailable; retry after Retry-After seconds',
    };
    const problemContent = (
      status: number,
      description: string,
      schema: ZodType = problemSchema,
      example: unknown = problemExample(spec, status, description),
    ) => ({ 'application/problem+json': { schema, example } });
    const errorResponses = Object.fromEntries(
      Object.entries(errorStatuses).map(([status, description = '']) => [
        status,
        {
          description,
          ...headersOf(Number(status)),
          content: problemContent(Number(status), description),
        },
      ]),
    );
    const bodyExample = spec.body ? exampleOf(spec.body) : undefined;
    if (spec.body && bodyExample === undefined)
      throw new Error(`${spec.operationId}: the request body schema has no example`);
    const config: RouteConfig = {
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      security,
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body
          ? {
              body: {
                required: true,
                content: { 'application/json': { schema: spec.body, example: bodyExample } },
              },
            }
          : {}),
        ...(spec.idempotent || spec.headers
          ? {
              headers: z.object({
                ...(spec.headers?.shape ?? {}),
                ...(spec.idempotent
                  ? {
                      'Idempotency-Key': z
                        .string()
                        .regex(IDEMPOTENCY_KEY_PATTERN)
                        .optional()
                        .openapi({
                          description:
                            'Makes a retry of this request return the first response instead of acting twice',
                        }),
                    }
                  : {}),
              }),
            }
          : {}),
      },
      responses: {
        ...errorResponses,
        ...Object.fromEntries(
          Object.entries(spec.responses).map(([status, r]) => {
            if (!r.schema) return [status, { description: r.description }];
            if (Number(status) >= 400 && !r.contentType) {
              // The route's own cause first (the example shows it), then the shared one
              const shared = errorStatuses[Number(status)];
              return [
                status,
                {
                  description: shared ? `${r.description}; or: ${shared}` : r.description,
                  ...headersOf(Number(status)),
                  content: problemContent(Number(status), r.description, r.schema, r.example),
                },
              ];
            }
            const example = r.example ?? exampleOf(r.schema);
            if (example === undefined)
              throw new Error(`${spec.operationId}: the ${status} response has no example`);
            return [
              status,
              {
                description: r.description,
                ...headersOf(Number(status)),
                content: {
                  [r.contentType ?? 'application/json']: { schema: r.schema, example },
                },
              },
            ];
          }),
        ),
      },
    };
    this.registry.registerPath(config);
  }
}

const nothing = z.strictObject({});

/**
 * Validates one part of the request against its schema, after refusing what no field may hold
 * (control characters, broken Unicode, deep nesting). A part the route takes no schema for must be
 * empty: an unknown query parameter or body field is refused, not ignored.
 */
function parse<T>(
  schema: ZodType<T> | undefined,
  input: unknown,
  location: 'body' | 'query' | 'params',
): T {
  const value = input ?? {};
  const hostile = hostileInputErrors(value, location);
  if (hostile.length > 0) throw Problem.validation(hostile);
  const result = (schema ?? nothing).safeParse(value);
  if (!result.success) throw Problem.validation(fieldErrors(result.error, location, value));
  return (schema ? result.data : undefined) as T;
}

/** The example a schema declares with `.openapi({ example })`, if any. */
function exampleOf(schema: ZodType): unknown {
  const metadata = getOpenApiMetadata(schema);
  return metadata.example ?? (Array.isArray(metadata.examples) ? metadata.examples[0] : undefined);
}

/** The keys of an object schema, or of the object a pipe starts from. */
function keysOf(schema: ZodType | undefined): string[] {
  if (!schema) return [];
  if ('shape' in schema && typeof schema.shape === 'object' && schema.shape)
    return Object.keys(schema.shape);
  const def = (schema as { _zod?: { def?: { type?: string; in?: ZodType } } })._zod?.def;
  return def?.type === 'pipe' ? keysOf(def.in) : [];
}

/** Example values of path parameters, for the `instance` of problem examples. */
const exampleParams: Record<string, string> = {
  orgId: exampleIds.org,
  accountId: exampleIds.account,
  programId: exampleIds.program,
  customerId: exampleIds.customer,
  applicationId: exampleIds.application,
  apiKeyId: exampleIds.apiKey,
  reasonId: exampleIds.reason,
  workflowId: `org-onboarding-${exampleIds.org}`,
  queryName: 'onboarding',
  date: '2026-03-08',
  report: 'account_limits',
};

/** The headers an error status carries besides the problem body. */
function headersOf(status: number) {
  return status === 503
    ? {
        headers: {
          'Retry-After': {
            description: 'Seconds to wait before trying again',
            schema: { type: 'integer' as const, minimum: 1, example: RETRY_AFTER_SECONDS },
          },
        },
      }
    : {};
}

const failureOfStatus: Partial<Record<number, FailureType>> = {
  400: 'VALIDATION',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'INSUFFICIENT_FUNDS',
  431: 'REQUEST_HEADERS_TOO_LARGE',
  503: 'DEPENDENCY_UNAVAILABLE',
};

/** A problem+json body as the route would answer it with this status. */
function problemExample<P, Q, B>(spec: RouteSpec<P, Q, B>, status: number, description: string) {
  const idempotency = /Idempotency-Key/.test(description);
  const type: FailureType =
    status === 409 && idempotency
      ? 'IDEMPOTENCY_KEY_IN_PROGRESS'
      : status === 409 && /transition/i.test(description)
        ? 'TRANSITION_NOT_ALLOWED'
        : status === 422 && idempotency
          ? 'IDEMPOTENCY_KEY_REUSED'
          : (failureOfStatus[status] ?? 'INTERNAL');
  const instance = spec.path.replace(/:(\w+)/g, (_, name: string) => exampleParams[name] ?? name);
  const [bodyField] = keysOf(spec.body);
  const [queryField] = keysOf(spec.query);
  const [paramField] = keysOf(spec.params);
  const error =
    bodyField !== undefined
      ? { field: `body.${bodyField}`, rule: 'required', message: 'is required' }
      : queryField !== undefined
        ? { field: `query.${queryField}`, rule: 'invalid_value', message: 'is not allowed here' }
        : paramField !== undefined
          ? { field: `params.${paramField}`, rule: 'invalid_uuid', message: 'must be a UUID' }
          : spec.idempotent
            ? { field: 'headers.idempotency-key', rule: 'invalid_format', message: 'is malformed' }
            : { field: 'query.expand', rule: 'unknown_field', message: 'is not a parameter here' };
  const detail =
    status === 400
      ? `${error.field}: ${error.message}`
      : status === 404
        ? `${spec.method.toUpperCase()} ${instance} was not found`
        : description;
  return {
    type: problemTypeUri(type),
    title: problemTitle(type),
    status,
    detail,
    instance,
    requestId: exampleIds.request,
    ...(status === 400 ? { errors: [error] } : {}),
  };
}
