import { requireExternalServers, runMain } from '../runtime/main.js';

await runMain({ api: false, worker: true }, requireExternalServers);
