import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run bench -- --smoke` end to end: every figure comes out with a ratio, and a SIGTERM in
// the middle leaves nothing of what the bench started behind. No timing is asserted.

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIGURES = [
  'status change',
  'onboarding event',
  'application update',
  'application start',
  'route without database',
  'healthz',
  'related overview',
  'start to healthy',
  'daily snapshot',
  'stop under load',
];
const BENCH_MS = 300_000;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cie-bench-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('npm run bench -- --smoke', () => {
  it(
    'measures every figure against its baseline and exits 0',
    async () => {
      const out = path.join(scratch, 'results.json');
      const { code, output } = await new Promise<{ code: number | null; output: string }>(
        (resolve) => {
          execFile(
            'npx',
            ['tsx', 'bench/run.ts', '--smoke', '--out', out],
            { cwd: root, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) =>
              resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }),
          );
        },
      );
      expect(code, output).toBe(0);
      const results = JSON.parse(await readFile(out, 'utf8')) as {
        smoke: boolean;
        figures: { name: string; ratio: number }[];
      };
      expect(results.smoke).toBe(true);
      expect(results.figures.map((f) => f.name).sort()).toEqual([...FIGURES].sort());
      for (const f of results.figures) {
        expect(Number.isFinite(f.ratio) && f.ratio > 0, `${f.name}: ${f.ratio}`).toBe(true);
      }
    },
    BENCH_MS,
  );

  it(
    'stops everything it started on SIGTERM',
    async () => {
      const bench = spawn(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', path.join(scratch, 'stopped.json')],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      const exited = once(bench, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      const dataDir = await new Promise<string>((resolve, reject) => {
        for (const stream of [bench.stdout, bench.stderr]) {
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => {
            output += chunk;
            const up = /bench: product up, data in (\S+)/.exec(output);
            if (up) resolve(up[1]!);
          });
        }
        void exited.then(() =>
          reject(new Error(`the bench exited before the product was up:\n${output}`)),
        );
      });

      bench.kill('SIGTERM');
      const [code] = await exited;
      expect(code, output).not.toBe(0);
      expect(await processesMentioning(dataDir), output).toEqual([]);
      expect(existsSync(dataDir)).toBe(false);
    },
    BENCH_MS,
  );
});

/** Every process whose command line or environment names `text` (the product keeps DATA_DIR in its environment, its servers on their command lines). */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    for (const file of ['cmdline', 'environ']) {
      try {
        const content = await readFile(`/proc/${pid}/${file}`, 'utf8');
        if (content.includes(text))
          found.push(`${pid}: ${content.replaceAll('\0', ' ').slice(0, 200)}`);
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
  }
  return found;
}
