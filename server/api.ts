import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
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
import { DomainFailure } from '../common/failures.js';
import { problemOf } from './domain-problems.js';
import { Problem } from './problem.js';
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
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
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
   * Refusals throw the Problem the API would answer.
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
    // Every status the route can answer besides its own: bad input and keys everywhere, body
    // size and media type where it takes a body, the two idempotency refusals where it honours
    // Idempotency-Key, and an unavailable database or Temporal.
    const errorStatuses: Partial<Record<number, string>> = {
      400: 'The request is not valid: errors names each field and the rule it broke',
      ...(spec.access === 'public'
        ? {}
        : { 401: 'Missing or invalid API key', 403: 'This API key may not call this route' }),
      ...(spec.body
        ? {
            413: 'The request body is too large',
            415: 'The request body is not JSON (or not in a supported encoding)',
          }
        : {}),
      ...(spec.idempotent
        ? {
            409: 'A request with this Idempotency-Key is still running; retry later',
            422: 'This Idempotency-Key was used for a different request',
          }
        : {}),
      503: 'A service the request needs (database, Temporal) is unavailable; retry later',
    };
    const errorResponses = Object.fromEntries(
      Object.entries(errorStatuses).map(([status, description]) => [
        status,
        { description, content: { 'application/problem+json': { schema: problemSchema } } },
      ]),
    );
    const config: RouteConfig = {
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      tags: [spec.tag],
      security,
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body
          ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } }
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
          Object.entries(spec.responses).map(([status, r]) => [
            status,
            {
              description: r.description,
              ...(r.schema
                ? {
                    content: {
                      [r.contentType ??
                      (Number(status) >= 400 ? 'application/problem+json' : 'application/json')]: {
                        schema: r.schema,
                      },
                    },
                  }
                : {}),
            },
          ]),
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
