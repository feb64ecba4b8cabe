// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const path = require('node:path');
const { builtinModules } = require('node:module');

/** Local rule: file names are kebab-case (`chat-completions.ts`, `openai-fake.ts`). */
const kebabCase = {
  meta: { type: 'suggestion', schema: [], messages: { bad: 'File name "{{name}}" is not kebab-case.' } },
  create(context) {
    const name = path.basename(context.filename).replace(/\.(test\.)?[cm]?[jt]s$/, '');
    return {
      Program(node) {
        if (!/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$/.test(name)) context.report({ node, messageId: 'bad', data: { name } });
      },
    };
  },
};

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].filter(
  (m) => !['assert', 'url', 'util', 'node:assert', 'node:url', 'node:util'].includes(m),
);

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { local: { rules: { 'kebab-case-files': kebabCase } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'local/kebab-case-files': 'error',
      'max-lines': ['error', { max: 450, skipBlankLines: true, skipComments: true }],
      'no-console': 'off',
    },
  },
  {
    // Workflow code (and the pipeline domain it imports) is replayed deterministically in Temporal's sandbox: no Node builtins, no I/O.
    files: ['workflows/**/*.ts', 'pipelines/definition/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not use Node builtins (Temporal sandbox, determinism).' })),
          patterns: [
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows import activities with `import type` only.' },
            { group: ['../api/*', '../gateway/*', '../config/*', '../workers/*', '../temporal/*', '../pipelines/*', '!../pipelines/definition', '!../pipelines/definition/*'], message: 'Workflow code imports only the pipeline domain (pipelines/definition/).' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
