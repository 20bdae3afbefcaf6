import { createLogger, routeTemporalLogs } from '../../runtime/logger.js';

// Temporal SDK logs go through the product's logger at warn level, so test output stays readable.
routeTemporalLogs(createLogger({ logLevel: 'warn' }));
