// Vitest runs unit, simulation and multi-relay integration tests; Playwright runs tests/e2e.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/sim/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per CPU minus one: on the 2-vCPU CI machine that ran every file in series
    // (the stage's wall time equalled the sum of its files'). Most integration files wait on relay processes,
    // timers and the network rather than compute, so two at once roughly halve the stage.
    maxWorkers: 2,
  },
});
