// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  // Client layers
  // model/ never reaches up into the page: no import of ui/ (nor of main.ts, the wiring),
  // no DOM global.
  {
    files: ['client/src/model/**/*.ts'],
    rules: {
      // Nor the DOM: the page hands the model what it needs (visibility, online state).
      'no-restricted-globals': [
        'error',
        ...['document', 'window', 'HTMLElement', 'Element', 'Node', 'requestAnimationFrame'].map(
          (name) => ({ name, message: 'client/src/model never touches the DOM.' }),
        ),
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/ui/**', '**/ui', '**/main', '**/main.js'],
              message: 'client/src/model never imports the page (client/src/ui, main.ts).',
            },
          ],
        },
      ],
    },
  },
  // ui/ never touches the socket: not socket.io-client, not common/request (the acked
  // emits), not model/chat-options (socket settings); it reads the model and calls the
  // commands of the Chat facade.
  {
    files: ['client/src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['socket.io-client', 'socket.io-client/**', 'engine.io-client'],
              message: 'client/src/ui never touches the socket: call the Chat facade.',
            },
            {
              group: ['**/common/request', '**/common/request.js', '**/model/chat-options*'],
              message: 'client/src/ui never touches the socket: call the Chat facade.',
            },
          ],
        },
      ],
    },
  },
  // End of client layers
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
