/**
 * What is the app's own code, as the exception watch tells the app's caught errors from its
 * dependencies' (each has a budget of its own, pause-budget.ts) and as the exception path asks
 * which loaded files must be prepared. One definition for a process's files and an attached
 * page's URLs alike (Vite serves a page's dependencies under `/node_modules/.vite/deps/`).
 */
import { agentFileAmong } from './agent-files.js';

/** A path or URL inside a `node_modules` folder, either separator: a dependency's. */
export function inDependency(path: string): boolean {
  return /[\\/]node_modules[\\/]/.test(path);
}

/**
 * A script of the app's own: a file (or an attached page's http URL, or a module webpack's
 * eval-source-map devtool runs from a string, `webpack-internal:///(rsc)/./app/page.js`)
 * outside node_modules that is not the agent's.
 */
export function isAppScript(path: string): boolean {
  if (!(path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || /^(?:https?|webpack-internal):\/\//.test(path))) return false;
  return !inDependency(path) && agentFileAmong([path]) === undefined;
}
