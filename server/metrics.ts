import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogHold } from '../services/events.js';

export interface MetricsSources {
  /** The product's connection pool, for its size, idle and waiting gauges */
  databasePool?: pg.Pool;
  /** Where the Temporal SDK's core serves its worker and client metrics (runtime/temporal-runtime.ts) */
  temporalMetricsUrl?: string;
  /** What holds the event log back, if anything */
  eventLog?: () => Promise<LogHold>;
}

export interface Metrics {
  /**
   * Times the request until it is answered, labelled with `route` when given (routes the front
   * door answers), else with the Express route that matched, else "unmatched".
   */
  track(req: IncomingMessage, res: ServerResponse, route?: string): void;
  /** Everything in Prometheus text: our registry, then the Temporal SDK's */
  render(): Promise<string>;
}

/** One registry per app: tests run several products in one process. */
export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const pool = sources.databasePool;
  if (pool) {
    const poolGauge = (name: string, help: string, read: (p: pg.Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(pool));
        },
      });
    poolGauge('db_pool_connections_total', 'Connections the pool holds', (p) => p.totalCount);
    poolGauge('db_pool_connections_idle', 'Connections the pool holds unused', (p) => p.idleCount);
    poolGauge(
      'db_pool_requests_waiting',
      'Queries waiting for a connection from the pool',
      (p) => p.waitingCount,
    );
  }

  const eventLog = sources.eventLog;
  if (eventLog) {
    const logGauge = (name: string, help: string, read: (hold: LogHold) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          try {
            this.set(read(await eventLog()));
          } catch {
            // The database being down is /readyz's to say; a scrape without this beats none
          }
        },
      });
    logGauge(
      'event_log_held_back_seconds',
      "How long the oldest transaction open in the product's database has held back the event feed and webhook deliveries (0 when none does)",
      (hold) => (hold.holder?.heldForMs ?? 0) / 1000,
    );
    logGauge(
      'event_log_stalled',
      'Whether that has lasted EVENT_LOG_STALL_REPORT_SECONDS or longer (1) or not (0)',
      (hold) => (hold.stalled ? 1 : 0),
    );
  }

  return {
    track(req, res, route) {
      const end = requestDuration.startTimer();
      res.once('finish', () =>
        end({
          method: req.method,
          route: route ?? expressRoute(req) ?? 'unmatched',
          status: res.statusCode,
        }),
      );
    },
    async render() {
      const [ours, temporal] = await Promise.all([
        registry.metrics(),
        sources.temporalMetricsUrl ? temporalMetrics(sources.temporalMetricsUrl) : '',
      ]);
      return `${ours}\n${temporal}`;
    },
  };
}

/** The pattern Express matched (e.g. /v1/accounts/:accountId), never the raw path with its ids. */
function expressRoute(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as IncomingMessage & {
    route?: { path?: unknown };
    baseUrl?: string;
  };
  return typeof route?.path === 'string' ? `${baseUrl ?? ''}${route.path}` : undefined;
}

/** The SDK's metrics; a scrape without them beats a failed scrape. */
async function temporalMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}
