import os from 'node:os';

export interface Measurement {
  operations: number;
  seconds: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `operation` on every worker concurrently (one sequential loop per worker), first for a
 * warm-up, then timed. The counter `i` runs on across warm-up and timed rounds.
 */
export async function measure<W>(
  workers: W[],
  operation: (worker: W, i: number) => Promise<void>,
  options: { perWorker: number; warmupPerWorker: number },
): Promise<Measurement> {
  const { perWorker, warmupPerWorker } = options;
  await Promise.all(
    workers.map(async (worker) => {
      for (let i = 0; i < warmupPerWorker; i++) await operation(worker, i);
    }),
  );
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    workers.map(async (worker) => {
      for (let i = warmupPerWorker; i < warmupPerWorker + perWorker; i++) {
        const t = performance.now();
        await operation(worker, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    operations: latencies.length,
    seconds,
    throughput: latencies.length / seconds,
    ...latencyPercentiles(latencies),
  };
}

/**
 * Latencies of two sequential operations taken in turn (baseline, product, baseline, ...), after
 * a warm-up of each: both see the same state of the servers (a Temporal history store or a table
 * that grows as the run goes on), so a drift over the run does not land on one side only.
 */
export async function measureInTurn(
  baseline: (i: number) => Promise<void>,
  product: (i: number) => Promise<void>,
  options: { perWorker: number; warmupPerWorker: number },
): Promise<{ baseline: Measurement; product: Measurement }> {
  const { perWorker, warmupPerWorker } = options;
  for (let i = 0; i < warmupPerWorker; i++) {
    await baseline(i);
    await product(i);
  }
  const latencies = { baseline: [] as number[], product: [] as number[] };
  const timed = async (side: 'baseline' | 'product', operation: () => Promise<void>) => {
    const t = performance.now();
    await operation();
    latencies[side].push(performance.now() - t);
  };
  for (let i = warmupPerWorker; i < warmupPerWorker + perWorker; i++) {
    await timed('baseline', () => baseline(i));
    await timed('product', () => product(i));
  }
  const summary = (values: number[]): Measurement => {
    const seconds = values.reduce((sum, v) => sum + v, 0) / 1000;
    return {
      operations: values.length,
      seconds,
      throughput: values.length / seconds,
      ...latencyPercentiles(values),
    };
  };
  return { baseline: summary(latencies.baseline), product: summary(latencies.product) };
}

/** p50 and p99 of `operation` run `rounds` times one after the other, after `warmup` untimed runs. */
export async function percentiles(
  operation: (i: number) => Promise<void>,
  options: { rounds: number; warmup: number },
): Promise<{ operations: number; p50Ms: number; p99Ms: number }> {
  for (let i = 0; i < options.warmup; i++) await operation(i);
  const latencies: number[] = [];
  for (let i = options.warmup; i < options.warmup + options.rounds; i++) {
    const t = performance.now();
    await operation(i);
    latencies.push(performance.now() - t);
  }
  return { operations: latencies.length, ...latencyPercentiles(latencies) };
}

/** p50 and p99 of latencies taken (NaN for none) */
export function latencyPercentiles(latencies: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50Ms: median(sorted), p99Ms: sorted.length === 0 ? Number.NaN : at(0.99) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One figure: the product against its baseline, measured in the same run. */
export interface Figure {
  name: string;
  product: { label: string; value: number };
  baseline: { label: string; value: number };
  /** product / baseline */
  ratio: number;
  unit: 'ops/s' | 's' | 'ms';
  /** Concurrency and sizes */
  load: string;
  /** The target for the ratio, e.g. ">= 0.5x", or "—" */
  goal: string;
}

export function figure(
  name: string,
  unit: Figure['unit'],
  goal: string,
  load: string,
  product: Figure['product'],
  baseline: Figure['baseline'],
): Figure {
  return { name, product, baseline, ratio: product.value / baseline.value, unit, load, goal };
}

/** Whether the ratio meets the goal; undefined when there is none. */
function meets(f: Figure): boolean | undefined {
  const goal = /^(>=|<=) ([\d.]+)x$/.exec(f.goal);
  if (!goal) return undefined;
  return goal[1] === '>=' ? f.ratio >= Number(goal[2]) : f.ratio <= Number(goal[2]);
}

export function table(figures: Figure[]): string {
  const value = (v: number, unit: string) => `${v.toFixed(unit === 'ops/s' ? 0 : 2)} ${unit}`;
  const rows = figures.map((f) => {
    const met = meets(f);
    return [
      f.name,
      value(f.product.value, f.unit),
      value(f.baseline.value, f.unit),
      `${f.ratio.toFixed(2)}x`,
      met === undefined ? f.goal : `${f.goal} ${met ? 'met' : 'MISSED'}`,
      f.load,
    ];
  });
  const header = ['figure', 'product', 'baseline', 'ratio', 'goal', 'load'];
  const baselines = figures.map((f) => `  ${f.name}: ${f.product.label} vs ${f.baseline.label}`);
  return [textTable(header, rows), '', 'product vs baseline:', ...baselines].join('\n');
}

/**
 * Rows as a plain-text table for a terminal, under a header and a rule; columns after the first
 * right-aligned when `alignRight` (figures), left-aligned otherwise.
 */
export function textTable(
  header: string[],
  rows: (string | number)[][],
  options: { alignRight?: boolean } = {},
): string {
  const cells = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (options.alignRight && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The machine a run measured on, as every results file records it */
export function machineDescription() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
