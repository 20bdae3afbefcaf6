import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { startProduct } from '../runtime/product.js';
import { startTemporalDevServer } from '../runtime/temporal.js';
import { ensurePipTool, tools } from '../runtime/tools.js';
import { freePort } from '../test/support/free-port.js';

// `npm run fuzz:openapi`: fuzzes the HTTP API from its own OpenAPI document with schemathesis,
// for long runs outside the test suite. Against a running product (--url, --operator-key), or
// against the whole product started here on free ports with a throw-away data directory (as
// bench/context.ts does) and stopped again at the end, also on failure or Ctrl-C.
//
// Each operation is called with a key it accepts: one schemathesis pass over the operations that
// take the operator key, with that key, and one over those that take an org key (and the public
// ones), with the test environment key of an org created here. Operations that take either key
// are in both passes.

const usage = `Usage: npm run fuzz:openapi -- [options] [-- schemathesis run options]

  --url URL             fuzz the product running there (default: start one here and stop it after)
  --operator-key KEY    its operator key (default: $OPERATOR_API_KEY; required with --url)
  --max-examples N      test cases per operation and phase, in each pass (default 50)
  --seed N              seed, to repeat a run (default: a random one, printed)
  --checks LIST         comma-separated schemathesis checks (default: all, which includes
                        not_a_server_error, status_code_conformance, content_type_conformance,
                        response_schema_conformance, response_headers_conformance,
                        positive_data_acceptance, negative_data_rejection, unsupported_method)
  --report-dir DIR      where reports go (default: test-artifacts/fuzz-openapi/<time>)
  -h, --help            this text

Each operation goes on after a failure, so every distinct failure is reported (--max-failures N
stops the run after N). Anything after a second \`--\` goes to \`schemathesis run\` as is, e.g.
--workers 2, --phases fuzzing, --max-time 3600, --exclude-checks positive_data_acceptance.
Exit status: 0 when schemathesis found nothing, 1 when it reported failures, 130 if interrupted.`;

interface Options {
  url?: string;
  operatorKey?: string;
  maxExamples: number;
  seed: number;
  checks: string;
  reportDir: string;
  extra: string[];
}

type Security = 'operatorKey' | 'orgKey';

interface Pass {
  name: 'operator' | 'org';
  scheme: Security;
  key: string;
  /** schemathesis operation names ("GET /v1/orgs/{orgId}") */
  operations: string[];
}

const repoRoot = path.resolve(import.meta.dirname, '..');
const schemathesis = tools.schemathesis;

let interrupted: NodeJS.Signals | undefined;
let fuzzer: ChildProcess | undefined;

function parseOptions(argv: string[]): Options | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'operator-key': { type: 'string' },
      'max-examples': { type: 'string', default: '50' },
      seed: { type: 'string' },
      checks: { type: 'string', default: 'all' },
      'report-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  // Only what follows `--` is for schemathesis; anything else loose is a mistake.
  const separator = argv.indexOf('--');
  const extra = separator === -1 ? [] : argv.slice(separator + 1);
  if (positionals.length !== extra.length)
    throw new Error(`unexpected argument ${positionals[0]}; schemathesis options go after --`);
  const integer = (name: string, value: string, min: number) => {
    if (!/^\d+$/.test(value) || Number(value) < min)
      throw new Error(`--${name} must be an integer of at least ${min}`);
    return Number(value);
  };
  const url = values.url?.replace(/\/+$/, '');
  if (url !== undefined && !/^https?:\/\/[^/]+$/.test(url))
    throw new Error('--url must be http(s)://host:port');
  const operatorKey = values['operator-key'] ?? process.env.OPERATOR_API_KEY;
  if (url !== undefined && !operatorKey)
    throw new Error('--url needs --operator-key (or OPERATOR_API_KEY)');
  return {
    url,
    operatorKey,
    maxExamples: integer('max-examples', values['max-examples'], 1),
    seed: values.seed === undefined ? randomInt(2 ** 31) : integer('seed', values.seed, 0),
    checks: values.checks,
    reportDir: path.resolve(
      values['report-dir'] ??
        path.join(
          repoRoot,
          'test-artifacts',
          'fuzz-openapi',
          new Date().toISOString().replace(/[:.]/g, '-'),
        ),
    ),
    extra,
  };
}

const pythonEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  PYTHONPATH: schemathesis.dir,
  ...extra,
});

async function schemathesisVersion(): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', ['-m', 'schemathesis.cli', '--version'], {
    env: pythonEnv(),
  });
  return stdout.trim().replace(/^.*version /, '');
}

interface Target {
  url: string;
  operatorKey: string;
  stop(): Promise<void>;
}

/**
 * The whole product in this process: embedded PostgreSQL, a headless Temporal dev server, the
 * worker and the API, on free ports with a temporary DATA_DIR. Its log goes to `logFile`, not
 * between schemathesis' lines.
 */
async function startOwnProduct(logFile: string): Promise<Target> {
  const destination = pino.destination({ dest: logFile, mkdir: true, sync: false });
  const logger: Logger = pino(
    {
      level: 'info',
      base: { service: 'card-issuing-engine' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    destination,
  );
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cie-fuzz-'));
  const operatorKey = `fuzz-operator-${randomBytes(18).toString('base64url')}`;
  const stops: (() => Promise<void>)[] = [
    () => rm(dataDir, { recursive: true, force: true }),
    () =>
      new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      }),
  ];
  const stop = async () => {
    for (const step of stops.reverse()) {
      await step().catch((error: unknown) =>
        console.error(`error while stopping: ${(error as Error).message}`),
      );
    }
  };
  try {
    console.log(
      `starting the product (data in ${dataDir}, log in ${path.relative(process.cwd(), logFile)})`,
    );
    // The dev server started here, headless; the product connects to it as to an existing one.
    const temporal = await startTemporalDevServer({
      port: await freePort(),
      uiPort: 'headless',
      databaseFile: path.join(dataDir, 'temporal', 'temporal.db'),
      namespace: 'default',
      logger,
    });
    stops.push(() => temporal.stop());
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: temporal.address,
      OPERATOR_API_KEY: operatorKey,
    });
    const product = await startProduct(config, logger, { api: true, worker: true });
    stops.push(() => product.stop());
    return { url: product.apiUrl!, operatorKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function call<T>(
  baseUrl: string,
  method: string,
  route: string,
  key: string | undefined,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** What seed() made: the org's test environment key and the ids of what it created. */
interface Seeded {
  orgKey: string;
  /** Path parameter name → an id that exists, e.g. accountId */
  ids: Record<string, string>;
}

/** An org (its test environment key), a program and an account, so routes have real data to find. */
async function seed(baseUrl: string, operatorKey: string): Promise<Seeded> {
  const suffix = randomBytes(4).toString('hex');
  const created = await call<{
    org: { id: string };
    apiKey: { token: string };
    onboarding: { workflowId: string };
  }>(baseUrl, 'POST', '/v1/orgs', operatorKey, {
    legalName: `Fuzz Bank ${suffix}`,
    address: { line1: '1 Fuzz St', city: 'São Paulo', postalCode: '01000-000', country: 'BR' },
    timeZone: 'America/Sao_Paulo',
    networks: ['VISA', 'MASTERCARD'],
  });
  const orgKey = created.apiKey.token;
  const program = await call<{ id: string }>(baseUrl, 'POST', '/v1/programs', orgKey, {
    name: `Fuzz debit ${suffix}`,
    type: 'DEBIT',
    cardNetwork: 'VISA',
    currency: 'BRL',
  });
  const account = await call<{ id: string; holder: { customerId: string } | null }>(
    baseUrl,
    'POST',
    '/v1/accounts',
    orgKey,
    {
      programId: program.id,
      owner: { person: { name: 'Fuzz Customer', documentNumber: `FUZZ-${suffix}` } },
    },
  );
  const ids: Record<string, string> = {
    orgId: created.org.id,
    workflowId: created.onboarding.workflowId,
    programId: program.id,
    accountId: account.id,
    ...(account.holder ? { customerId: account.holder.customerId } : {}),
  };
  console.log(
    `created ${Object.entries(ids)
      .map(([name, id]) => `${name} ${id}`)
      .join(', ')}`,
  );
  return { orgKey, ids };
}

/**
 * Values a field must hold for the API to go past its validation, which the document cannot list
 * (an IANA time zone, an ISO 4217 currency): without them almost every generated body stops at a 400.
 */
const knownGoodValues: Record<string, string[]> = {
  timeZones: ['America/Sao_Paulo', 'Europe/Lisbon', 'Asia/Tokyo', 'UTC'],
  currencies: ['BRL', 'USD', 'EUR'],
};

/**
 * schemathesis.toml of one pass: the pass's key for its security scheme (read from the
 * environment, so it is in no file), and, in half of the test cases, the seeded ids for the path
 * parameters and body fields that take them and valid time zones and currencies; the other half
 * stay generated.
 */
function configToml(scheme: Security, keyVariable: string, ids: Record<string, string>): string {
  const dictionaries: Record<string, string[]> = {
    ...Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, [id]])),
    ...knownGoodValues,
  };
  const bindings: Record<string, string> = {
    ...Object.fromEntries(Object.keys(ids).map((name) => [`path.${name}`, name])),
    'body.programId': 'programId',
    'body.targetProgramId': 'programId',
    'body.parentAccountId': 'accountId',
    'body.customerId': 'customerId',
    'body.timeZone': 'timeZones',
    'body.currency': 'currencies',
  };
  const lines = [`[auth.openapi.${scheme}]`, `bearer = "\${${keyVariable}}"`, ''];
  for (const [name, values] of Object.entries(dictionaries)) {
    lines.push(`[dictionaries.${name}]`, `values = ${JSON.stringify(values)}`, '');
  }
  lines.push('[parameters]');
  for (const [key, dictionary] of Object.entries(bindings)) {
    if (dictionary in dictionaries)
      lines.push(`"${key}" = { dictionary = "${dictionary}", probability = 0.5 }`);
  }
  return `${lines.join('\n')}\n`;
}

type OpenApiDocument = {
  paths?: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
};
const httpMethods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Which operations each key may call, from the `security` the document gives each one. */
function passes(document: OpenApiDocument, operatorKey: string, orgKey: string): Pass[] {
  const byScheme: Record<Security, string[]> = { operatorKey: [], orgKey: [] };
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!httpMethods.has(method)) continue;
      const name = `${method.toUpperCase()} ${route}`;
      const schemes = new Set(
        (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
      );
      if (schemes.size === 0) byScheme.orgKey.push(name); // public: once is enough
      for (const scheme of schemes) {
        if (scheme === 'operatorKey' || scheme === 'orgKey') byScheme[scheme].push(name);
        else throw new Error(`${name}: unknown security scheme ${scheme}`);
      }
    }
  }
  return [
    { name: 'operator', scheme: 'operatorKey', key: operatorKey, operations: byScheme.operatorKey },
    { name: 'org', scheme: 'orgKey', key: orgKey, operations: byScheme.orgKey },
  ];
}

/** One `schemathesis run` over the pass's operations, with only the pass's key configured. */
async function runPass(
  pass: Pass,
  target: { url: string },
  ids: Record<string, string>,
  options: Options,
): Promise<number> {
  const dir = path.join(options.reportDir, pass.name);
  await mkdir(dir, { recursive: true });
  // The key reaches schemathesis through the environment, never a file or the command line;
  // schemathesis applies it to the operations whose security names the scheme.
  const keyVariable = 'CIE_FUZZ_API_KEY';
  const configFile = path.join(dir, 'schemathesis.toml');
  await writeFile(configFile, configToml(pass.scheme, keyVariable, ids));
  const args = [
    '-m',
    'schemathesis.cli',
    '--config-file',
    configFile,
    'run',
    `${target.url}/openapi.json`,
    '--url',
    target.url,
    '--checks',
    options.checks,
    '--max-examples',
    String(options.maxExamples),
    '--seed',
    String(options.seed),
    '--report',
    'junit,har',
    '--report-dir',
    dir,
    '--generation-database',
    'none',
    // Every distinct failure of an operation, not only its first
    '--continue-on-failure',
    ...pass.operations.flatMap((name) => ['--include-name', name]),
    ...options.extra,
  ];
  console.log(
    `\n=== ${pass.name} pass: ${pass.operations.length} operations with the ${pass.scheme === 'operatorKey' ? 'operator' : 'org'} key ===`,
  );
  // Its own process group: a Ctrl-C reaches this process, which passes it on once and waits for
  // schemathesis to print what it found before stopping the product.
  const child = spawn('python3', args, {
    cwd: dir,
    stdio: 'inherit',
    detached: true,
    env: pythonEnv({ [keyVariable]: pass.key }),
  });
  fuzzer = child;
  const stopWithUs = () => child.kill('SIGKILL');
  process.once('exit', stopWithUs);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)),
      );
    });
  } finally {
    fuzzer = undefined;
    process.removeListener('exit', stopWithUs);
  }
}

async function main(): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (!options) {
    console.log(usage);
    return 0;
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted) console.error(`\n${signal}: stopping`);
    interrupted ??= signal;
    if (fuzzer && fuzzer.exitCode === null && !fuzzer.killed) fuzzer.kill('SIGINT');
  };
  // `on`, not `once`: npm relays Ctrl-C too, and a second signal must not kill this
  // process before it has stopped what it started.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  await mkdir(options.reportDir, { recursive: true });
  await ensurePipTool(schemathesis, console.log);
  console.log(
    `schemathesis ${await schemathesisVersion()}, seed ${options.seed}, ${options.maxExamples} examples per operation, checks ${options.checks}`,
  );

  const target: Target = options.url
    ? { url: options.url, operatorKey: options.operatorKey!, stop: () => Promise.resolve() }
    : await startOwnProduct(path.join(options.reportDir, 'product.log'));
  const codes: number[] = [];
  try {
    if (interrupted) return 130;
    const health = await fetch(`${target.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    if (!health.ok)
      throw new Error(`${target.url}/healthz answers ${health.status}: ${await health.text()}`);
    const { orgKey, ids } = await seed(target.url, target.operatorKey);
    const document = await call<OpenApiDocument>(target.url, 'GET', '/openapi.json', undefined);
    for (const pass of passes(document, target.operatorKey, orgKey)) {
      if (interrupted) break;
      codes.push(await runPass(pass, target, ids, options));
    }
  } finally {
    if (!options.url) console.log('\nstopping the product');
    await target.stop();
  }

  const failed = codes.some((code) => code !== 0);
  const shown = (dir: string) =>
    path.relative(process.cwd(), dir).startsWith('..')
      ? dir
      : path.relative(process.cwd(), dir) || '.';
  const outcome = interrupted
    ? 'interrupted'
    : failed
      ? `schemathesis reported failures (exit ${codes.join(', ')})`
      : 'no failures';
  console.log(
    `\n${outcome} after ${Math.round((Date.now() - started) / 1000)} s, seed ${options.seed}\n` +
      `reports: ${shown(options.reportDir)}/{operator,org}/ (junit-*.xml, har-*.json with every request and response)` +
      `${options.url ? '' : `; product log: ${shown(path.join(options.reportDir, 'product.log'))}`}`,
  );
  if (interrupted) return 130;
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  // A Ctrl-C while the product starts also reaches PostgreSQL's tools, which then fail
  console.error(`fuzz-openapi: ${interrupted ? 'interrupted; ' : ''}${(error as Error).message}`);
  process.exitCode = interrupted ? 130 : 1;
}
