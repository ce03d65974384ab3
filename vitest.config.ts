import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'client/**/*.test.ts', 'bench/**/*.test.ts'],
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    // Integration tests open real ports and child processes; a generous bound keeps a
    // genuinely hung test from blocking CI while never racing a healthy one.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
