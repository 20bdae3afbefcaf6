export interface Measurement {
  name: string;
  operations: number;
  seconds: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** The figure this one is compared with, measured in the same run */
  baseline?: Measurement;
}

/**
 * Runs `operation` on every worker concurrently (one sequential loop per worker), first for a
 * warm-up, then timed. The counter `i` runs on across warm-up and timed rounds.
 */
export async function measure<W>(
  name: string,
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
  latencies.sort((a, b) => a - b);
  return {
    name,
    operations: latencies.length,
    seconds,
    throughput: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function report(measurements: Measurement[]): string {
  const rows = measurements.map((m) => [
    m.name,
    String(m.operations),
    m.throughput.toFixed(0),
    m.p50Ms.toFixed(2),
    m.p99Ms.toFixed(2),
    m.baseline ? `${(m.throughput / m.baseline.throughput).toFixed(2)}x` : '1.00x (baseline)',
    m.baseline ? `${(m.p50Ms / m.baseline.p50Ms).toFixed(2)}x` : '1.00x (baseline)',
  ]);
  const header = [
    'benchmark',
    'ops',
    'ops/s',
    'p50 ms',
    'p99 ms',
    'throughput vs baseline',
    'p50 vs baseline',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
