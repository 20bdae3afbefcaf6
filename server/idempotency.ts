import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Prisma } from '../generated/prisma/client.js';
import type { IdempotencyRecords } from '../services/idempotency-records.js';
import { sha256 } from '../services/api-keys.js';
import { derivedIds, type IdSource } from '../services/ids.js';
import { createSealer } from '../services/sealing.js';
import { Problem } from './problem.js';

// Idempotency-Key handling for creating and money-moving writes:
//   same key + same request  -> the stored response, executed once
//   same key + other request -> 422
//   same key while the first is still running -> 409 (retry later), or, for a caller that
//     waits (a console page: a double submit), the first one's answer once it has one
// The request runs with ids derived from its key (services/ids.ts), so a run that dies half-way
// (the whole product killed) leaves rows, runs and keys a second run finds and completes instead
// of duplicating. A claim is held by a lease its request renews while it runs; once the lease has
// run out the request is dead and a retry takes the claim over. Refusals are not stored: a
// refused request wrote nothing, so its retry simply runs again.

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` as is with this media type instead of as JSON (file downloads) */
  contentType?: string;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** How long a claim holds without renewal; a dead request's key is free again after this. */
const LEASE_MS = 10_000;
const RENEW_EVERY_MS = 3_000;
/** How often a repeat that waits for the first request looks at its claim again. */
const WAIT_POLL_MS = 100;

export interface IdempotentRequest {
  scope: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
  /** Dotted paths of response body fields holding secrets, kept sealed (encrypted) in the store */
  secretFields?: readonly string[];
}

export function createIdempotencyStore(records: IdempotencyRecords, serverSecret: string) {
  const sealer = createSealer(serverSecret, {
    salt: 'idempotency',
    info: 'stored-response-secrets',
  });

  async function claim(
    request: IdempotentRequest,
    requestHash: string,
    owner: string,
    waitUntil: number,
  ): Promise<RouteResult | 'claimed'> {
    const { scope, key, method, path } = request;
    const leaseExpiresAt = new Date(Date.now() + LEASE_MS);
    if (await records.claim({ scope, key, method, path, requestHash, owner, leaseExpiresAt }))
      return 'claimed';
    const existing = await records.find(scope, key);
    if (!existing) return claim(request, requestHash, owner, waitUntil); // released meanwhile
    if (existing.requestHash !== requestHash) {
      throw new Problem(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key "${key}" was already used for a different request (${existing.method} ${existing.path})`,
      );
    }
    if (existing.completedAt && existing.responseStatus !== null) {
      return {
        status: existing.responseStatus,
        body: unseal(existing.responseBody, request.secretFields),
        headers: (existing.responseHeaders ?? undefined) as Record<string, string> | undefined,
      };
    }
    const takenOver =
      existing.leaseExpiresAt.getTime() < Date.now() &&
      (await records.takeOver(scope, key, existing.leaseExpiresAt, owner, leaseExpiresAt));
    if (!takenOver && Date.now() < waitUntil) {
      // The first request is alive: its answer (stored), its refusal (released, so this one runs
      // and is refused in turn) or its death (lease out, taken over) settles what this one gets.
      await delay(Math.min(WAIT_POLL_MS, waitUntil - Date.now()));
      return claim(request, requestHash, owner, waitUntil);
    }
    if (!takenOver) {
      throw new Problem(
        'IDEMPOTENCY_KEY_IN_PROGRESS',
        `a request with Idempotency-Key "${key}" is still running; retry shortly`,
      );
    }
    return 'claimed';
  }

  /** Keeps the claim while the request runs, so nobody takes over a request that is alive. */
  function holdLease(scope: string, key: string, owner: string): () => void {
    const timer = setInterval(() => {
      records.renew(scope, key, owner, new Date(Date.now() + LEASE_MS)).catch(() => undefined); // a missed renewal only lets a retry take over early; the retry converges
    }, RENEW_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  function seal(body: unknown, secretFields: readonly string[] = []): unknown {
    return mapFields(body, secretFields, (value) => ({ sealed: sealer.seal(String(value)) }));
  }

  function unseal(body: unknown, secretFields: readonly string[] = []): unknown {
    return mapFields(body, secretFields, (value) => {
      try {
        return sealer.unseal((value as { sealed: string }).sealed);
      } catch {
        throw new Problem(
          'CONFLICT',
          'the first response to this request holds a secret that can no longer be read (the server secret changed); issue a new key instead',
        );
      }
    });
  }

  return {
    /**
     * Runs `execute` once per key and request, handing it the ids derived from the key. A repeat
     * while the first is running waits up to `waitForRunningMs` (none by default) for its answer.
     */
    async run(
      request: IdempotentRequest,
      execute: (ids: IdSource) => Promise<RouteResult>,
      waitForRunningMs = 0,
    ): Promise<RouteResult & { replayed: boolean }> {
      const { scope, key } = request;
      const requestHash = sha256(
        stableStringify({ method: request.method, path: request.path, body: request.body ?? null }),
      );
      const owner = randomUUID();
      const claimed = await claim(request, requestHash, owner, Date.now() + waitForRunningMs);
      if (claimed !== 'claimed') return { ...claimed, replayed: true };

      const release = () => records.release(scope, key, owner);
      const stopRenewing = holdLease(scope, key, owner);
      let result: RouteResult;
      try {
        result = await execute(derivedIds(`${scope}\u0000${key}`, serverSecret));
      } catch (error) {
        stopRenewing();
        await release();
        throw error;
      }
      stopRenewing();
      if (result.status >= 500) {
        await release();
        return { ...result, replayed: false };
      }
      await records.complete(scope, key, owner, {
        status: result.status,
        body: (seal(result.body, request.secretFields) ?? null) as Prisma.InputJsonValue,
        headers: result.headers,
      });
      return { ...result, replayed: false };
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

/** A copy of `body` with the value at each dotted path replaced by `map(value)`. */
function mapFields(
  body: unknown,
  paths: readonly string[],
  map: (value: unknown) => unknown,
): unknown {
  if (paths.length === 0 || body === null || typeof body !== 'object') return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const path of paths) {
    const keys = path.split('.');
    let parent: Record<string, unknown> | undefined = copy;
    for (const key of keys.slice(0, -1))
      parent = parent?.[key] as Record<string, unknown> | undefined;
    const last = keys.at(-1)!;
    if (parent && parent[last] !== undefined && parent[last] !== null)
      parent[last] = map(parent[last]);
  }
  return copy;
}

/** JSON with object keys sorted, so the same request hashes the same whatever its key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
