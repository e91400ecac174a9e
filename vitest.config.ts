import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// `kdsim-source` export condition, so tests never need a build first.
const conditions = ['kdsim-source', 'import', 'module', 'node', 'default'];

const project = (name: string, root: string) => ({
  extends: true as const,
  test: { name, root, include: ['src/**/*.test.ts', '*.test.ts', '**/*.test.ts'], exclude: ['**/node_modules/**', '**/dist/**'] },
});

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    reporters: ['default', './tools/summary-reporter.ts'],
    projects: [
      project('core', 'packages/core'),
      project('firmware', 'packages/firmware'),
      project('cli', 'packages/cli'),
      project('integration', 'test'),
    ],
    coverage: { provider: 'v8', include: ['packages/*/src/**', 'buses/*/src/**', 'drivers/*/src/**'], exclude: ['**/*.test.ts'] },
  },
});
