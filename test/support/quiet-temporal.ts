import { createLogger } from '../../runtime/logger.js';
import { installTemporalRuntime } from '../../runtime/temporal-runtime.js';

// Temporal SDK logs go through the product's logger at warn level, so test output stays readable.
await installTemporalRuntime(createLogger({ logLevel: 'warn' }));
