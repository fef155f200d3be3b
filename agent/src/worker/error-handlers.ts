/**
 * Where frameworks hand an error to the app's error handling: the functions an error passes
 * through once a framework has caught it (or been given it with `next(err)`). The exception
 * watch puts a breakpoint at the start of each, whose condition never pauses: it hands the
 * error to the main thread's hook, which publishes the capture held for that error. Nothing in
 * the framework is replaced or wrapped.
 */
interface ErrorHandlerSite {
  framework: string;
  /** The file, as its path ends wherever the package is installed. */
  file: RegExp;
  /**
   * The function's head up to its body's `{` (or up to the statement the breakpoint goes before);
   * the group named `error`, else group 1, is the error parameter.
   */
  head: RegExp;
  /** The expression, read there, of the error handed over when not the parameter itself; `groups` are the head's named groups. */
  handed?: (parameter: string, groups: Record<string, string | undefined>) => string;
  /** Where versions without the function hand errors over instead, for the log line that says it is missing. */
  olderVersions?: string;
  /** The file's name is common in other apps' builds too (`server/index.js`): one without the function says nothing. */
  quietWhenMissing?: true;
}

const ASTRO_RENDER = "Astro (its app's render, as it logs the error and renders the 500 page)";
/** The catch is told from the file's others by the stack it logs. */
const ASTRO_RENDER_CATCH = /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=[^{}]*?\.error\(\s*null\s*,\s*\1\.stack\b)/;

const SITES: readonly ErrorHandlerSite[] = [
  {
    framework: 'Express 4 (error middleware)',
    file: /\/express\/lib\/router\/layer\.js$/,
    head: /\.handle_error\s*=\s*function\s+handle_error\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\)\s*\{/,
  },
  {
    framework: 'Express 5 (router 2, error middleware)',
    file: /\/router\/lib\/layer\.js$/,
    head: /\.handleError\s*=\s*function\s+handleError\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\)\s*\{/,
  },
  {
    framework: "Express's final handler (no error middleware)",
    file: /\/finalhandler\/index\.js$/,
    head: /return\s+function\s*\(\s*(err)\s*\)\s*\{/,
  },
  {
    framework: 'Koa (ctx.onerror)',
    file: /\/koa\/lib\/context\.js$/,
    head: /\n\s*onerror\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{/,
  },
  {
    framework: 'Fastify (its error handler chain)',
    file: /\/fastify\/lib\/error-handler\.js$/,
    head: /function\s+handleError\s*\(\s*[\w$]+\s*,\s*([A-Za-z_$][\w$]*)\s*,[^)]*\)\s*\{/,
  },
  {
    // What a route handler, pre-handler or extension throws is caught here and boomified into a response.
    framework: 'hapi (its toolkit, which turns a thrown error into a Boom response)',
    file: /\/@hapi\/hapi\/lib\/toolkit\.js$/,
    head: /await\s+exports\.timed\([^)]*\);?\s*\}\s*catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{/,
  },
  {
    // Every HTTP route's errors (handler, guard, pipe, interceptor) reach it, before the app's own exception filters.
    framework: 'NestJS (ExceptionsHandler, before any exception filter)',
    file: /\/@nestjs\/core\/exceptions\/exceptions-handler\.js$/,
    head: /\n\s*next\s*\(\s*([A-Za-z_$][\w$]*)\s*,\s*[\w$]+\s*\)\s*\{/,
  },
  {
    // A route with middleware runs through compose: its catch hands what a handler threw or rejected to onError.
    framework: "Hono (compose's catch, before app.onError or Hono's default handler)",
    file: /\/hono\/dist\/(?:cjs\/)?compose\.js$/,
    head: /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=\s*if\s*\(\s*\1\s+instanceof\s+Error\b[^)]*\bonError\s*\))/,
  },
  {
    // A route with a lone handler skips compose: its throw or rejection goes straight to this method.
    framework: "Hono (its handleError, before app.onError or Hono's default handler)",
    file: /\/hono\/dist\/(?:cjs\/)?hono-base\.js$/,
    head: /\n\s*#?handleError\s*\(\s*([A-Za-z_$][\w$]*)\s*,\s*[\w$]+\s*\)\s*\{/,
  },
  {
    // h3 1.x answers what any handler threw here, before the app's onError and its own sendError.
    // Nitro (Nuxt 3 and 4) bundles h3 into its server chunk, whose name changed across versions.
    framework: "h3 (toNodeListener's catch, before the app's onError: Nitro, Nuxt)",
    file: /\/h3\/dist\/index\.[cm]js$|\/chunks\/(?:nitro\/nitro|nitro\/node-server|runtime)\.mjs$/,
    head: /await\s+app\.handler\(\s*event\s*\);?\s*\}\s*catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{/,
  },
  {
    // Every error of a SvelteKit request (a load function's, a form action's, an endpoint's, a
    // hook's) is turned into the answer's body here, which calls the app's hooks.server handleError.
    // Vite bundles it into the server output and adapter-node bundles that again: its chunk is
    // `.svelte-kit/output/server/index.js` or `chunks/utils.js`, then `build/server/index.js` or
    // `build/server/chunks/…utils…-<hash>.js`; `vite dev` runs it from the package, `utils.js` in 2,
    // `errors.js` in 3 (where it lost its `options` parameter and its `async`). The chunk is named
    // by the bundler after one of its modules, which changes with SvelteKit's and Vite's versions
    // (3 with Vite 8's Rolldown and adapter-node 6: `build/server/chunks/internal.js`), so any
    // server chunk is read for the function; Next's `.next/server/chunks/` are not SvelteKit's.
    framework: "SvelteKit (handle_error_and_jsonify, before the app's handleError)",
    file: /\/@sveltejs\/kit\/src\/runtime\/server\/(?:utils|errors)\.js$|(?<!\/node_modules\/.*|\/\.next)\/server\/(?:index|chunks\/(?:[\w.@-]+\/)*[\w.@-]+)\.js$/,
    head: /\b(?:async\s+)?function\s+handle_error_and_jsonify[\w$]*\s*\(\s*(?:[\w$]+\s*,\s*){2,3}([A-Za-z_$][\w$]*)\s*\)\s*\{/,
    quietWhenMissing: true,
  },
  {
    // React Router 7's server runtime (framework mode, ex-Remix) hands every error it caught to
    // this closure in createRequestHandler, before the app's handleError in entry.server: a
    // loader's, an action's or a resource route's throw, whether a document request, a data
    // request or the error boundary renders it. Vite leaves react-router external, so it runs
    // from its package: 7's CommonJS index or one of its ESM chunks (named by hash) per Node, 8's
    // unbundled `lib/server-runtime/server.js`.
    framework: "React Router (its request handler's handleError, before the app's handleError in entry.server)",
    file: /\/react-router\/dist\/(?:development|production)\/(?:index\.js|chunk-[\w-]+\.mjs|lib\/server-runtime\/server\.js)$/,
    head: /\blet\s+handleError\s*=\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*=>\s*\{/,
    // What React Router answers itself (no route matches: 404, no action: 405) comes as its
    // internal error response, which holds the Error it made and says nothing of its own.
    handed: (error) => `(${error}?.internal === true && ${error}.error instanceof Error ? ${error}.error : ${error})`,
    // The package's other chunks have no such function.
    quietWhenMissing: true,
  },
  {
    // Astro's app (4 and 5, SSR with any adapter) catches what a page's frontmatter, an endpoint
    // or a middleware throws here, logs its stack and renders the 500 page: nothing is uncaught.
    // A build bundles it into a chunk of the server it writes (below). Astro 7 moved it to its
    // request handler, which `astro dev` runs too.
    framework: ASTRO_RENDER,
    file: /\/astro\/dist\/core\/(?:app\/index|routing\/handler)\.js$/,
    head: ASTRO_RENDER_CATCH,
  },
  {
    // The same catch bundled into a build: the chunk is named by the bundler after one of its
    // modules, which changed with Astro's and Vite's versions (4 and 5:
    // `_@astrojs-ssr-adapter_<hash>.mjs`; 7 with Vite 8's Rolldown and @astrojs/node 11:
    // `server_<hash>.mjs`), so any server chunk outside node_modules is read for it.
    framework: ASTRO_RENDER,
    file: /\/chunks\/_@astrojs-ssr-adapter_[\w-]+\.mjs$|(?<!\/node_modules\/.*)\/server\/chunks\/[\w@.-]+\.mjs$/,
    head: ASTRO_RENDER_CATCH,
    // Most server chunks are the app's pages and Astro's other modules.
    quietWhenMissing: true,
  },
  {
    // `astro dev` (5 and 7) answers what a page, an endpoint or a middleware threw here, with its
    // error overlay; in 7 its request handler above logged it first, and throws it on to here.
    framework: "Astro (its dev server's request, as it shows the error overlay)",
    file: /\/astro\/dist\/vite-plugin-astro-server\/controller\.js$/,
    head: /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=\s*const\s+[\w$]+\s*=\s*onError\(\s*\1\s*\))/,
  },
  {
    // Every field's throw or rejection (graphql 16's executeField, 17's handleFieldError) is
    // wrapped here into the GraphQLError of the response's `errors`, under Apollo Server, Yoga and
    // Mercurius alike. A located error passes again as a non-null field's error bubbles up: the
    // one it wraps was handed over already, so the wrapper is not.
    framework: 'GraphQL (graphql-js locatedError, as a resolver error joins the response)',
    file: /\/graphql\d*\/error\/locatedError\.m?js$/,
    head: /function\s+locatedError\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\)\s*\{/,
    handed: (raw) => `(Array.isArray(${raw}?.path) ? undefined : ${raw})`,
  },
  {
    // graphql-jit's compiled query catches a resolver's throw or rejection itself and makes the
    // response's error with its own GraphQLError, the resolver's error its fourth argument;
    // the errors it makes itself (a non-null field's null) have none.
    framework: "graphql-jit (its GraphQLError, as a resolver's error joins the response)",
    file: /\/graphql-jit\/dist\/error\.m?js$/,
    head: /function\s+GraphQLError\s*\(\s*[\w$]+\s*,\s*[\w$]+\s*,\s*[\w$]+\s*,\s*([A-Za-z_$][\w$]*)[^)]*\)\s*\{/,
  },
  {
    // What a job's processor throws or rejects marks the job failed here (5 and later a method, 4 a closure).
    // A sandboxed processor's error (a Worker given a processor file has a childPool) comes as one
    // BullMQ rebuilt from the child's message, at no throw site of the app's: the child's agent
    // captured the error itself, at BullMQ's catch in the child (below).
    framework: 'BullMQ (its Worker, as it fails a job)',
    file: /\/bullmq\/dist\/(?:cjs|esm)\/classes\/worker\.js$/,
    head: /(?:\basync\s+handleFailed\s*\(|\bhandleFailed\s*=\s*async\s*\()\s*([A-Za-z_$][\w$]*)[^{]*\{/,
    handed: (error) => `(this.childPool ? undefined : ${error})`,
  },
  {
    // A sandboxed processor (a processor file, run in a child process BullMQ forks with the app's
    // Node flags, so with the agent) throws or rejects into this catch in the child, which sends
    // the error to the app's process as a message: nothing is thrown again on either side.
    framework: "BullMQ (its sandboxed processor's child, as it sends a job's error to the Worker)",
    file: /\/bullmq\/dist\/(?:cjs|esm)\/classes\/child-processor\.js$/,
    head: /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=\s*await\s+this\.send\(\s*\{\s*cmd\s*:\s*[\w$.]*ParentCommand\.Failed\b)/,
  },
  {
    // socket.io 4 catches nothing a handler throws (that is uncaught), but a middleware hands an
    // error to it with next(err): a namespace's (io.use) answers the client's connection with
    // connect_error, a socket's (socket.use) emits the socket's `error` event. Both run their
    // middlewares through this callback; the breakpoint goes before its `return fn(err)`, which
    // only an error reaches, not each connection and message.
    framework: "socket.io (a middleware's next(err): connect_error, or the socket's error event)",
    file: /\/socket\.io\/dist\/(?:namespace|socket)\.js$/,
    head: /\bfns\[\s*i\s*\]\(\s*(?:socket|event)\s*,\s*(?:function\s*)?\(\s*([A-Za-z_$][\w$]*)\s*\)\s*(?:=>\s*)?\{(?:\s*\/\/[^\n]*)*\s*if\s*\(\s*\1\s*\)\s*\{?/,
  },
  {
    // A route handler's, server action's or server component's error, before Next logs it, calls
    // instrumentation's onRequestError and answers 500 (15.4 and later; the bundled runtimes run in production).
    framework: 'Next.js (its route module, as a request ends in an error)',
    file: /\/next\/dist\/(?:server\/route-modules\/route-module\.js|compiled\/next-server\/(?:app-page|app-route|pages-api)[\w-]*\.runtime\.(?:prod|dev)\.js)$/,
    head: /\basync\s+onRequestError\s*\(\s*[\w$]+\s*,\s*([A-Za-z_$][\w$]*)\s*,[^)]*\)\s*\{/,
    olderVersions:
      "Next 15.0 to 15.3 hand a request's error to their server's instrumentationOnRequestError, and Next 14 and 13.5 to their server's catches, React's error handler and the API resolver, watched instead",
  },
  {
    // A pages router API route's error: 15.5's API resolver hands it to its route module's method
    // (through the onError it is given) before it logs it and answers 500; an app route's error
    // reaches the method too, from onRequestError above, and is not handed over twice.
    framework: "Next.js (its route module's instrumentationOnRequestError, as a pages router API route's error is answered)",
    file: /\/next\/dist\/(?:server\/route-modules\/route-module\.js|compiled\/next-server\/pages-api[\w-]*\.runtime\.(?:prod|dev)\.js)$/,
    head: /\basync\s+instrumentationOnRequestError\s*\(\s*[\w$]+\s*,\s*\.\.\.([A-Za-z_$][\w$]*)\s*\)\s*\{/,
    handed: (args) => `${args}[0]`,
  },
  {
    // Next 15.0 to 15.3 hand a request's error to the server's method instead (later ones still do for the pages router).
    framework: 'Next.js (its server, as a request ends in an error)',
    file: /\/next\/dist\/server\/base-server\.js$/,
    head: /\basync\s+instrumentationOnRequestError\s*\(\s*\.\.\.([A-Za-z_$][\w$]*)\s*\)\s*\{/,
    handed: (args) => `${args}[0]`,
  },
  {
    // Next 14 and earlier have no onRequestError: the server catches an app route handler's error
    // itself, logs it and answers 500 (15.0 to 15.3 call instrumentationOnRequestError first, above).
    framework: "Next.js 14 (its server, as an app route handler's error is answered 500)",
    file: /\/next\/dist\/server\/base-server\.js$/,
    head: /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=(?:\s*\/\/[^\n]*)*\s*if\s*\(\s*isSSG\s*\)\s*throw\s+\1\s*;\s*_log\.error\(\s*\1\s*\))/,
  },
  {
    // Next 14 and 13.5 render a server component and answer a server action called from the
    // page with React, which hands what they throw or reject to this closure (createErrorHandler's)
    // before Next logs it; the page is answered with the error page, the action with a 500. Next's
    // own signals (notFound, redirect, dynamic usage) come with a digest, and so does the copy of
    // a server component's error the page's HTML render makes, a second time: 14.2 keeps the first
    // error under that digest (its digestErrorsMap), which is handed over instead, so neither a
    // signal nor a copy is; earlier versions keep no map, and hand over no error with a digest.
    framework: "Next.js 13.5 and 14 (React's error handler, as a server component's or server action's error is answered)",
    file: /\/next\/dist\/compiled\/next-server\/app-page[\w-]*\.runtime\.(?:prod|dev)\.js$/,
    head: /\b(?<store>digestErrorsMap|capturedErrors)\s*:\s*(?<kept>[A-Za-z_$][\w$]*)\s*,[^)]*\}\s*\)\s*\{\s*return\s*\(?\s*(?<error>[A-Za-z_$][\w$]*)\s*(?:,\s*[\w$]+\s*)?\)?\s*=>\s*\{/,
    handed: (error, { store, kept }) =>
      `(typeof ${error}?.digest !== 'string' ? ${error} : ${store === 'digestErrorsMap' ? `${kept}.get(${error}.digest)` : 'undefined'})`,
  },
  {
    // Next 13.4 and earlier run React's error handler from its own file, not a bundled runtime:
    // the same closure, which keeps no error under its digest (a copy or a signal has one).
    framework: "Next.js 13.4 (React's error handler, as a server component's or server action's error is answered)",
    file: /\/next\/dist\/server\/app-render\/create-error-handler\.js$/,
    head: /\bfunction\s+createErrorHandler\s*\(\s*\{[^}]*\}\s*\)\s*\{\s*return\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*=>\s*\{/,
    handed: (error) => `(typeof ${error}?.digest !== 'string' ? ${error} : undefined)`,
  },
  {
    // A pages router page's error (getServerSideProps, getInitialProps, its render) and any other
    // a Next 14 or 13.5 server answers 500 itself reach this method, which logs it. 15's server
    // still has it, for errors its instrumentationOnRequestError was handed already: not again.
    framework: "Next.js (its server's logError, as it answers an error 500: 13.5 and 14's pages router)",
    file: /\/next\/dist\/server\/base-server\.js$/,
    head: /\blogError\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=\s*if\s*\(\s*this\.quiet\s*\)\s*return\s*;?\s*(?:_log\.error|console\.error)\(\s*\1\s*\))/,
  },
  {
    // `next dev` logs every error it answers itself through this method, past logError: a pages
    // router page's (getServerSideProps, its render), an app route handler's and a server
    // component's (appDirDevErrorLogger) and an API route's the resolver threw on (13 and 14;
    // 15 hands them to onRequestError first). One handed over already has no capture held.
    framework: "Next.js (its dev server's logErrorWithOriginalStack, as `next dev` logs an error it answers)",
    file: /\/next\/dist\/server\/dev\/next-dev-server\.js$/,
    head: /\basync\s+logErrorWithOriginalStack\s*\(\s*([A-Za-z_$][\w$]*)\s*,[^)]*\)\s*\{/,
  },
  {
    // A pages router API route's throw or rejection: the API resolver's catch logs it and answers
    // 500 (an ApiError with its own status); in `next dev` it throws it on to the server.
    // 13.4 and earlier run it from its own file, not a bundled runtime.
    framework: "Next.js 13.5 and 14 (its API resolver's catch, as an API route's error is answered)",
    file: /\/next\/dist\/(?:compiled\/next-server\/pages-api[\w-]*\.runtime\.(?:prod|dev)\.js|server\/api-utils\/node\.js)$/,
    head: /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{(?=\s*if\s*\(\s*\1\s+instanceof\s+[\w$.]+\s*\)\s*\{?\s*[\w$.(), ]*?\(\s*[\w$]+\s*,\s*\1\.statusCode\s*,\s*\1\.message\s*\))/,
  },
];

/**
 * The frameworks' own packages, with those that do their routing and body parsing (Fastify's
 * find-my-way and avvio, Express's body-parser and raw-body), the GraphQL servers over graphql-js,
 * BullMQ's Redis client and socket.io's transport (engine.io, ws): frames in them are not where
 * the app reported an error.
 */
const FRAMEWORK_DIRS =
  /\/node_modules\/(?:express\d*|router|finalhandler|body-parser|raw-body|koa|koa-compose|fastify|find-my-way|avvio|light-my-request|@hapi\/[\w.-]+|@nestjs\/[\w.-]+|hono|@hono\/[\w.-]+|graphql\d*|graphql-jit|@graphql-tools\/[\w.-]+|graphql-yoga|@graphql-yoga\/[\w.-]+|@envelop\/[\w.-]+|@apollo\/[\w.-]+|mercurius|bullmq|ioredis|socket\.io|socket\.io-adapter|socket\.io-parser|engine\.io|engine\.io-parser|ws|next|h3|@sveltejs\/[\w.-]+|react-router|@react-router\/[\w.-]+|astro|@astrojs\/[\w.-]+)\//;

export function isFrameworkFile(path: string): boolean {
  return FRAMEWORK_DIRS.test(path.replace(/\\/g, '/'));
}

/**
 * Tracers' and error trackers' packages: their wrappers run the app's callbacks and event
 * listeners (OpenTelemetry's context manager binds every listener of a traced request), so they
 * sit on the stack of an error the framework made, yet nobody handed the error over there.
 */
const INSTRUMENTATION_DIRS =
  /\/node_modules\/(?:@opentelemetry\/[\w.-]+|require-in-the-middle|import-in-the-middle|shimmer|dd-trace|@datadog\/[\w.-]+|newrelic|@newrelic\/[\w.-]+|elastic-apm-node|@sentry\/[\w.-]+|@sentry-internal\/[\w.-]+)\//;

export function isInstrumentationFile(path: string): boolean {
  return INSTRUMENTATION_DIRS.test(path.replace(/\\/g, '/'));
}

export interface ErrorHandlerEntry {
  framework: string;
  /** 0-based, where the breakpoint goes: just inside the function's body. */
  lineNumber: number;
  columnNumber: number;
  /** The name the error has there. */
  parameter: string;
  /** What the breakpoint reads there as the error handed over. */
  handed: string;
}

/** Whether a loaded script is one of the frameworks' files: only those have their source read. */
export function isErrorHandlerFile(path: string): boolean {
  return sitesIn(path).length > 0;
}

/**
 * The sites in a file: Next's server holds one per version, each matching that version's source
 * only. A dev server's module runner names a package's file by its module id, which can end in a
 * query (Vite's `?v=<hash>` on a prebundled dependency: SvelteKit's runtime under `vite dev`).
 */
function sitesIn(path: string): ErrorHandlerSite[] {
  const normal = path.replace(/\\/g, '/').replace(/\?[^/]*$/, '');
  return SITES.filter((site) => site.file.test(normal));
}

/** What the log says of a framework's file without an error handler the agent knows; undefined where the file's name is no sign of the framework. */
export function noErrorHandlerMessage(path: string): string | undefined {
  const sites = sitesIn(path);
  if (sites.some((s) => s.quietWhenMissing)) return undefined;
  const consequence =
    sites.find((s) => s.olderVersions !== undefined)?.olderVersions ?? 'errors it catches are captured only if thrown again uncaught';
  return `${path}: no error handler of a version the agent knows; ${consequence}`;
}

/**
 * The error handler entries in a framework's file: none when this version has none we know. A
 * prepared file (a Nitro server chunk `liveprobe prepare` went through) holds the function twice,
 * its prepared body and its twin, and either may run: each gets a breakpoint.
 */
export function errorHandlerEntries(path: string, source: string): ErrorHandlerEntry[] {
  return sitesIn(path).flatMap((site) => entriesOf(site, source));
}

function entriesOf(site: ErrorHandlerSite, source: string): ErrorHandlerEntry[] {
  return [...source.matchAll(new RegExp(site.head.source, `${site.head.flags}g`))].map((match) => {
    const end = match.index + match[0].length;
    const before = source.slice(0, end);
    const lineNumber = before.split('\n').length - 1;
    const columnNumber = end - (before.lastIndexOf('\n') + 1);
    const parameter = match.groups?.error ?? match[1]!;
    return {
      framework: site.framework,
      lineNumber,
      columnNumber,
      parameter,
      handed: site.handed?.(parameter, match.groups ?? {}) ?? parameter,
    };
  });
}
