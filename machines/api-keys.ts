import { DomainFailure } from '../common/failures.js';

// When an org API key works, and when it may be rotated: pure rules over the key's dates, read by
// the key lookup (services/api-keys.ts) and the rotation.

export type ApiKeyState =
  /** Works, with no end set */
  | 'ACTIVE'
  /** Rotated: still works until its expiresAt, the end of its grace period */
  | 'ROTATING'
  /** Past its expiresAt; refused */
  | 'EXPIRED'
  /** Revoked; refused */
  | 'REVOKED';

export interface ApiKeyDates {
  revokedAt: Date | null;
  expiresAt: Date | null;
}

export function apiKeyState(key: ApiKeyDates, now: Date): ApiKeyState {
  if (key.revokedAt) return 'REVOKED';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return key.expiresAt ? 'ROTATING' : 'ACTIVE';
}

/** Whether requests made with the key are accepted now. */
export function apiKeyWorks(key: ApiKeyDates, now: Date): boolean {
  const state = apiKeyState(key, now);
  return state === 'ACTIVE' || state === 'ROTATING';
}

/**
 * How long, in milliseconds from `now`, a key found valid may be trusted without reading it
 * again: the cache period, but never past the key's own end.
 */
export function apiKeyTrustMs(key: ApiKeyDates, now: Date, cacheMs: number): number {
  if (!key.expiresAt) return cacheMs;
  return Math.max(0, Math.min(cacheMs, key.expiresAt.getTime() - now.getTime()));
}

/**
 * When a key rotated now stops working: after the grace period, or sooner if it was already due
 * to end. Refuses a key that no longer works or was already rotated into another one.
 */
export function rotationEnd(
  key: ApiKeyDates & { id: string; replacedById: string | null },
  now: Date,
  graceMs: number,
): Date {
  const state = apiKeyState(key, now);
  if (state === 'REVOKED' || state === 'EXPIRED') {
    throw new DomainFailure(
      'OPERATION_NOT_ALLOWED',
      `API key ${key.id} is ${state.toLowerCase()}; only a working key can be rotated`,
      { state },
    );
  }
  if (key.replacedById) {
    throw new DomainFailure(
      'OPERATION_NOT_ALLOWED',
      `API key ${key.id} was already rotated into ${key.replacedById}; rotate that key instead`,
      { state, replacedBy: key.replacedById },
    );
  }
  const graceEnd = new Date(now.getTime() + graceMs);
  return key.expiresAt && key.expiresAt < graceEnd ? key.expiresAt : graceEnd;
}
