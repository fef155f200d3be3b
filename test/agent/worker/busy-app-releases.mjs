// An app whose main thread compiles, runs and allocates without pause, with inspector breakpoints
// in its functions (as actions place them), while a worker thread runs the agent's heap release
// (worker/heap-release.ts) over and over, as the agent's worker does after bursts of installs
// and hits. Prints how many rounds the main thread ran; a crash of the process is the failure.
// Started with --expose-gc: argv[2] is the seconds to run, argv[3] the built heap-release.js.
import { Session } from 'node:inspector';
import { runInThisContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker, workerData } from 'node:worker_threads';

const FUNCTIONS = 40;

if (isMainThread) {
  new Worker(new URL(import.meta.url), { workerData: process.argv[3] }).unref();
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Debugger.enable');
  const kept = [];
  const results = [];
  const end = Date.now() + Number(process.argv[2]) * 1000;
  let round = 0;
  while (Date.now() < end) {
    const url = `generated-${round}.js`;
    let source = '';
    for (let i = 0; i < FUNCTIONS; i++) {
      source += `function f${i}(n) { let s = 0; for (let k = 0; k < n; k++) { s += (k * ${i}) % 7; } return { n, s, list: new Array(20).fill(s) }; }\n`;
    }
    source += `[${Array.from({ length: FUNCTIONS }, (_, i) => `f${i}`).join(', ')}]`;
    const functions = runInThisContext(source, { filename: url });
    if (round % 2 === 0) {
      for (let line = 0; line < FUNCTIONS; line += 5) {
        await post('Debugger.setBreakpointByUrl', { url, lineNumber: line, columnNumber: 30, condition: 'false' });
      }
    }
    for (let r = 0; r < 300; r++) for (const f of functions) results.push(f(r % 50));
    if (results.length > 200_000) results.length = 0;
    // Older functions stay alive and run now and then, so their code is old when a GC looks at it.
    if (round % 10 === 0) kept[(round / 10) % 20] = functions;
    for (const old of kept) for (const f of old) f(3);
    round++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  console.log(JSON.stringify({ rounds: round }));
  process.exit(0);
} else {
  const { releaseHeap } = await import(pathToFileURL(workerData).href);
  const garbage = [];
  const again = () => {
    for (let i = 0; i < 2000; i++) garbage.push({ i, text: 'x'.repeat(i % 100) });
    if (garbage.length > 50_000) garbage.length = 0;
    releaseHeap();
    setTimeout(again, 5);
  };
  again();
}
