/**
 * Files under a build folder that Node's module loader never runs: webpack's chunks and runtime
 * for a web or edge target. Next.js puts its middleware there (`.next/server/middleware.js` and
 * `edge-runtime-webpack.js`, which its edge sandbox runs as classic scripts in one `vm` context).
 * A prepared file declares its tables at its top level, which a module keeps to itself; two such
 * scripts in one realm declare them twice, and the second fails to load
 * (`SyntaxError: Identifier '$lpd' has already been declared`). No agent runs in such a realm, so
 * the file could never take an action there either. `liveprobe prepare` leaves them as written,
 * and the agent's exception path (worker/exception-path.ts) does not count them as app files.
 */

/** webpack's chunk array on a browser-like global (`self.webpackChunk_N_E`): a node target loads chunks with `require` instead. */
const WEB_CHUNK_GLOBAL = /\b(?:self|window|globalThis)\.webpackChunk[\w$]*/;

/** Why the file is left as written, when it is a web or edge runtime's script; undefined for anything else. */
export function webRuntimeScript(source: string): string | undefined {
  const global = WEB_CHUNK_GLOBAL.exec(source)?.[0];
  return global === undefined
    ? undefined
    : `a webpack chunk for a web or edge runtime (\`${global}\`): run as a script outside Node's module loader, where no agent is`;
}
