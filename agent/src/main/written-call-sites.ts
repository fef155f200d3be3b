/**
 * The `Error.prepareStackTrace` the agent's own captures set (snapshot-capture.ts): V8's call
 * sites as they are, which the stack-trace mapping (stack-traces.ts) hands over in the code as
 * written in every prepared file, a file prepared at build time included, where the app's
 * formatters get them as on disk. Its own module: the remote hook's bundle takes the capture
 * without the mapping.
 */
export const writtenCallSites = (_error: Error, frames: NodeJS.CallSite[]): NodeJS.CallSite[] => frames;
