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
  // Server layers. The concern folders hold the rules and the stores; the edges (socket/,
  // http/) only parse, call a concern and answer; app.ts and node.ts wire them together.
  {
    files: [
      'server/src/{accounts,backends,conversations,limits,messages,moderation,rooms,storage}/**/*.ts',
      'server/src/{io,deps,config,logger,errors,validation,metrics,shutdown}.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/socket/*', '**/socket/**', '**/http/*', '**/http/**'],
              message:
                'Concerns never import the edges: take what you need as a parameter (deps.ts, io.ts).',
            },
            {
              group: ['**/app.js', '**/node.js', '**/main.js'],
              message: 'Only the entry files wire the server together.',
            },
          ],
        },
      ],
    },
  },
  {
    // The edges translate: they reach stores through the concerns and the deps they are
    // given, never by opening one of their own; and the socket edge and the HTTP edge are
    // two transports of the same concerns, neither importing the other.
    files: ['server/src/socket/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/*', '**/http/**'], message: 'A transport never imports another.' },
            {
              group: ['**/*-store.js', '**/storage/*', '**/app.js', '**/node.js'],
              message: 'The edges reach stores only through the concerns and ChatDeps.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/socket/*', '**/socket/**'],
              message: 'A transport never imports another.',
            },
            {
              group: ['**/*-store.js', '**/storage/*', '**/app.js', '**/node.js'],
              message: 'The edges reach stores only through the concerns and ChatDeps.',
            },
          ],
        },
      ],
    },
  },
  {
    // Application code stays in functions a reader takes in at once; a factory of small
    // closures (a store, a router) may be longer, and says so where it is.
    files: ['server/src/**/*.ts', 'common/**/*.ts', 'client/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'max-lines-per-function': [
        'error',
        { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true },
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
  {
    // dependency-cruiser reads its configuration as CommonJS.
    files: ['.dependency-cruiser.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
);
