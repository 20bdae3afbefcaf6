import { createHash } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import express, { type NextFunction, type Request, type Response } from 'express';
import { DomainFailure, type FailureType } from '../common/failures.js';
import type { Processes } from '../processes/index.js';
import type { Logger } from '../runtime/logger.js';
import type { Services } from '../services/index.js';
import { isTransientDatabaseError } from '../services/prisma-errors.js';
import { Api } from './api.js';
import { problemOf } from './domain-problems.js';
import { allowedMethods } from './method-not-allowed.js';
import { frontDoor } from './front-door.js';
import { createMetrics, type Metrics, type MetricsSources } from './metrics.js';
import { Problem, sendProblem } from './problem.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerAccountTermsRoutes } from './routes/account-terms.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { registerApplicationRoutes } from './routes/applications.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerDailyBalanceRoutes } from './routes/daily-balances.js';
import { readinessCheck, registerHealthRoutes } from './routes/health.js';
import { registerListRoutes } from './routes/lists.js';
import { registerOrgWorkflowRoutes } from './routes/org-workflows.js';
import { registerOrgRoutes } from './routes/orgs.js';
import { registerProgramRoutes } from './routes/programs.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerReportScheduleRoutes } from './routes/report-schedules.js';
import { registerEventRoutes } from './routes/events.js';
import { registerSettingsRoutes } from './routes/settings.js';
import { registerStatusReasonRoutes } from './routes/status-reasons.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerUiRoutes } from './ui/routes.js';

export interface AppDeps {
  services: Services;
  processes: Processes;
  /** One attempt to reach Temporal, for /readyz */
  pingTemporal(timeoutMs: number): Promise<void>;
  logger: Logger;
  operatorApiKey: string;
  /** Seals secrets in stored idempotent responses; derives the keys a retried request re-creates */
  serverSecret: string;
  /** Signs the pages' session cookies and their forms' CSRF tokens */
  sessionSecret: string;
  maxBodyBytes: number;
  /** What /metrics reports besides HTTP and the process: the database pool, the Temporal SDK */
  metrics?: MetricsSources;
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The HTTP API and the pages over the product's services and processes; nothing here is built twice. */
export function createApp(deps: AppDeps): RequestListener {
  const { services, processes } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Resources carry their own version ETags; hashing every answer body buys nothing.
  app.set('etag', false);

  const router = express.Router();
  const api = new Api(router, {
    apiKeys: services.apiKeys,
    idempotencyRecords: services.idempotencyRecords,
    operatorApiKey: deps.operatorApiKey,
    serverSecret: deps.serverSecret,
  });
  // The pages take a sign-in form; everything else speaks JSON.
  registerUiRoutes(app, {
    api,
    services,
    processes,
    operatorApiKey: deps.operatorApiKey,
    sessionSecret: deps.sessionSecret,
  });
  app.use(requireJsonBody);
  app.use(express.json({ limit: deps.maxBodyBytes, strict: true }));
  const metrics = createMetrics({ ...deps.metrics, eventLog: () => services.events.hold() });
  const readiness = registerApiRoutes(api, { ...deps, metrics });
  app.use(router);

  // Built once, at the first request: it describes the routes, which do not change while the
  // process runs. Its server is relative (`/`), so one document serves every host it is asked on.
  let openApi: { body: Buffer; etag: string } | undefined;
  app.get('/openapi.json', (_req, res) => {
    openApi ??= servedOnce(api.openApiDocument({ version, serverUrl: '/' }));
    res.type('application/json').set('ETag', openApi.etag).send(openApi.body);
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const allowed = allowedMethods(app, req.path);
    if (allowed.length === 0) return next(Problem.notFound(`${req.method} ${req.path}`));
    res.setHeader('Allow', allowed.join(', '));
    next(
      new Problem(
        'METHOD_NOT_ALLOWED',
        `${req.path} answers to ${allowed.join(', ')}, not ${req.method}`,
        { allow: allowed },
      ),
    );
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(error);
    if (problem.status >= 500)
      deps.logger.error(
        { err: error, requestId: res.getHeader('X-Request-Id'), path: req.path },
        'request failed',
      );
    sendProblem(res, problem, req.originalUrl);
  });
  return frontDoor(app, { readiness, metrics, logger: deps.logger });
}

/**
 * Declares every API route on `api` (router and OpenAPI document at once); answers the readiness
 * check the front door shares. Nothing here calls a service: scripts/openapi-document.ts builds
 * the document from it with no database or Temporal.
 */
export function registerApiRoutes(
  api: Api,
  deps: Pick<AppDeps, 'services' | 'processes' | 'pingTemporal'> & { metrics: Metrics },
): ReturnType<typeof readinessCheck> {
  const { services, processes } = deps;
  const readiness = readinessCheck({
    database: () => services.database.ping(),
    temporal: (timeoutMs) => deps.pingTemporal(timeoutMs),
    eventLog: () => services.events.hold(),
  });
  registerHealthRoutes(api, { readiness, metrics: () => deps.metrics.render() });
  registerOrgRoutes(api, services, processes);
  registerListRoutes(api, services, processes.applications);
  registerApiKeyRoutes(api, services.apiKeys);
  registerOrgWorkflowRoutes(api, processes.orgWorkflows);
  registerSettingsRoutes(api, services.settings);
  registerProgramRoutes(api, services.programs);
  registerStatusReasonRoutes(api, services.statusReasons);
  registerAccountRoutes(api, services);
  registerCustomerRoutes(api, services.customers);
  registerWebhookRoutes(api, services, processes);
  registerApplicationRoutes(api, processes.applications);
  registerDailyBalanceRoutes(api, services.dailyBalances);
  registerReportRoutes(api, services.reports);
  registerReportScheduleRoutes(api, services.reportSchedules);
  registerEventRoutes(api, services.events);
  registerAccountTermsRoutes(api, services, processes.programMigrations);
  return readiness;
}

/** A request that carries a body must say it is JSON; anything else is 415, not a parse guess. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    next(
      new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json', {
        errors: [
          {
            field: 'headers.content-type',
            rule: 'must_be_json',
            message: 'must be application/json',
          },
        ],
      }),
    );
    return;
  }
  next();
}

/** What body-parser, zlib and the router attach to errors (the http-errors convention). */
interface HttpError {
  type?: string;
  status?: number;
  limit?: number;
  code?: string;
}

function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof DomainFailure) return problemOf(error, 'body');
  const httpError = (error ?? {}) as HttpError;
  switch (httpError.type) {
    case 'entity.parse.failed':
      return Problem.validation(
        [{ field: 'body', rule: 'malformed_json', message: 'is not valid JSON' }],
        'the request body is not valid JSON',
      );
    case 'entity.too.large':
      return new Problem(
        'PAYLOAD_TOO_LARGE',
        `the request body is larger than ${httpError.limit ?? 'the limit of'} bytes`,
        {
          errors: [
            {
              field: 'body',
              rule: 'max_bytes',
              message: `must be at most ${httpError.limit} bytes`,
            },
          ],
        },
      );
    case 'encoding.unsupported':
      return new Problem(
        'UNSUPPORTED_MEDIA_TYPE',
        'send the request body uncompressed, or as gzip, deflate or br',
        {
          errors: [
            {
              field: 'headers.content-encoding',
              rule: 'unsupported_encoding',
              message: 'must be gzip, deflate, br or identity',
            },
          ],
        },
      );
    case 'charset.unsupported':
      return new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the request body as UTF-8 JSON', {
        errors: [
          { field: 'headers.content-type', rule: 'unsupported_charset', message: 'must be UTF-8' },
        ],
      });
    case 'request.aborted':
    case 'request.size.invalid':
      return Problem.validation([
        { field: 'body', rule: 'incomplete', message: 'was not received whole' },
      ]);
  }
  if (error instanceof URIError) {
    return Problem.validation([
      {
        field: 'params',
        rule: 'malformed_encoding',
        message: 'is not valid percent-encoded UTF-8',
      },
    ]);
  }
  // zlib refusing a body whose Content-Encoding does not match its bytes
  if (
    httpError.status === 400 &&
    (httpError.code?.startsWith('Z_') ||
      httpError.code?.startsWith('ERR__ERROR_FORMAT') ||
      httpError.code?.startsWith('ERR_BROTLI'))
  ) {
    return Problem.validation([
      {
        field: 'body',
        rule: 'malformed_encoding',
        message: 'is not valid data for its Content-Encoding',
      },
    ]);
  }
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    return Problem.validation([
      { field: 'request', rule: 'malformed_request', message: (error as Error).message },
    ]);
  }
  if (isUnavailable(error)) {
    return new Problem(
      'DEPENDENCY_UNAVAILABLE',
      'a service this request needs is unavailable; retry later',
    );
  }
  return new Problem(
    'INTERNAL' satisfies FailureType,
    'an unexpected error occurred; it has been logged',
  );
}

/**
 * gRPC codes of a Temporal server that cannot be reached, is overloaded or did not answer in time
 * (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED), as the Temporal client reports them once
 * its own retries are spent.
 */
const UNAVAILABLE_GRPC_CODES = new Set([14, 8, 4]);

/**
 * Whether an error says a dependency is momentarily out of reach (the database unreachable, its
 * pool exhausted, Temporal unreachable or overloaded), the error itself or one it wraps (the
 * Temporal client's ServiceError wraps the gRPC error): a 503 to retry, not a fault of the request
 * or of the code.
 */
function isUnavailable(error: unknown): boolean {
  for (let link = error, depth = 0; link && depth < 5; depth++) {
    if (isTransientDatabaseError(link)) return true;
    const { code, details } = link as { code?: unknown; details?: unknown };
    if (typeof code === 'number' && typeof details === 'string' && UNAVAILABLE_GRPC_CODES.has(code))
      return true;
    link = (link as { cause?: unknown }).cause;
  }
  return false;
}

/** A document's bytes and the strong ETag they are served with */
function servedOnce(document: unknown): { body: Buffer; etag: string } {
  const body = Buffer.from(JSON.stringify(document));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}
