/**
 * Snapshot stacks name each frame as the source does. V8 names a frame by the running script's
 * function, which in minified code is the minifier's (`p`, `a`); the source map records the
 * user's (`chargeCard`), as code.function.name and exception frames already give it. Each
 * position is looked up once: a line's snapshots repeat the same stack, and a lookup may parse
 * the whole script.
 */
import type { StackFrame } from '@liveprobe/protocol';

/** The source's name of the function around a generated position (0-based column), where the script renamed it. */
export type RenamedAt = (path: string, line: number, column: number) => Promise<string | undefined>;

/** Positions remembered; past that the memory starts over (a stack's frames are few, the positions an app's snapshots reach too). */
const KEPT = 2000;

export class FrameNames {
  private readonly names = new Map<string, Promise<string | undefined>>();

  constructor(private readonly renamedAt: RenamedAt) {}

  /** The frame with the source's function name, where the map gives one. */
  async named(frame: StackFrame): Promise<StackFrame> {
    const key = `${frame.line}:${frame.column}:${frame.file}`;
    let name = this.names.get(key);
    if (name === undefined) {
      if (this.names.size >= KEPT) this.names.clear();
      // A script that cannot be read keeps V8's name.
      name = this.renamedAt(frame.file, frame.line, frame.column - 1).catch(() => undefined);
      this.names.set(key, name);
    }
    const renamed = await name;
    return renamed === undefined ? frame : { ...frame, function: renamed };
  }
}
