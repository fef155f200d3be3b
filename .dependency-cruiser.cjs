/**
 * Import rules checked by `npm run lint:deps` (and so by `npm test`): the agent's folders are
 * grouped by the thread their code runs on, and no folder may import one that imports it back.
 * docs/architecture.md explains the layout.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'A folder imports one that imports it back: move the shared code down to settings/, locate/ or bridge.ts.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^agent/src' },
      to: { circular: true },
    },
    {
      name: 'no-file-cycles',
      comment: 'Files that import each other in a loop.',
      severity: 'error',
      from: { path: '^(agent|protocol|control-plane|cli|harness)/src' },
      to: { circular: true },
    },
    {
      name: 'harness-serves-tests-and-benchmarks',
      comment:
        'harness/ is what test/ and bench/ share: it imports neither of them (that would tie one to the other) nor the packages they exercise, beyond protocol/.',
      severity: 'error',
      from: { path: '^harness/src' },
      to: { path: '^(test|bench|agent|control-plane|cli)/' },
    },
    {
      name: 'agent-and-control-plane-apart',
      comment: 'The agent and the control plane never import each other; what they share lives in protocol/.',
      severity: 'error',
      from: { path: '^agent/src' },
      to: { path: '^control-plane/' },
    },
    {
      name: 'control-plane-and-agent-apart',
      comment: 'The agent and the control plane never import each other; what they share lives in protocol/.',
      severity: 'error',
      from: { path: '^control-plane/src' },
      to: { path: '^agent/' },
    },
    {
      name: 'settings-and-locate-stay-low',
      comment: 'settings/ and locate/ are read by every thread: they import nothing of the threads above them.',
      severity: 'error',
      from: { path: '^agent/src/(settings|locate)/' },
      to: { path: '^agent/src/(main|worker|prepare|remote)/' },
    },
    {
      name: 'prepare-is-thread-free',
      comment:
        'prepare/ (the transform and the loader hooks) runs on the hooks thread too: it imports neither the main thread nor the worker.',
      severity: 'error',
      from: { path: '^agent/src/prepare/' },
      to: { path: '^agent/src/(main|worker|remote)/' },
    },
    {
      name: 'control-plane-store-imports-no-feature',
      comment:
        "The control plane's store/ knows no feature: a feature's tables come as migrations it registers in database.ts, its types stay with it or move into store/.",
      severity: 'error',
      from: { path: '^control-plane/src/store/' },
      to: { path: '^control-plane/src/[^/]+/', pathNot: '^control-plane/src/store/' },
    },
    {
      name: 'main-and-worker-apart',
      comment: 'The app thread and the worker talk through bridge.ts messages only.',
      severity: 'error',
      from: { path: '^agent/src/(main|worker)/' },
      to: { path: '^agent/src/(main|worker)/', pathNot: '^agent/src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
