import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];
const builtinPatterns = nodeBuiltins.flatMap((name) => [name, `${name}/*`]);

const deterministic = [
  {
    group: ['node:*', ...builtinPatterns],
    message: 'Node built-ins are not deterministic; keep them out of workflow code.',
  },
  {
    group: [
      '@temporalio/activity',
      '@temporalio/client',
      '@temporalio/worker',
      '@prisma/*',
      'pg',
      'pino',
      'express',
    ],
    message: 'No I/O libraries in workflow code.',
  },
];

/** An import of another layer's folder that this layer may not make (or only as a type). */
const layer = (folders, message, allowTypeImports = false) => ({
  group: folders.flatMap((folder) => [`**/${folder}/*`, `**/${folder}/**`]),
  message,
  allowTypeImports,
});
const noServer = layer(
  ['server'],
  'Only the composition root (runtime/product.ts) may import server/.',
);
const noGenerated = layer(
  ['generated'],
  'The Prisma client belongs in services/ and activities/.',
  true,
);

/**
 * Which way the layers point, one restricted-imports rule per folder: common and machines at the
 * bottom; workflows beside services (records); activities and processes (Temporal client calls)
 * above services; server and runtime on top. Only runtime/product.ts, the composition root,
 * builds the server.
 */
const layers = {
  common: [
    ...deterministic,
    layer(
      [
        'machines',
        'workflows',
        'activities',
        'services',
        'processes',
        'server',
        'runtime',
        'generated',
      ],
      'common/ is the bottom layer: names and types every other layer shares.',
    ),
  ],
  machines: [
    ...deterministic,
    layer(
      ['workflows', 'activities', 'services', 'processes', 'server', 'runtime', 'generated'],
      'Machines are pure rules: they import only common/ and each other.',
    ),
  ],
  workflows: [
    ...deterministic,
    layer(
      ['activities'],
      'Import activities as types only (the worker runs them outside the sandbox).',
      true,
    ),
    layer(
      ['services', 'processes', 'server', 'runtime', 'generated'],
      'Workflow code stays deterministic.',
      true,
    ),
  ],
  services: [
    layer(
      ['workflows', 'activities', 'processes', 'server', 'runtime'],
      'Services keep the records and their rules; they know nothing of Temporal or HTTP.',
    ),
  ],
  processes: [
    layer(['runtime'], 'Processes take their settings and logger as types only.', true),
    layer(['activities', 'server', 'generated'], 'Processes reach records through services/.'),
  ],
  activities: [
    layer(
      ['processes', 'server', 'runtime'],
      'Activities run services for workflows; they do not start workflows or serve HTTP.',
    ),
    noGenerated,
  ],
  runtime: [noServer],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'generated/',
      '.data/',
      '.tools/',
      'dist/',
      'test-artifacts/',
      // openapi-typescript's output (npm run generate:client); test/client/drift.test.ts checks it
      'client/schema.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  ...Object.entries(layers).map(([folder, patterns]) => ({
    files: [`${folder}/**/*.ts`],
    ignores: folder === 'runtime' ? ['runtime/product.ts'] : [],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  })),
  {
    // Workflow and machine code must be deterministic: no timers or randomness of their own.
    files: ['workflows/**/*.ts', 'machines/**/*.ts', 'common/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Randomness breaks replay; pass it in or use uuid4() from @temporalio/workflow.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The pages' browser script, served as it is (no build step); its globals are declared in it.
    files: ['server/ui/assets/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
    },
  },
);
