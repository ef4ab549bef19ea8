import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Checks every answer of a service under test against its OpenAPI document (test/support/conforming-fetch.ts).
    setupFiles: ['test/support/conformance-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each own a throw-away database, but they share 2 cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
