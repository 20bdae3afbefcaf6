import { runMain } from '../runtime/main.js';

// Everything in one process: PostgreSQL (embedded unless DATABASE_URL), Temporal (dev server
// unless TEMPORAL_ADDRESS), the worker and the HTTP API.
await runMain({ api: true, worker: true });
