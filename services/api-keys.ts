import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainFailure } from '../common/failures.js';
import type { EnvironmentKind } from '../generated/prisma/enums.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import {
  apiKeyState,
  apiKeyTrustMs,
  apiKeyWorks,
  rotationEnd,
  type ApiKeyState,
} from '../machines/api-keys.js';
import { randomIds, type IdSource } from './ids.js';
import { keysetAfter, keysetOrder, readPage, type Page, type PageRequest } from './pages.js';
import { recordEvent } from './events.js';
import { inTransaction } from './transactions.js';

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

/** What a key's owner may know of it: everything but the secret and its hash. */
export interface ApiKeyView {
  id: string;
  orgId: string;
  name: string;
  environment: { id: string; kind: EnvironmentKind };
  /** The public start of the key (`cie_test_<prefix>`), which identifies it */
  prefix: string;
  state: ApiKeyState;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  replacedById: string | null;
}

/** Whose keys a caller may manage: the operator every org's, an org key its own environment's. */
export type ApiKeyScope = { kind: 'operator' } | { kind: 'environment'; environmentId: string };

/**
 * `cacheMs`: how long a key found valid is trusted without reading it again, so most requests
 * skip the lookup. A revoked key is refused at the latest that long after its revocation; a key
 * is never trusted past its expiry. `rotationGraceMs`: how long a rotated key keeps working.
 */
export function createApiKeys({
  prisma,
  cacheMs,
  rotationGraceMs,
}: {
  prisma: PrismaClient;
  cacheMs: number;
  rotationGraceMs: number;
}) {
  const identity = {
    id: true,
    orgId: true,
    environmentId: true,
    revokedAt: true,
    expiresAt: true,
    lastUsedAt: true,
    environment: { select: { kind: true } },
  } as const;
  const viewFields = {
    ...identity,
    name: true,
    prefix: true,
    createdAt: true,
    replacedById: true,
  } as const;
  // By the token's hash, so the tokens themselves are not kept in memory.
  const trusted = new Map<string, { identity: ApiKeyIdentity; until: number }>();
  /** lastUsedAt is written at most once per this long per key. */
  const lastUsedResolutionMs = Math.max(cacheMs, 1000);

  type IdentityRow = {
    id: string;
    orgId: string;
    environmentId: string;
    revokedAt: Date | null;
    expiresAt: Date | null;
    lastUsedAt: Date | null;
    environment: { kind: EnvironmentKind };
  };

  function identityOf(key: IdentityRow): ApiKeyIdentity {
    return {
      apiKeyId: key.id,
      orgId: key.orgId,
      environmentId: key.environmentId,
      environmentKind: key.environment.kind,
    };
  }

  /** Records the use of a key read from the database, unless it was recorded recently. */
  function noteUse(key: IdentityRow, now: Date): void {
    const since = new Date(now.getTime() - lastUsedResolutionMs);
    if (key.lastUsedAt && key.lastUsedAt > since) return;
    // Not awaited: the request does not wait for its bookkeeping, and a failed write only leaves
    // lastUsedAt older than it could be.
    prisma.apiKey
      .updateMany({
        where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: since } }] },
        data: { lastUsedAt: now },
      })
      .catch(() => undefined);
  }

  async function lookUp(
    token: string,
  ): Promise<{ found: ApiKeyIdentity; trustMs: number } | undefined> {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, kind, prefix, secret] = match as unknown as [string, string, string, string];
    const key = await prisma.apiKey.findUnique({
      where: { prefix },
      select: { ...identity, secretHash: true },
    });
    const now = new Date();
    if (!key || !apiKeyWorks(key, now) || key.environment.kind.toLowerCase() !== kind)
      return undefined;
    if (!timingSafeEqual(Buffer.from(sha256(secret)), Buffer.from(key.secretHash)))
      return undefined;
    noteUse(key, now);
    return { found: identityOf(key), trustMs: apiKeyTrustMs(key, now, cacheMs) };
  }

  /** Forgets what this process trusted of a key, so a change to it applies here at once. */
  function forget(apiKeyId: string): void {
    for (const [tokenHash, entry] of trusted)
      if (entry.identity.apiKeyId === apiKeyId) trusted.delete(tokenHash);
  }

  function view(
    key: IdentityRow & {
      name: string;
      prefix: string;
      createdAt: Date;
      replacedById: string | null;
    },
    now: Date,
  ): ApiKeyView {
    return {
      id: key.id,
      orgId: key.orgId,
      name: key.name,
      environment: { id: key.environmentId, kind: key.environment.kind },
      prefix: `cie_${key.environment.kind.toLowerCase()}_${key.prefix}`,
      state: apiKeyState(key, now),
      createdAt: key.createdAt,
      lastUsedAt: key.lastUsedAt,
      revokedAt: key.revokedAt,
      expiresAt: key.expiresAt,
      replacedById: key.replacedById,
    };
  }

  /** The key if this scope may manage it; any other key answers as a missing one. */
  function inScope(scope: ApiKeyScope) {
    return scope.kind === 'operator' ? {} : { environmentId: scope.environmentId };
  }

  return {
    /** The identity a key token stands for, or undefined for a malformed, unknown, revoked or expired key. */
    async find(token: string): Promise<ApiKeyIdentity | undefined> {
      const tokenHash = sha256(token);
      const known = trusted.get(tokenHash);
      if (known && known.until > performance.now()) return known.identity;
      trusted.delete(tokenHash);
      const looked = await lookUp(token);
      if (looked && looked.trustMs > 0) {
        if (trusted.size >= CACHED_KEYS) trusted.delete(trusted.keys().next().value!);
        trusted.set(tokenHash, {
          identity: looked.found,
          until: performance.now() + looked.trustMs,
        });
      }
      return looked?.found;
    },

    /**
     * The identity of a working key by its id (for sessions that name a key without holding it).
     * Always read from the database: a revoked or expired key ends its sessions at once.
     */
    async findById(id: string): Promise<ApiKeyIdentity | undefined> {
      const key = await prisma.apiKey.findUnique({ where: { id }, select: identity });
      const now = new Date();
      if (!key || !apiKeyWorks(key, now)) return undefined;
      noteUse(key, now);
      return identityOf(key);
    },

    /**
     * A page of an org's keys, oldest first; an environment's scope sees its own environment's
     * keys only.
     */
    async list(
      orgId: string,
      scope: ApiKeyScope,
      request: PageRequest & { environmentKind?: EnvironmentKind },
    ): Promise<Page<ApiKeyView>> {
      const now = new Date();
      return readPage(request, async (take) => {
        const rows = await prisma.apiKey.findMany({
          where: {
            orgId,
            ...inScope(scope),
            ...(request.environmentKind ? { environment: { kind: request.environmentKind } } : {}),
            ...keysetAfter(request.after),
          },
          orderBy: keysetOrder,
          take,
          select: viewFields,
        });
        return rows.map((row) => view(row, now));
      });
    },

    async orgExists(orgId: string): Promise<boolean> {
      return (await prisma.org.count({ where: { id: orgId } })) > 0;
    },

    /** Revokes the key now; revoking it again answers the key as it is, revoked at the first time. */
    async revoke(apiKeyId: string, scope: ApiKeyScope): Promise<ApiKeyView> {
      const where = { id: apiKeyId, ...inScope(scope) };
      const revokedAt = new Date();
      await inTransaction(prisma, async (tx) => {
        const revoked = await tx.apiKey.updateManyAndReturn({
          where: { ...where, revokedAt: null },
          data: { revokedAt },
          select: { id: true, environmentId: true, orgId: true },
        });
        for (const key of revoked)
          await recordEvent(tx, {
            type: 'api_key.revoked',
            key: `api-key:${key.id}:revoked`,
            orgId: key.orgId,
            environmentId: key.environmentId,
            subjectType: 'api_key',
            subjectId: key.id,
            occurredAt: revokedAt,
            payload: {
              apiKeyId: key.id,
              environmentId: key.environmentId,
              revokedAt: revokedAt.toISOString(),
            },
          });
      });
      forget(apiKeyId);
      const key = await prisma.apiKey.findFirst({ where, select: viewFields });
      if (!key) throw DomainFailure.notFound(`API key ${apiKeyId}`);
      return view(key, new Date());
    },

    /**
     * A new key in the key's place: same org, environment and name, with ids from `ids`; the old
     * one keeps working for the rotation grace period. In one transaction with the old key locked,
     * so two rotations of one key never both succeed; a retry of the same request (the same ids)
     * answers the key the first made.
     */
    async rotate(
      apiKeyId: string,
      scope: ApiKeyScope,
      ids: IdSource,
    ): Promise<{ apiKey: ApiKeyView; token: string; replaced: ApiKeyView }> {
      return inTransaction(prisma, async (tx) => {
        const locked = await tx.$queryRaw<
          { id: string }[]
        >`SELECT id FROM "ApiKey" WHERE id = ${apiKeyId}::uuid FOR UPDATE`;
        const old =
          locked.length === 0
            ? null
            : await tx.apiKey.findFirst({
                where: { id: apiKeyId, ...inScope(scope) },
                select: viewFields,
              });
        if (!old) throw DomainFailure.notFound(`API key ${apiKeyId}`);
        const issued = issueApiKey(old.environment.kind, ids);
        const now = new Date();
        if (old.replacedById !== issued.id) {
          const expiresAt = rotationEnd(old, now, rotationGraceMs);
          await tx.apiKey.create({
            data: {
              id: issued.id,
              orgId: old.orgId,
              environmentId: old.environmentId,
              prefix: issued.prefix,
              secretHash: issued.secretHash,
              name: old.name,
            },
          });
          await tx.apiKey.update({
            where: { id: old.id },
            data: { expiresAt, replacedById: issued.id },
          });
          await recordEvent(tx, {
            type: 'api_key.rotated',
            key: `api-key:${old.id}:rotated`,
            orgId: old.orgId,
            environmentId: old.environmentId,
            subjectType: 'api_key',
            subjectId: old.id,
            occurredAt: now,
            payload: {
              apiKeyId: old.id,
              environmentId: old.environmentId,
              replacedById: issued.id,
              replacedByPrefix: issued.prefix,
              expiresAt: expiresAt.toISOString(),
            },
          });
        }
        forget(old.id);
        const [fresh, replaced] = await Promise.all([
          tx.apiKey.findUniqueOrThrow({ where: { id: issued.id }, select: viewFields }),
          tx.apiKey.findUniqueOrThrow({ where: { id: old.id }, select: viewFields }),
        ]);
        return { apiKey: view(fresh, now), token: issued.token, replaced: view(replaced, now) };
      });
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
