// The project's import boundaries, checked by `npm run lint:deps` (dependency-cruiser) in `npm test` and CI:
// the engine imports no stage and no pipeline definition; a stage imports the engine only through its public
// index, another stage only through that stage's index.ts, and shared code under stages/common/ imports no stage;
// no import cycles, type-only imports included. test/boundaries.test.ts shows a deliberate violation of each rule
// fails the check.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-imports-no-stage',
      comment:
        'The engine knows nothing of languages, models or Parquet: domain code plugs in through stage values and CliCommand values.',
      severity: 'error',
      from: { path: '^pipelines/engine/' },
      to: { path: '^stages/' },
    },
    {
      name: 'engine-imports-no-pipeline',
      comment: 'Pipeline definitions and commands build on the engine, never the other way round.',
      severity: 'error',
      from: { path: '^pipelines/engine/' },
      to: { path: '^pipelines/', pathNot: '^pipelines/engine/' },
    },
    {
      name: 'stage-uses-engine-index',
      comment: 'Stages import the engine only through pipelines/engine/index.ts, its public surface.',
      severity: 'error',
      from: { path: '^stages/' },
      to: { path: '^pipelines/', pathNot: '^pipelines/engine/index\\.ts$' },
    },
    {
      name: 'stage-uses-other-stage-index',
      comment: "A stage imports another stage only through that stage's index.ts (what it exports for others).",
      severity: 'error',
      from: { path: '^stages/([^/]+)/' },
      to: { path: '^stages/([^/]+)/.+', pathNot: ['^stages/$1/', '^stages/common/', '^stages/[^/]+/index\\.ts$'] },
    },
    {
      name: 'common-imports-no-stage',
      comment: 'stages/common/ is shared by every stage and depends on none.',
      severity: 'error',
      from: { path: '^stages/common/' },
      to: { path: '^stages/', pathNot: '^stages/common/' },
    },
    {
      name: 'no-cycles',
      comment:
        'An import cycle makes load order decide behaviour, and a type-only one still ties two modules together (a reader must hold both in mind, and one value import turns it into a run-time cycle): type-only imports count. Shared types go to a leaf module (e.g. stages/report/types.ts).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
