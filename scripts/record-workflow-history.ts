import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../runtime/config.js';
import { temporalCli } from '../runtime/tools.js';

// Saves a run's event history as a replay fixture, in the JSON the Temporal CLI and Web UI export:
//   TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx scripts/record-workflow-history.ts <workflowId> <file.json>
// test/workflows/replay.test.ts replays every fixture against the current workflow code, so a
// change that would break runs already in flight fails CI.

const [workflowId, file] = process.argv.slice(2);
if (!workflowId || !file) {
  console.error('usage: record-workflow-history <workflowId> <output.json>');
  process.exit(2);
}
const config = loadConfig();
const server = config.temporal.server;
const address = server.mode === 'external' ? server.address : `127.0.0.1:${server.port}`;
const json = execFileSync(
  await temporalCli(server.mode === 'dev' ? server.cliPath : undefined, console.log),
  [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    '--address',
    address,
    '--namespace',
    config.temporal.namespace,
    '--output',
    'json',
  ],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, json.endsWith('\n') ? json : `${json}\n`);
console.log(`wrote ${(JSON.parse(json) as { events: unknown[] }).events.length} events to ${file}`);
