import path from 'node:path';
import { z } from 'zod';
import { MAX_DAYS_BACK } from '../machines/daily-balance-range.js';
import { DEFAULT_CERTIFICATION_TIMES } from '../machines/network-certification.js';
import type { RetentionSettings } from '../services/retention.js';
import type { WebhookSettings } from '../services/webhook-deliveries.js';

// The one reader of process.env. Everything else receives a Config.

const DAY_MS = 24 * 3600 * 1000;

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

/** A true/false setting whose default is true everywhere but production. */
const flagOutsideProduction = (value: string | undefined, nodeEnv: string): boolean =>
  value === undefined ? nodeEnv !== 'production' : value === 'true' || value === '1';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalText.pipe(postgresUrl.optional()),
  DATABASE_MIGRATION_URL: optionalText.pipe(postgresUrl.optional()),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
  DATABASE_PREPARED_STATEMENTS: z.enum(['named', 'unnamed']).default('named'),
  TEMPORAL_ADDRESS: optionalText.pipe(
    z
      .string()
      .regex(/^[^\s:/]+:\d+$/, 'must be host:port, e.g. localhost:7233')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS: booleanFlag,
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('card-issuing'),
  TEMPORAL_DEV_SERVER_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalText.pipe(z.url().optional()),
  TEMPORAL_CLI_PATH: optionalText,
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  WORKER_MAX_WAITING_ENDPOINTS: z.coerce.number().int().min(1).max(100_000).default(10_000),
  OPERATOR_API_KEY: optionalText.pipe(
    z.string().min(24, 'must be at least 24 characters').optional(),
  ),
  SERVER_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  SESSION_SECRET: optionalText.pipe(
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(102_400),
  HTTP_DRAIN_SECONDS: z.coerce.number().min(0).max(300).default(5),
  APPLICATION_DRAFT_EXPIRY_DAYS: z.coerce.number().positive().max(3650).default(30),
  API_KEY_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  API_KEY_ROTATION_GRACE_HOURS: z.coerce.number().min(0).max(720).default(24),
  CERTIFICATION_REMINDER_DAYS: z.coerce
    .number()
    .positive()
    .max(365)
    .default(DEFAULT_CERTIFICATION_TIMES.reminderAfterDays),
  CERTIFICATION_DEADLINE_DAYS: z.coerce
    .number()
    .positive()
    .max(3650)
    .default(DEFAULT_CERTIFICATION_TIMES.deadlineDays),
  PROVISIONING_ATTEMPTS_PER_STEP: z.coerce.number().int().min(1).max(100).default(5),
  REPORTS_DIR: optionalText,
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().max(3600).default(5),
  WEBHOOK_RETRY_MAX_SECONDS: z.coerce.number().positive().max(86_400).default(21_600),
  WEBHOOK_GIVE_UP_HOURS: z.coerce.number().positive().max(720).default(72),
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().positive().max(720).default(120),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(60).default(15),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  WEBHOOK_SWEEP_SECONDS: z.coerce.number().positive().max(86_400).default(600),
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false', '1', '0']).optional(),
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false', '1', '0']).optional(),
  EVENT_LOG_STALL_REPORT_SECONDS: z.coerce.number().min(0.1).max(86_400).default(30),
  // The least values are the retention function's own floors (migration 20261207210000_retention)
  DAILY_BALANCE_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(MAX_DAYS_BACK, `must be at least ${MAX_DAYS_BACK}: the days a query may ask for`)
    .max(36_500)
    .default(MAX_DAYS_BACK + 30),
  DAILY_BALANCE_PARTITIONS_AHEAD_MONTHS: z.coerce.number().int().min(1).max(24).default(3),
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(30).max(36_500).default(90),
  WEBHOOK_DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(7).max(36_500).default(30),
  NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(30).max(36_500).default(365),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).max(87_600).default(168),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(100).max(10_000).default(5000),
});

/** How onboarding's long processes behave: when certifications remind and escalate, how often provisioning retries. */
export interface OnboardingSettings {
  certification: { reminderAfterDays: number; deadlineDays: number };
  provisioningAttemptsPerStep: number;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    maxBodyBytes: number;
    /** How long a stop lets responses under way finish before it closes their connections */
    drainMs: number;
  };
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  database:
    | {
        mode: 'external';
        /** The product's connection: a least-privilege role (see runtime/database-roles.ts) */
        url: string;
        /** The tables' owner, which applies the migrations */
        migrationUrl: string;
      }
    | { mode: 'embedded'; port: number; dataDir: string };
  /**
   * Each process's pool: its size, how long a statement waits for a connection, and whether the
   * hot-path statements are prepared by name (runtime/prisma.ts PoolOptions)
   */
  databasePool: { maxConnections: number; acquireTimeoutMs: number; namedStatements: boolean };
  temporal: {
    namespace: string;
    taskQueue: string;
    /** Activities a worker runs at once from the task queue */
    maxConcurrentActivities: number;
    /**
     * Webhook endpoints a worker waits for work for at once, on a queue of their own
     * (webhookWaitQueue): each endpoint's wait lasts up to a minute and would otherwise hold one
     * of the task queue's activity slots
     */
    maxWaitingEndpoints: number;
    /** A server we connect to, or a dev server we start. */
    server:
      | {
          mode: 'external';
          address: string;
          apiKey?: string;
          tls?: { clientCertPath?: string; clientKeyPath?: string };
          uiUrl?: string;
        }
      | {
          mode: 'dev';
          port: number;
          uiPort: number;
          databaseFile: string;
          cliPath?: string;
        };
  };
  /** Undefined in development means "generate one at start". */
  operatorApiKey?: string;
  /** Seals secrets kept for idempotent replays; undefined in development means "generate one at start" */
  serverSecret?: string;
  /** Signs the pages' session cookies and form tokens; undefined in development means "generate one at start" */
  sessionSecret?: string;
  /** How long an account application draft may stay untouched before it expires */
  applicationDraftExpiresAfterMs: number;
  /** How long a checked API key is trusted without reading it again: the bound on revocation */
  apiKeyCacheMs: number;
  /** How long a rotated API key keeps working beside the key that replaced it */
  apiKeyRotationGraceMs: number;
  onboarding: OnboardingSettings;
  /** Where report files (account limits) are written and served from */
  reportsDir: string;
  webhooks: WebhookSettings;
  /**
   * How long a transaction open in the product's database may hold the event log back (the feed
   * and every webhook delivery wait for it) before it is reported: a log line, /metrics, /readyz
   */
  eventLogStallReportMs: number;
  /** How long each growing table keeps its rows, and the size of each clean-up transaction */
  retention: RetentionSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const problems: string[] = [];

  if (e.NODE_ENV === 'production' && !e.OPERATOR_API_KEY) {
    problems.push('OPERATOR_API_KEY: required when NODE_ENV=production');
  }
  if (e.NODE_ENV === 'production' && !e.SERVER_SECRET) {
    problems.push('SERVER_SECRET: required when NODE_ENV=production');
  }
  if (e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    problems.push('SESSION_SECRET: required when NODE_ENV=production');
  }
  if (e.DATABASE_MIGRATION_URL && !e.DATABASE_URL) {
    problems.push('DATABASE_MIGRATION_URL: only meaningful with DATABASE_URL');
  }
  if (Boolean(e.TEMPORAL_TLS_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_KEY_PATH)) {
    problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both or neither');
  }
  if (!e.TEMPORAL_ADDRESS && (e.TEMPORAL_API_KEY || e.TEMPORAL_TLS || e.TEMPORAL_TLS_CERT_PATH)) {
    problems.push('TEMPORAL_API_KEY / TEMPORAL_TLS*: only meaningful with TEMPORAL_ADDRESS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const tlsWanted =
    e.TEMPORAL_TLS || Boolean(e.TEMPORAL_TLS_CERT_PATH) || Boolean(e.TEMPORAL_API_KEY);

  return {
    nodeEnv: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      maxBodyBytes: e.MAX_BODY_BYTES,
      drainMs: e.HTTP_DRAIN_SECONDS * 1000,
    },
    dataDir,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? {
          mode: 'external',
          url: e.DATABASE_URL,
          migrationUrl: e.DATABASE_MIGRATION_URL ?? e.DATABASE_URL,
        }
      : {
          mode: 'embedded',
          port: e.EMBEDDED_POSTGRES_PORT,
          dataDir: path.join(dataDir, 'postgres'),
        },
    databasePool: {
      maxConnections: e.DATABASE_POOL_SIZE,
      acquireTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
      namedStatements: e.DATABASE_PREPARED_STATEMENTS === 'named',
    },
    temporal: {
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxWaitingEndpoints: e.WORKER_MAX_WAITING_ENDPOINTS,
      server: e.TEMPORAL_ADDRESS
        ? {
            mode: 'external',
            address: e.TEMPORAL_ADDRESS,
            apiKey: e.TEMPORAL_API_KEY,
            tls: tlsWanted
              ? { clientCertPath: e.TEMPORAL_TLS_CERT_PATH, clientKeyPath: e.TEMPORAL_TLS_KEY_PATH }
              : undefined,
            uiUrl: e.TEMPORAL_UI_URL,
          }
        : {
            mode: 'dev',
            port: e.TEMPORAL_DEV_SERVER_PORT,
            uiPort: e.TEMPORAL_UI_PORT,
            databaseFile: path.join(dataDir, 'temporal', 'temporal.db'),
            cliPath: e.TEMPORAL_CLI_PATH,
          },
    },
    operatorApiKey: e.OPERATOR_API_KEY,
    serverSecret: e.SERVER_SECRET,
    sessionSecret: e.SESSION_SECRET,
    applicationDraftExpiresAfterMs: e.APPLICATION_DRAFT_EXPIRY_DAYS * 24 * 3600 * 1000,
    apiKeyCacheMs: e.API_KEY_CACHE_SECONDS * 1000,
    apiKeyRotationGraceMs: Math.round(e.API_KEY_ROTATION_GRACE_HOURS * 3600_000),
    onboarding: {
      certification: {
        reminderAfterDays: e.CERTIFICATION_REMINDER_DAYS,
        deadlineDays: e.CERTIFICATION_DEADLINE_DAYS,
      },
      provisioningAttemptsPerStep: e.PROVISIONING_ATTEMPTS_PER_STEP,
    },
    reportsDir: e.REPORTS_DIR ? path.resolve(e.REPORTS_DIR) : path.join(dataDir, 'reports'),
    webhooks: {
      retryBaseMs: e.WEBHOOK_RETRY_BASE_SECONDS * 1000,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_SECONDS * 1000,
      giveUpAfterMs: Math.round(e.WEBHOOK_GIVE_UP_HOURS * 3600_000),
      disableAfterMs: Math.round(e.WEBHOOK_DISABLE_AFTER_HOURS * 3600_000),
      timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
      pollMs: e.WEBHOOK_POLL_MS,
      sweepMs: e.WEBHOOK_SWEEP_SECONDS * 1000,
      // Plain http:// is for receivers on a developer's machine and the tests
      allowHttp: flagOutsideProduction(e.WEBHOOK_ALLOW_HTTP, e.NODE_ENV),
      // Receivers on loopback or a private network likewise; in production the worker must not
      // be a way for an org to reach what sits beside it (SSRF)
      allowPrivateAddresses: flagOutsideProduction(e.WEBHOOK_ALLOW_PRIVATE_ADDRESSES, e.NODE_ENV),
    },
    eventLogStallReportMs: Math.round(e.EVENT_LOG_STALL_REPORT_SECONDS * 1000),
    retention: {
      dailyBalanceDays: e.DAILY_BALANCE_RETENTION_DAYS,
      dailyBalancePartitionsAheadMonths: e.DAILY_BALANCE_PARTITIONS_AHEAD_MONTHS,
      keepMs: {
        Event: e.EVENT_RETENTION_DAYS * DAY_MS,
        WebhookDelivery: e.WEBHOOK_DELIVERY_RETENTION_DAYS * DAY_MS,
        Notification: e.NOTIFICATION_RETENTION_DAYS * DAY_MS,
        IdempotencyRecord: e.IDEMPOTENCY_RETENTION_HOURS * 3600_000,
        // A session cookie past its expiry is refused anyway: its record goes as soon as it expires
        EndedSession: 0,
      },
      batchSize: e.RETENTION_BATCH_SIZE,
    },
  };
}

/** Where the Temporal Web UI shows a workflow run, or undefined when no UI is known. */
export function temporalUiBaseUrl(config: Config): string | undefined {
  const server = config.temporal.server;
  if (server.mode === 'dev') return `http://localhost:${server.uiPort}`;
  return server.uiUrl;
}
