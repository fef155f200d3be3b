/**
 * Which install path exception actions take (docs/actions.md#which-path-an-exception-action-takes).
 * The prepared path (exception sites in prepared files, on the app's thread) needs no pause; it
 * sees only errors that leave prepared code. So it is taken while every app file loaded so far
 * (outside node_modules) is prepared; the first that is not puts exception actions on the
 * breakpoint path, which pauses at every thrown error, until the app restarts. A webpack chunk
 * for a web or edge runtime (web-chunks.ts) is not an app file here.
 */
import { isAppScript } from '../locate/app-code.js';
import { isPrebuilt } from '../prepare/prebuilt.js';
import { webRuntimeScript } from '../prepare/web-chunks.js';
import type { LoadedScript } from './inspector-session.js';

/**
 * A file prepared as it loads names `$lpF` in its header (or its ES module flags import) on its
 * first line; a file prepared at build time, and its flags module, start with the banner.
 */
const PREPARED_HEADER = /\$lpF\b/;
const HEADER_CHARS = 4096;

export type ExceptionPathName = 'prepared' | 'breakpoint';

export class ExceptionPath {
  /** The first app file seen loaded and not prepared. */
  private unprepared: string | undefined;
  private preparedSeen = false;

  constructor(
    /** True when preparing is on at all (LIVEPROBE_PREPARE, or a file prepared at build time has loaded). */
    private readonly preparing: () => boolean,
    /**
     * false for an attached target (`liveprobe attach`): its sidecar captures nothing on the
     * target's thread, so it always takes the breakpoint path, prepared files or not.
     */
    private readonly inProcess = true,
  ) {}

  get name(): ExceptionPathName {
    return this.inProcess && this.unprepared === undefined && (this.preparedSeen || this.preparing()) ? 'prepared' : 'breakpoint';
  }

  /** Looks at a loaded script; true when it moved exception actions to the breakpoint path. */
  async loaded(script: LoadedScript, source: (script: LoadedScript) => Promise<string>): Promise<boolean> {
    if (!this.inProcess || this.unprepared !== undefined || !isAppScript(script.path)) return false;
    const before = this.name;
    let text: string;
    try {
      text = await source(script);
    } catch {
      return false;
    }
    if (isPrebuilt(text) || PREPARED_HEADER.test(text.slice(0, HEADER_CHARS))) {
      this.preparedSeen = true;
      return false;
    }
    // Next.js's middleware and its edge runtime, run in a `vm` context of their own: `liveprobe
    // prepare` leaves them as written, and no agent hook is there for either path to capture
    // with, so they are not app files that an unprepared copy would move off the prepared path.
    if (webRuntimeScript(text) !== undefined) return false;
    this.unprepared = script.path;
    return before === 'prepared';
  }

  /** What the actions' status says about the path. */
  describe(): string {
    if (!this.inProcess) return 'breakpoint path: the target pauses at each thrown error (an attached target always takes it)';
    return this.name === 'prepared'
      ? "prepared path: exception sites in prepared files capture on the app's thread, with no pause (every app file loaded so far is prepared)"
      : this.unprepared === undefined
        ? 'breakpoint path: the app pauses at each thrown error (no file is prepared; LIVEPROBE_PREPARE=app or `liveprobe prepare` avoids the pauses)'
        : `breakpoint path: the app pauses at each thrown error (${this.unprepared} is not prepared; prepare every app file to avoid the pauses)`;
  }
}
