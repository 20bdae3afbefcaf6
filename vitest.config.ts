import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-temporal.ts'],
    pool: 'forks',
    // Waits inside tests have their own deadlines (test/support/harness.ts: PRODUCT_STEP_MS); these
    // only catch a test that hangs, with room for a machine whose cores are busy with other work.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Test files share one PostgreSQL server and one Temporal server; two at a time suits 2 cores.
    maxWorkers: 2,
  },
});
