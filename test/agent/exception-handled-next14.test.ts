/**
 * Errors Next.js 14 and 13.5 catch and answer themselves, which have no onRequestError: a server
 * component's throw (its page answered with the error page), a server action's rejection (500), a
 * pages router page's getServerSideProps throw (500) and an API route's (500). Not a real Next
 * build (a minute, and next is ~100 MB): test/fixtures/handled-errors/next14.cjs stands in for
 * Next's server, with Next's bundled runtimes written here where the package puts them, each with
 * the function of the real file (14.2.35's and 13.5.11's, read from the installed packages; their
 * heads in other versions are checked in test/agent/worker/error-handlers.test.ts). A real 14.2.35
 * and 13.5.11 build, checked by hand, gave one snapshot per error at its throw site, as here.
 */
import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fromRoot, tempDir } from '@liveprobe/harness';
import webpack from 'webpack';
import { lineOf } from '../helpers/index.js';
import { write } from './bundled-framework-errors.js';
import { assertReservedAndSettled, shownOnceLastIsIn } from './handled-snapshots.js';
import { runWithAndWithoutAgent } from './next-stand-in-run.js';
import { find } from './snapshot-events.js';

const APP = 'test/fixtures/handled-errors/next14.cjs';
const DEV_APP = 'test/fixtures/handled-errors/next-dev.cjs';
const DEV_PAGES = 'test/fixtures/handled-errors/next-dev';

/**
 * React's error handler, createErrorHandler's closure, as each version's app-page runtime writes
 * it: 14.2 gives an error its digest and keeps it under it, so the copy the HTML render makes of a
 * server component's error is logged as the error it copies; 13.5 (and 14.0, 14.1) keep none.
 */
const REACT_HANDLER = {
  '14.2':
    'function ro({source:e,dev:t,isNextExport:r,errorLogger:n,digestErrorsMap:o,allCapturedErrors:i,silenceLogger:a}){return(s,l)=>{var u;s.digest||(s.digest=t5(s.message+((null==l?void 0:l.stack)||s.stack||"")).toString());let c=s.digest;if(i&&i.push(s),rr(s))return s.digest;if(!ei(s)){if(o.has(c)?e===rn.html&&(s=o.get(c)):o.set(c,s),!a)n?n(s).catch(()=>{}):console.error(s)}return s.digest}}',
  '13.5':
    'function ro({_source:e,dev:t,isNextExport:r,errorLogger:n,capturedErrors:o,allCapturedErrors:a}){return e=>{var i;if(a&&a.push(e),e&&rr(e))return e.digest;n?n(e).catch(()=>{}):console.error(e);return o.push(e),t5(e.message+e.stack+(e.digest||"")).toString()}}',
} as const;

/**
 * The rest of the app-page runtime, reduced to what the app calls: React's server render hands
 * what the component threw to the serverComponents handler, whose digest the stream carries; the
 * HTML render throws a copy with that digest and hands it to the html handler. A server action's
 * rejection goes to the flightData handler. Next's own notFound() is answered 404.
 */
const appPageRuntime = (version: keyof typeof REACT_HANDLER) =>
  `"use strict";let rn={serverComponents:"serverComponents",flightData:"flightData",html:"html"};function t5(e){let t=5381,r=e.length;for(;r;)t=33*t^e.charCodeAt(--r);return t>>>0}function rr(e){return"object"==typeof e&&null!==e&&"string"==typeof e.digest&&("NEXT_NOT_FOUND"===e.digest||e.digest.startsWith("NEXT_REDIRECT")||"DYNAMIC_SERVER_USAGE"===e.digest)}function ei(e){return"AbortError"===(null==e?void 0:e.name)}function notFound(){let e=Error("NEXT_NOT_FOUND");throw e.digest="NEXT_NOT_FOUND",e}${REACT_HANDLER[version]}function tn(){let e=new Map,t=[],r=r=>ro({source:r,_source:r,dev:!1,isNextExport:!1,digestErrorsMap:e,capturedErrors:t,allCapturedErrors:r===rn.html?[]:void 0,silenceLogger:!1});return{serverComponents:r(rn.serverComponents),flightData:r(rn.flightData),html:r(rn.html)}}async function renderPage(e,t){let r=tn(),n;try{return{status:200,body:String(await e(t))}}catch(o){n=r.serverComponents(o)}try{let o=Error("An error occurred in the Server Components render. The specific message is omitted in production builds to avoid leaking sensitive details.");throw o.digest=n,o}catch(o){r.html(o)}return"NEXT_NOT_FOUND"===n?{status:404,body:"not found"}:{status:500,body:'<html id="__next_error__"></html>'}}async function handleAction(e,t){let r=tn();try{return{status:200,body:JSON.stringify(await e(...t))}}catch(n){return r.flightData(n),{status:500,body:"1:E{}"}}}module.exports={renderPage,handleAction,notFound};\n`;

/** The pages-api runtime's API resolver, its catch as 14.2.35 and 13.5.11 write it. */
const PAGES_API_RUNTIME =
  '"use strict";class h extends Error{constructor(e,t){super(t),this.statusCode=e}}function m(e,t,r){e.statusCode=t,e.statusMessage=r,e.end(r)}async function K(e,t,r,s,d,c,g){try{let N=s.default||s;await N(e,t)}catch(e){if(e instanceof h)m(t,e.statusCode,e.message);else{if(g)throw e;if(console.error(e),c)throw e;m(t,500,"Internal Server Error")}}}module.exports={apiResolver:K,ApiError:h};\n';

async function nextEnv(t: TestContext, version: keyof typeof REACT_HANDLER): Promise<Record<string, string>> {
  const dir = await tempDir('liveprobe-next14-');
  t.after(() => dir.remove());
  const at = (path: string) => join(dir.path, 'node_modules/next/dist', path);
  await write(at('compiled/next-server/app-page.runtime.prod.js'), appPageRuntime(version));
  await write(at('compiled/next-server/pages-api.runtime.prod.js'), PAGES_API_RUNTIME);
  await write(at('server/base-server.js'), await readFile(fromRoot('test/fixtures/handled-errors/next/base-server.js'), 'utf8'));
  return {
    NEXT_APP_PAGE: at('compiled/next-server/app-page.runtime.prod.js'),
    NEXT_PAGES_API: at('compiled/next-server/pages-api.runtime.prod.js'),
    NEXT_SERVER: at('server/base-server.js'),
  };
}

const REQUESTS: [string, RequestInit][] = [
  ['/api/swallow?quantity=x', {}],
  ['/basket?sku=sku-1&wanted=5', {}],
  ['/basket', { method: 'POST', headers: { 'next-action': '7f3e', 'content-type': 'text/plain;charset=UTF-8' }, body: '["lin"]' }],
  ['/api/refund', {}],
  ['/gone', {}],
];

for (const version of ['14.2', '13.5'] as const)
  test(`next ${version}: a server component's throw, a server action's rejection, a pages router page's and an API route's throw, which Next answers itself, give one snapshot each at their throw sites; the answers are unchanged; a swallowed error and Next's notFound() give none`, async (t) => {
    // Matches the RangeError the API route swallows, Next's notFound() signal and the HTML render's copy of an error too.
    const pattern = 'left|overdrawn|quantity|refund|NEXT_NOT_FOUND|Server Components render';
    const run = await runWithAndWithoutAgent(t, APP, await nextEnv(t, version), REQUESTS, pattern);
    const { snapshots } = run;
    assert.deepEqual(run.answers, [
      '200 quantity 1',
      '500 <html id="__next_error__"></html>',
      '500 1:E{}',
      '500 Internal Server Error',
      '404 not found',
    ]);

    await assertReservedAndSettled(snapshots, run.actionId, APP, 'next14');
    const { snapshot: refund } = await snapshots.waitFor(
      (e) => e.snapshot.location.line === lineOf(APP, 'next14-throw-refund'),
      15_000,
      "the API route's snapshot",
    );
    assert.equal(find(refund.locals, 'refund').t, 'object');

    // A last request, a pages router page's: once its snapshot is in, the others (in any order) are too.
    assert.equal((await fetch(`${run.url}/shelf?sku=sku-2&wanted=9`)).status, 500);
    assert.deepEqual(
      await shownOnceLastIsIn(snapshots),
      [
        'ledger lin is overdrawn',
        'only 0 of sku-1 left, 5 wanted',
        'only 4 of sku-2 left, 9 wanted',
        'refund of 40 on o-17 needs approval',
      ],
      "one snapshot per error Next answered (none for the server component's copy the HTML render made), none for the swallowed RangeError or notFound()",
    );
    const shelf = snapshots.items().find((e) => e.snapshot.exception?.message === 'only 4 of sku-2 left, 9 wanted');
    assert.equal(shelf?.snapshot.frames?.[0]?.location.line, lineOf(APP, 'next14-call-shelf'), 'its caller, getServerSideProps');
  });

/**
 * `next dev`'s server as 14.2.35 and 13.5.11 write it (next/dist/server/dev/next-dev-server.js):
 * the catch in its run and the method that logs what it caught, past logError.
 */
const DEV_SERVER = `"use strict";
class DevServer {
    async run(res, handle) {
        try {
            return await handle();
        } catch (error) {
            this.logErrorWithOriginalStack(error).catch(()=>{});
            res.statusCode = 500;
            res.end("Internal Server Error");
        }
    }
    async logErrorWithOriginalStack(err, type) {
        console.error(err);
    }
}
module.exports = { DevServer };
`;

/** The app's pages bundled as `next dev` bundles them: each module in an eval string named `webpack-internal:///…`, with its own inline map. */
async function devBundle(project: string): Promise<string> {
  await cp(fromRoot('test/fixtures/handled-errors/next-dev'), project, { recursive: true });
  const config: webpack.Configuration = {
    mode: 'development',
    target: 'node',
    devtool: 'eval-source-map',
    context: project,
    entry: './index.js',
    output: {
      path: join(project, '.next/server'),
      filename: 'pages.js',
      library: { type: 'commonjs2' },
      devtoolModuleFilenameTemplate: 'webpack-internal:///[resource-path]',
    },
    infrastructureLogging: { level: 'error' },
  };
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    webpack(config, (err, result) => (err ? reject(err) : resolve(result!))),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  return join(project, '.next/server/pages.js');
}

test("next dev: a pages router page's throw and an API route's, in modules run from webpack's eval strings, give one snapshot each at their throw sites in the app's source; the answers are unchanged", async (t) => {
  const dir = await tempDir('liveprobe-next-dev-');
  t.after(() => dir.remove());
  const at = (path: string) => join(dir.path, 'node_modules/next/dist', path);
  await write(at('server/dev/next-dev-server.js'), DEV_SERVER);
  await write(at('compiled/next-server/pages-api.runtime.dev.js'), PAGES_API_RUNTIME);
  const env = {
    NEXT_APP_BUNDLE: await devBundle(dir.path),
    NEXT_DEV_SERVER: at('server/dev/next-dev-server.js'),
    NEXT_PAGES_API: at('compiled/next-server/pages-api.runtime.dev.js'),
  };
  const requests: [string, RequestInit][] = [
    ['/shelf?sku=sku-2&wanted=1', {}],
    ['/api/refund', {}],
  ];
  const run = await runWithAndWithoutAgent(t, DEV_APP, env, requests, 'left|refund');
  assert.deepEqual(run.answers, ['200 left: 3', '500 Internal Server Error']);
  const { snapshots } = run;
  const source = (path: string) => join(dir.path, path);

  const { snapshot: refund } = await snapshots.waitFor(
    (e) => e.snapshot.exception?.message === 'refund of 40 on o-17 needs approval',
    15_000,
    "the API route's snapshot",
  );
  assert.deepEqual(refund.location, {
    file: source('pages/api/refund.js'),
    line: lineOf(`${DEV_PAGES}/pages/api/refund.js`, 'dev-throw-refund'),
    function: 'handler',
  });
  assert.equal(find(refund.locals, 'refund').t, 'object');

  // A last request, the page's: once its snapshot is in, the API route's second throw (the
  // resolver throws it on to the dev server, which logs it) would be too.
  assert.equal((await fetch(`${run.url}/shelf?sku=sku-2&wanted=9`)).status, 500);
  const { snapshot: shelf } = await snapshots.waitFor(
    (e) => e.snapshot.exception?.message === 'only 3 of sku-2 left, 9 wanted',
    15_000,
    "the page's snapshot",
  );
  assert.deepEqual(shelf.location, {
    file: source('lib/stock.js'),
    line: lineOf(`${DEV_PAGES}/lib/stock.js`, 'dev-throw-stock'),
    function: 'reserve',
  });
  assert.deepEqual(
    [shelf.frames?.[0]?.location.file, shelf.frames?.[0]?.location.line],
    [source('pages/shelf.js'), lineOf(`${DEV_PAGES}/pages/shelf.js`, 'dev-call-shelf')],
    'its caller, getServerSideProps',
  );
  assert.deepEqual(
    snapshots
      .items()
      .map((e) => e.snapshot.exception?.message)
      .sort(),
    ['only 3 of sku-2 left, 9 wanted', 'refund of 40 on o-17 needs approval'],
    'one snapshot per error: none for the API route error the resolver threw on',
  );
});
