import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// `kdsim-source` export condition, so tests never need a build first.
const conditions = ['kdsim-source', 'import', 'module', 'node', 'default'];

const project = (name: string, root: string) => ({
  extends: true as const,
  test: { name, root, include: ['src/**/*.test.ts', '*.test.ts', '**/*.test.ts'], exclude: ['**/node_modules/**', '**/dist/**'] },
});

// One project per workspace package, named after its folder (`core`, `pci`,
// `arm-smmu-v3`), so `--project <name>` runs one package's tests.
const workspaceProjects = ['packages', 'buses', 'drivers'].flatMap((group) =>
  existsSync(group)
    ? readdirSync(group, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(`${group}/${d.name}/package.json`))
      .map((d) => project(d.name, `${group}/${d.name}`))
    : [],
);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    reporters: ['default', './tools/summary-reporter.ts'],
    projects: [
      ...workspaceProjects,
      project('integration', 'test'),
    ],
    coverage: { provider: 'v8', include: ['packages/*/src/**', 'buses/*/src/**', 'drivers/*/src/**'], exclude: ['**/*.test.ts'] },
  },
});
