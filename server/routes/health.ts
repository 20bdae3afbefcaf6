import type { Api } from '../api.js';
import { z } from '../zod.js';
import { examples } from '../openapi-examples.js';

/**
 * How long one probe of the dependencies answers /healthz. Load balancers and orchestrators poll
 * it often; a probe per request would load the database and Temporal with the polling itself.
 */
const HEALTH_MAX_AGE_MS = 1_000;

const check = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
});
const health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({ database: check, temporal: check }),
    checkedAt: z.iso.datetime().openapi({
      description: `When the dependencies were probed; an answer is reused for up to ${HEALTH_MAX_AGE_MS} ms`,
    }),
  })
  .openapi('Health', { example: examples.Health });

export interface HealthChecks {
  database: (timeoutMs: number) => Promise<unknown>;
  temporal: (timeoutMs: number) => Promise<unknown>;
}

export interface HealthAnswer {
  status: 200 | 503;
  body: z.infer<typeof health>;
}

/** The dependencies' health, probed at most once per HEALTH_MAX_AGE_MS whatever the polling rate. */
export function healthCheck(checks: HealthChecks): () => Promise<HealthAnswer> {
  const probeAll = async (): Promise<HealthAnswer> => {
    const [database, temporal] = await Promise.all([
      probe(checks.database),
      probe(checks.temporal),
    ]);
    const ok = database.status === 'up' && temporal.status === 'up';
    return {
      status: ok ? 200 : 503,
      body: {
        status: ok ? 'ok' : 'degraded',
        checks: { database, temporal },
        checkedAt: new Date().toISOString(),
      },
    };
  };
  // One probe at a time, its answer shared by every request until it is too old.
  let last: { at: number; answer: Promise<HealthAnswer> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > HEALTH_MAX_AGE_MS)
      last = { at: performance.now(), answer: probeAll() };
    return last.answer;
  };
}

/** The route as documented; server/front-door.ts answers it before the router does. */
export function registerHealthRoutes(api: Api, current: () => Promise<HealthAnswer>): void {
  api.route({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Whether the database and Temporal are reachable',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: { description: 'Both dependencies are up', schema: health },
      503: {
        example: examples.getHealthDegraded,
        description: 'At least one dependency is down',
        schema: health,
        contentType: 'application/json',
      },
    },
    handler: current,
  });
}

const PROBE_TIMEOUT_MS = 2_000;

async function probe(check: (timeoutMs: number) => Promise<unknown>, timeoutMs = PROBE_TIMEOUT_MS) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(timeoutMs),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up' as const, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'down' as const,
      latencyMs: Math.round(performance.now() - started),
      error: (error as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}
