/**
 * What one `await` and one error thrown and caught cost an app's main thread, in instructions
 * (callgrind), which no load on the machine changes: bench/fixtures/task-loop.mjs run at (N awaits,
 * M throws), (2N, M) and (N, 2M); the differences over N and over M are one of each, start-up and
 * whatever the imported module does while settling cancelling out.
 */
import { fixture } from './paths.js';
import { mainThreadInstructions } from './callgrind.js';

export interface TaskInstructions {
  await: number;
  throw: number;
}

/** `nodeArgs` go before the loop's script (an `--import`); `env` is the process's. */
export async function instructionsPerTask(
  nodeArgs: string[],
  env: Record<string, string>,
  awaits: number,
  throws: number,
): Promise<TaskInstructions> {
  const run = (a: number, t: number) => mainThreadInstructions([...nodeArgs, fixture('task-loop.mjs'), String(a), String(t)], env);
  const base = await run(awaits, throws);
  const moreAwaits = await run(2 * awaits, throws);
  const moreThrows = await run(awaits, 2 * throws);
  return { await: (moreAwaits - base) / awaits, throw: (moreThrows - base) / throws };
}
