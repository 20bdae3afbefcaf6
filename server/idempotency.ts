import type { Prisma } from '../generated/prisma/client.js';
import { sha256 } from '../services/api-keys.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { Problem } from './problem.js';

// Idempotency-Key handling for creating and money-moving writes:
//   same key + same request  -> the stored response, executed once
//   same key + other request -> 422
//   same key while the first is still running -> 409 (retry later)
// Only successful responses are stored; a failed request releases its key so a retry runs again.

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` as is with this media type instead of as JSON (file downloads) */
  contentType?: string;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** A claim older than this belongs to a request that died mid-way; a retry may take it over. */
const ABANDONED_AFTER_MS = 60_000;

export async function withIdempotency(
  prisma: PrismaClient,
  request: { scope: string; key: string; method: string; path: string; body: unknown },
  execute: () => Promise<RouteResult>,
): Promise<RouteResult & { replayed: boolean }> {
  const { scope, key, method, path } = request;
  const requestHash = sha256(stableStringify({ method, path, body: request.body ?? null }));

  const claimed = await prisma.idempotencyRecord.createMany({
    data: [{ scope, key, method, path, requestHash }],
    skipDuplicates: true,
  });
  if (claimed.count === 0) {
    const existing = await prisma.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
    if (!existing) return withIdempotency(prisma, request, execute); // released meanwhile
    if (existing.requestHash !== requestHash) {
      throw new Problem(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key "${key}" was already used for a different request (${existing.method} ${existing.path})`,
      );
    }
    if (existing.completedAt && existing.responseStatus !== null) {
      return {
        status: existing.responseStatus,
        body: existing.responseBody,
        headers: (existing.responseHeaders ?? undefined) as Record<string, string> | undefined,
        replayed: true,
      };
    }
    const abandoned = Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS;
    const takenOver =
      abandoned &&
      (
        await prisma.idempotencyRecord.updateMany({
          where: { scope, key, completedAt: null, createdAt: existing.createdAt },
          data: { createdAt: new Date() },
        })
      ).count === 1;
    if (!takenOver) {
      throw new Problem('IDEMPOTENCY_KEY_IN_PROGRESS', `a request with Idempotency-Key "${key}" is still running; retry shortly`);
    }
  }

  let result: RouteResult;
  try {
    result = await execute();
  } catch (error) {
    await release(prisma, scope, key);
    throw error;
  }
  if (result.status >= 500) {
    await release(prisma, scope, key);
    return { ...result, replayed: false };
  }
  await prisma.idempotencyRecord.update({
    where: { scope_key: { scope, key } },
    data: {
      responseStatus: result.status,
      responseBody: (result.body ?? null) as Prisma.InputJsonValue,
      ...(result.headers ? { responseHeaders: result.headers } : {}),
      completedAt: new Date(),
    },
  });
  return { ...result, replayed: false };
}

async function release(prisma: PrismaClient, scope: string, key: string): Promise<void> {
  await prisma.idempotencyRecord.deleteMany({ where: { scope, key, completedAt: null } });
}

/** JSON with object keys sorted, so the same request hashes the same whatever its key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
