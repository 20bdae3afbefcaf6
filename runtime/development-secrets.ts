import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

// Secrets a production deployment configures; in development each is generated on first start
// and kept in the data directory (mode 0600), so it stays the same across restarts.

export interface ProductSecrets {
  /** The key that creates and manages orgs */
  operatorApiKey: string;
  /** Seals secrets in stored idempotent responses and derives the API keys a retried request re-creates */
  serverSecret: string;
  /** Signs the pages' session cookies and form tokens */
  sessionSecret: string;
}

export async function resolveSecrets(config: Config, logger: Logger): Promise<ProductSecrets> {
  const operatorApiKey =
    config.operatorApiKey ??
    (await kept(
      config,
      'operator-api-key',
      () => `cie_operator_${randomBytes(24).toString('hex')}`,
    ));
  if (!config.operatorApiKey) {
    // Printed so a developer can use it
    logger.warn(
      { operatorApiKey, file: path.join(config.dataDir, 'operator-api-key') },
      'OPERATOR_API_KEY is not set; using a generated development key',
    );
  }
  const serverSecret =
    config.serverSecret ??
    (await kept(config, 'server-secret', () => randomBytes(32).toString('hex')));
  const sessionSecret =
    config.sessionSecret ??
    (await kept(config, 'session-secret', () => randomBytes(32).toString('hex')));
  return { operatorApiKey, serverSecret, sessionSecret };
}

async function kept(config: Config, name: string, generate: () => string): Promise<string> {
  const file = path.join(config.dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const value = generate();
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}
