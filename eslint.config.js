import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'coverage/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      // The config files, the benchmarks and the tools are outside every tsconfig: more than
      // typescript-eslint's default of 8 such files.
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts', 'bench/*.js', 'tools/*.ts', 'test/calibration/record/*.js'], maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16 }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // `let k!: Kernel` is declared before the closures (drivers) that read it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'The simulation runs on a virtual clock.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use the kernel scheduler\'s seeded strategy.' }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
