import { requireExternalServers, runMain } from '../runtime/main.js';

await runMain({ api: true, worker: false }, requireExternalServers);
