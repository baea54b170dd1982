// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'URL', 'performance', 'Buffer', 'setTimeout', 'clearTimeout', 'module', 'require'].map(
    (name) => [name, 'readonly'],
  ),
);

export default tseslint.config(
  { ignores: ['dist/', 'test/.build/', 'test/fixtures/', 'node_modules/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Control characters are what the input checks and the ANSI handling look for, on purpose.
      'no-control-regex': 'off',
      // A leading underscore names what is left out on purpose (destructured away, an unused parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/yaml/**', 'test/**', 'scripts/sweep-editors.ts'],
    // A YAML scalar's value is unknown (string, number, boolean): String() is how it is read.
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  {
    files: ['test/**', 'scripts/sweep-editors.ts'],
    rules: {
      // Tests (and the sweep over real repositories) read JSON and YAML of any shape into `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: nodeGlobals },
  },
);
