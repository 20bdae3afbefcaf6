import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../runtime/prisma.js';
import type { Api } from '../api.js';
import { z } from '../zod.js';

const check = z.object({ status: z.enum(['up', 'down']), latencyMs: z.number(), error: z.string().optional() });
const health = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.object({ database: check, temporal: check }) })
  .openapi('Health');

export function registerHealthRoutes(api: Api, deps: { prisma: PrismaClient; temporal: Client }): void {
  api.route({
    method: 'get',
    path: '/healthz',
    summary: 'Whether the database and Temporal are reachable',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: { description: 'Both dependencies are up', schema: health },
      503: { description: 'At least one dependency is down', schema: health, contentType: 'application/json' },
    },
    handler: async () => {
      const [database, temporal] = await Promise.all([
        probe(() => deps.prisma.$queryRaw`SELECT 1`),
        probe(() => deps.temporal.workflowService.getSystemInfo({})),
      ]);
      const ok = database.status === 'up' && temporal.status === 'up';
      return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', checks: { database, temporal } } };
    },
  });
}

async function probe(call: () => Promise<unknown>, timeoutMs = 2_000) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      call(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up' as const, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down' as const, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
