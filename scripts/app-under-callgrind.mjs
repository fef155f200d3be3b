// An app started under callgrind with instrumentation off until `control('-i', 'on')`, each thread
// counted apart; `control('-d', name)` dumps every thread's count since the last dump (dump i of
// thread t in `cg.out.<i>-<t>`, thread 01 the app's main thread). Shared by
// install-step-instructions.mjs and shop-request-instructions.mjs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, fromRoot } from '@liveprobe/harness';

/** `valgrind`: more of callgrind's options (install-step-turns.mjs dumps each thread at each turn of its event loop). */
export function appUnderCallgrind({ name, nodeArgs, script, env, ipc = false, valgrind: more = [] }) {
  const out = mkdtempSync(join(tmpdir(), 'liveprobe-callgrind-app-'));
  const valgrind = [
    '--tool=callgrind',
    '--separate-threads=yes',
    '--instr-atstart=no',
    `--callgrind-out-file=${join(out, 'cg.out')}`,
    ...more,
  ];
  const app = new Child('valgrind', [...valgrind, process.execPath, ...nodeArgs, fromRoot(script)], { name, env, ipc });
  return {
    app,
    out,
    control: (...args) => execFileSync('callgrind_control', [...args, String(app.pid)], { stdio: 'ignore' }),
    /** Instructions in one thread's dump file (`cg.out.<dump>-<thread>`). */
    total: (file) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(out, file), 'utf8'))?.[1] ?? 0),
    async stop() {
      await app.stop();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
