import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

/** Body limit of the Worker under test, small enough to exceed cheaply. */
const TEST_MAX_BODY_BYTES = 4 * 1024 * 1024

export default defineConfig({
  test: {
    // Request logs of passing tests are noise; failing tests still show theirs.
    silent: 'passed-only',
    projects: [
      {
        // Integration tests inside workerd, through the Worker's own fetch handler.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                API_TOKEN: 'test-token-7c1d0e5b9a',
                MAX_BODY_BYTES: String(TEST_MAX_BODY_BYTES),
                MAX_AUDIO_SECONDS: '60',
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          globalSetup: ['test/worker/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Node-side tests: the production bundle in plain Miniflare, scripts.
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
