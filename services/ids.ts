import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Where a write gets the ids (and secrets) of what it creates. A request made with an
 * Idempotency-Key derives them from the key, so running it again after a crash reaches the very
 * rows, runs and keys the first attempt made, and finds them instead of making new ones. Without
 * a key they are random.
 */
export interface IdSource {
  /** Names this operation; the same on every run of one idempotent request */
  readonly operationId: string;
  /** The UUID of the resource this operation calls `name` */
  uuid(name: string): string;
  /** 32 bytes as hex for the secret this operation calls `name` (an API key's) */
  secret(name: string): string;
}

export function randomIds(): IdSource {
  return {
    operationId: randomUUID(),
    uuid: () => randomUUID(),
    secret: () => randomBytes(32).toString('hex'),
  };
}

/**
 * Ids derived from `seed` (the caller's scope and Idempotency-Key). UUIDs are public, so a hash of
 * the seed will do; secrets are an HMAC under the server's secret, which the database never holds,
 * so reading the database (where the key is stored) does not give them away.
 */
export function derivedIds(seed: string, serverSecret: string): IdSource {
  const uuid = (name: string) =>
    uuidFromDigest(createHash('sha256').update(`${seed}\u0000${name}`).digest());
  return {
    operationId: uuid('operation'),
    uuid,
    secret: (name) =>
      createHmac('sha256', serverSecret).update(`${seed}\u0000secret\u0000${name}`).digest('hex'),
  };
}

/**
 * The UUID `name` derives to: the same name always gives the same id, so a row whose id names the
 * change it records (an event of an account's version 7, say) cannot be written twice.
 */
export function uuidOfName(name: string): string {
  return uuidFromDigest(createHash('sha256').update(name).digest());
}

/** RFC 9562 version 8 (custom) UUID from the first 16 bytes of a digest. */
function uuidFromDigest(digest: Buffer): string {
  const bytes = Buffer.from(digest.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
