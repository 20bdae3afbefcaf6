import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/**
 * The configured operator key, or in development one generated on first start and kept in the
 * data directory so it stays the same across restarts. Printed so a developer can use it.
 */
export async function resolveOperatorApiKey(config: Config, logger: Logger): Promise<string> {
  if (config.operatorApiKey) return config.operatorApiKey;
  const file = path.join(config.dataDir, 'operator-api-key');
  let key: string;
  if (existsSync(file)) {
    key = (await readFile(file, 'utf8')).trim();
  } else {
    key = `cie_operator_${randomBytes(24).toString('hex')}`;
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  logger.warn({ operatorApiKey: key, file }, 'OPERATOR_API_KEY is not set; using a generated development key');
  return key;
}
