// Lint rules: typescript-eslint's recommended set, plus the project's isomorphic-core rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'build/**', 'bench/results/**', 'test-results/**', 'playwright-report/**', '.peertree/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', globalThis: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Tests read untyped message bodies freely; production code may not.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // core/ runs in Node and in browsers, and its protocol logic is deterministic.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'core/ must not import node:* modules' }] }],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'core/ uses Uint8Array, not Buffer' }, { name: 'process', message: 'core/ is isomorphic' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pass time into core/' },
        { object: 'Math', property: 'random', message: 'pass randomness into core/' },
      ],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name=/^set(Timeout|Interval)$/]", message: 'core/ has no timers: emit a timer effect' }],
    },
  },
);
