// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import path from 'node:path';
// Layering the design promises (DESIGN.md §3, §6), kept by the linter so it cannot drift:
// - drizzle is imported only by repositories and by server/db/ (the schema and the client);
// - a route file never imports a repository;
// - a repository is imported (as a value) only from its own feature folder: another feature
//   reaches it through that feature's service. Type-only imports of row types are allowed.

const isRepository = (file) => /(^|[/\\])repository\.ts$/.test(file);
const isRoutes = (file) => /(^|[/\\])([\w-]+-)?routes\.ts$/.test(file);
const inServer = (file) => /[/\\]server[/\\]/.test(file);
const inDbLayer = (file) => /[/\\]server[/\\]db[/\\]/.test(file);

/** @type {import('eslint').Rule.RuleModule} */
const layering = {
  meta: {
    type: 'problem',
    messages: {
      drizzle: 'drizzle is used only in repositories and server/db/ — move this query into a repository.',
      routeRepository: 'Routes call a service, never a repository ({{source}}).',
      foreignRepository: "Another feature's repository ({{source}}): reach it through its service.",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    if (!inServer(file)) return {};
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string') return;
      if (/^drizzle-orm(\/|$)/.test(source)) {
        if (!isRepository(file) && !inDbLayer(file)) context.report({ node, messageId: 'drizzle' });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      if (!/[/\\]repository$/.test(target) && !/[/\\]repository\.ts$/.test(target)) return;
      if (isRoutes(file)) return context.report({ node, messageId: 'routeRepository', data: { source } });
      if (typeOnly) return;
      if (path.dirname(target) !== path.dirname(file)) context.report({ node, messageId: 'foreignRepository', data: { source } });
    };
    return {
      ImportDeclaration(node) {
        const typeOnly =
          node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
        check(node, node.source.value, typeOnly);
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, node.source.value, false);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value, node.exportKind === 'type');
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value, node.exportKind === 'type');
      },
    };
  },
};

const boundaries = { rules: { layering } };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test-results/', 'courses/**/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['server/**/*.ts'],
    plugins: { mamoru: boundaries },
    rules: { 'mamoru/layering': 'error' },
  },
  {
    // The app's pages (public/js) and the content origin's launch page (public/content).
    files: ['public/js/**/*.js', 'public/content/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        XMLHttpRequest: 'readonly',
        FormData: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // The course runtime runs inside the SCORM packages, in the learner's browser.
    files: ['courses/_runtime/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly' } },
  },
  {
    files: ['*.js', '*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
);
