// Lint rules: typescript-eslint's recommended set, plus the project's isomorphic-core rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { peertreePlugin } from './scripts/lint/limits-rule.js';

const LAYERS_NOTE =
  'layers: core ← node-relay, core ← pwa; tests, bench and scripts import anything, never the reverse';
/** A no-restricted-imports pattern refusing relative imports into the named top-level folders. */
function layerBan(folders, layer) {
  return {
    regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`,
    message: `${layer} may not import from ${folders.join(', ')} (${LAYERS_NOTE})`,
  };
}
const NODE_BUILTINS = (message) => ({ group: ['node:*'], message });
// Runtime globals core/ reaches only through core/runtime.ts.
const RUNTIME_GLOBALS = [
  'crypto',
  'performance',
  'TextEncoder',
  'TextDecoder',
  'atob',
  'btoa',
  'window',
  'document',
  'self',
  'navigator',
  'fetch',
  'indexedDB',
  'localStorage',
].map((name) => ({
  name,
  message: 'core/ reads runtime globals only through core/runtime.ts',
}));

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'build/**',
      'bench/results/**',
      'test-results/**',
      'playwright-report/**',
      '.peertree/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', globalThis: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Every limit lives in core/limits.ts (scripts/lint/limits-rule.js).
    files: ['core/**/*.ts', 'node-relay/**/*.ts', 'pwa/src/**/*.ts'],
    ignores: ['core/limits.ts'],
    plugins: { peertree: peertreePlugin },
    rules: { 'peertree/limits-in-one-place': 'error' },
  },
  {
    // Tests read untyped message bodies freely; production code may not.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Layers: core ← node-relay, core ← pwa; tests, bench and scripts may import anything, never the reverse.
    files: ['node-relay/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [layerBan(['pwa', 'tests', 'bench', 'scripts'], 'node-relay/')] }],
    },
  },
  {
    files: ['pwa/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layerBan(['node-relay', 'tests', 'bench', 'scripts'], 'pwa/'),
            NODE_BUILTINS('pwa/src/ runs in browsers'),
          ],
        },
      ],
    },
  },
  {
    // core/ runs in Node and in browsers, and its protocol logic is deterministic.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layerBan(['node-relay', 'pwa', 'tests', 'bench', 'scripts'], 'core/'),
            NODE_BUILTINS('core/ must not import node:* modules'),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'core/ uses Uint8Array, not Buffer' },
        { name: 'process', message: 'core/ is isomorphic' },
        ...RUNTIME_GLOBALS,
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pass time into core/' },
        { object: 'Math', property: 'random', message: 'pass randomness into core/' },
        {
          object: 'crypto',
          property: 'getRandomValues',
          message: 'randomness comes in through the components (core/runtime.ts for keys)',
        },
        { object: 'performance', property: 'now', message: 'pass time into core/' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.name=/^set(Timeout|Interval)$/]',
          message: 'core/ has no timers: emit a timer effect',
        },
        { selector: "NewExpression[callee.name='Date']", message: 'pass time into core/' },
      ],
    },
  },
  {
    // The one module of core/ that reads runtime globals (typed there, so core compiles without DOM or Node types).
    files: ['core/runtime.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'core/ uses Uint8Array, not Buffer' },
        { name: 'process', message: 'core/ is isomorphic' },
      ],
    },
  },
);
