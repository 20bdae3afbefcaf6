import type { Api } from '../api.js';
import { z } from '../zod.js';

const check = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
});
const health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({ database: check, temporal: check }),
  })
  .openapi('Health');

export interface HealthChecks {
  database: (timeoutMs: number) => Promise<unknown>;
  temporal: (timeoutMs: number) => Promise<unknown>;
}

export function registerHealthRoutes(api: Api, checks: HealthChecks): void {
  api.route({
    method: 'get',
    path: '/healthz',
    summary: 'Whether the database and Temporal are reachable',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: { description: 'Both dependencies are up', schema: health },
      503: {
        description: 'At least one dependency is down',
        schema: health,
        contentType: 'application/json',
      },
    },
    handler: async () => {
      const [database, temporal] = await Promise.all([
        probe(checks.database),
        probe(checks.temporal),
      ]);
      const ok = database.status === 'up' && temporal.status === 'up';
      return {
        status: ok ? 200 : 503,
        body: { status: ok ? 'ok' : 'degraded', checks: { database, temporal } },
      };
    },
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
