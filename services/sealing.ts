import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Secrets the product must read again later (a replayed response's API key, an endpoint's
// signing secret) are kept encrypted with AES-256-GCM under a key derived from the server secret,
// one key per purpose, so a leaked table holds nothing usable.

export interface Sealer {
  /** base64 of iv, tag and ciphertext */
  seal(plain: string): string;
  /** The text `seal` was given; throws when the server secret changed since (or it was altered). */
  unseal(sealed: string): string;
}

/** A sealer whose key is derived from the server secret for one purpose (an HKDF salt and info). */
export function createSealer(
  serverSecret: string,
  purpose: { salt: string; info: string },
): Sealer {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, purpose.salt, purpose.info, 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    },
    unseal(sealed) {
      const bytes = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
