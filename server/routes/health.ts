import type { LogHold } from '../../services/events.js';
import { problemSchema, type Api } from '../api.js';
import { z } from '../zod.js';
import { examples } from '../openapi-examples.js';
import { RETRY_AFTER_SECONDS, problemTitle, problemTypeUri } from '../problem.js';

/**
 * How long one probe of the dependencies answers /readyz. Load balancers and orchestrators poll
 * it often; a probe per request would load the database and Temporal with the polling itself.
 */
const HEALTH_MAX_AGE_MS = 1_000;

const check = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
});
const eventLogCheck = z
  .object({
    status: z.enum(['flowing', 'stalled', 'unknown']),
    heldForSeconds: z.number().optional(),
    pid: z.number().int().optional(),
    role: z.string().nullable().optional(),
    error: z.string().optional(),
  })
  .openapi({
    description:
      "Whether a transaction open in the product's database has held back the event feed and every webhook delivery for EVENT_LOG_STALL_REPORT_SECONDS or longer (stalled: for how long, and its server process and role); never a reason for 503",
  });
const checks = z.object({ database: check, temporal: check, eventLog: eventLogCheck });
const checkedAt = z.iso.datetime().openapi({
  description: `When the dependencies were probed; an answer is reused for up to ${HEALTH_MAX_AGE_MS} ms`,
});
const readiness = z
  .object({ status: z.literal('ok'), checks, checkedAt })
  .openapi('Readiness', { example: examples.Readiness });
const notReady = problemSchema.extend({ checks, checkedAt });

const liveness = z.object({ status: z.literal('ok') }).openapi('Liveness', {
  example: { status: 'ok' },
});
/** /healthz's one answer: the process runs and serves HTTP. It asks no dependency. */
export const LIVENESS_BODY = Buffer.from(JSON.stringify({ status: 'ok' }));

export interface HealthChecks {
  database: (timeoutMs: number) => Promise<unknown>;
  temporal: (timeoutMs: number) => Promise<unknown>;
  /** What holds the event log back, if anything */
  eventLog: () => Promise<LogHold>;
}

/**
 * Whether both dependencies answered (a stalled event log is a detail, not a reason to take the
 * API out of rotation); server/front-door.ts turns a 503 into problem+json.
 */
export interface ReadinessAnswer {
  status: 200 | 503;
  checks: z.infer<typeof checks>;
  checkedAt: string;
}

/** The dependencies' health, probed at most once per HEALTH_MAX_AGE_MS whatever the polling rate. */
export function readinessCheck(dependencies: HealthChecks): () => Promise<ReadinessAnswer> {
  const probeAll = async (): Promise<ReadinessAnswer> => {
    const [database, temporal, eventLog] = await Promise.all([
      probe(dependencies.database),
      probe(dependencies.temporal),
      eventLogState(dependencies.eventLog),
    ]);
    const ok = database.status === 'up' && temporal.status === 'up';
    return {
      status: ok ? 200 : 503,
      checks: { database, temporal, eventLog },
      checkedAt: new Date().toISOString(),
    };
  };
  // One probe at a time, its answer shared by every request until it is too old.
  let last: { at: number; answer: Promise<ReadinessAnswer> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > HEALTH_MAX_AGE_MS)
      last = { at: performance.now(), answer: probeAll() };
    return last.answer;
  };
}

/** The routes as documented; server/front-door.ts answers /healthz and /readyz before the router does. */
export function registerHealthRoutes(
  api: Api,
  deps: { readiness: () => Promise<ReadinessAnswer>; metrics: () => Promise<string> },
): void {
  api.route({
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    summary: 'Whether the process runs and serves HTTP (liveness); asks no dependency',
    tag: 'Operations',
    access: 'public',
    responses: { 200: { description: 'The process is alive', schema: liveness } },
    handler: () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
  });
  api.route({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Whether the database and Temporal are reachable (readiness); for internal probes',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: { description: 'Both dependencies are up', schema: readiness },
      503: {
        description: 'At least one dependency is down',
        schema: notReady,
        contentType: 'application/problem+json',
        example: examples.getReadinessDown,
      },
    },
    handler: async () => {
      const answer = await deps.readiness();
      return {
        status: answer.status,
        body: readinessBody(answer, '/readyz'),
        ...(answer.status === 503
          ? { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } }
          : {}),
      };
    },
  });
  api.route({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary:
      'Prometheus metrics: HTTP, database pool, Temporal worker and client; for internal scrapers',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        schema: z.string(),
        contentType: 'text/plain; version=0.0.4',
        example: examples.getMetrics,
      },
    },
    handler: async () => ({
      status: 200,
      body: await deps.metrics(),
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    }),
  });
}

/** /readyz's body: the checks when ready, a problem+json naming what is down when not. */
export function readinessBody(answer: ReadinessAnswer, instance: string) {
  const { checks: probed, checkedAt: at } = answer;
  if (answer.status === 200) return { status: 'ok' as const, checks: probed, checkedAt: at };
  const down = Object.entries(probed)
    .filter(([, c]) => c.status === 'down')
    .map(([name]) => name);
  return {
    type: problemTypeUri('DEPENDENCY_UNAVAILABLE'),
    title: problemTitle('DEPENDENCY_UNAVAILABLE'),
    status: 503,
    detail: `not ready: ${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} down`,
    instance,
    checks: probed,
    checkedAt: at,
  };
}

const PROBE_TIMEOUT_MS = 2_000;

async function probe(check: (timeoutMs: number) => Promise<unknown>, timeoutMs = PROBE_TIMEOUT_MS) {
  const started = performance.now();
  try {
    await within(check(timeoutMs), timeoutMs);
    return { status: 'up' as const, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'down' as const,
      latencyMs: Math.round(performance.now() - started),
      error: (error as Error).message,
    };
  }
}

async function eventLogState(hold: () => Promise<LogHold>): Promise<z.infer<typeof eventLogCheck>> {
  try {
    const { holder, stalled } = await within(hold(), PROBE_TIMEOUT_MS);
    if (!holder || !stalled) return { status: 'flowing' };
    return {
      status: 'stalled',
      heldForSeconds: Math.round(holder.heldForMs / 1000),
      pid: holder.pid,
      role: holder.role,
    };
  } catch (error) {
    return { status: 'unknown', error: (error as Error).message };
  }
}

async function within<T>(answer: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      answer,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
