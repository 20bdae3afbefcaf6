import { createHash, timingSafeEqual } from 'node:crypto';
import type { EnvironmentKind } from '../generated/prisma/enums.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { randomIds, type IdSource } from './ids.js';

// Org API keys look like `cie_test_<prefix>_<secret>`. The prefix finds the row; only a SHA-256
// of the secret is stored, compared in constant time. The secret is 256 random bits, so a fast
// hash is enough (there is nothing to brute-force as with passwords).

const TOKEN = /^cie_(test|production)_([0-9a-f]{16})_([0-9a-f]{64})$/;

export interface IssuedApiKey {
  id: string;
  prefix: string;
  secretHash: string;
  /** Shown to the caller once; never stored */
  token: string;
}

/** A new key; with ids derived from an Idempotency-Key, a retry of the request issues the very same key. */
export function issueApiKey(kind: EnvironmentKind, ids: IdSource = randomIds()): IssuedApiKey {
  const prefix = ids.secret('api-key-prefix').slice(0, 16);
  const secret = ids.secret('api-key');
  return {
    id: ids.uuid('api-key'),
    prefix,
    secretHash: sha256(secret),
    token: `cie_${kind.toLowerCase()}_${prefix}_${secret}`,
  };
}

export interface ApiKeyIdentity {
  apiKeyId: string;
  orgId: string;
  environmentId: string;
  environmentKind: EnvironmentKind;
}

/** The most keys remembered at once; the oldest is forgotten first. */
const CACHED_KEYS = 10_000;

/**
 * `cacheMs`: how long a key found valid is trusted without reading it again, so most requests
 * skip the lookup. A revoked key is refused at the latest that long after its revocation.
 */
export function createApiKeys({ prisma, cacheMs }: { prisma: PrismaClient; cacheMs: number }) {
  const identity = {
    id: true,
    orgId: true,
    environmentId: true,
    revokedAt: true,
    environment: { select: { kind: true } },
  } as const;
  // By the token's hash, so the tokens themselves are not kept in memory.
  const trusted = new Map<string, { identity: ApiKeyIdentity; until: number }>();

  async function lookUp(token: string): Promise<ApiKeyIdentity | undefined> {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, kind, prefix, secret] = match as unknown as [string, string, string, string];
    const key = await prisma.apiKey.findUnique({
      where: { prefix },
      select: { ...identity, secretHash: true },
    });
    if (!key || key.revokedAt || key.environment.kind.toLowerCase() !== kind) return undefined;
    if (!timingSafeEqual(Buffer.from(sha256(secret)), Buffer.from(key.secretHash)))
      return undefined;
    return {
      apiKeyId: key.id,
      orgId: key.orgId,
      environmentId: key.environmentId,
      environmentKind: key.environment.kind,
    };
  }

  return {
    /** The identity a key token stands for, or undefined for a malformed, unknown or revoked key. */
    async find(token: string): Promise<ApiKeyIdentity | undefined> {
      const tokenHash = sha256(token);
      const known = trusted.get(tokenHash);
      if (known && known.until > performance.now()) return known.identity;
      trusted.delete(tokenHash);
      const found = await lookUp(token);
      if (found && cacheMs > 0) {
        if (trusted.size >= CACHED_KEYS) trusted.delete(trusted.keys().next().value!);
        trusted.set(tokenHash, { identity: found, until: performance.now() + cacheMs });
      }
      return found;
    },

    /** The identity of a live key by its id (for sessions that name a key without holding it). */
    async findById(id: string): Promise<ApiKeyIdentity | undefined> {
      const key = await prisma.apiKey.findUnique({ where: { id }, select: identity });
      if (!key || key.revokedAt) return undefined;
      return {
        apiKeyId: key.id,
        orgId: key.orgId,
        environmentId: key.environmentId,
        environmentKind: key.environment.kind,
      };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares two secrets without leaking where they differ. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
