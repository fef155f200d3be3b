/**
 * The target's one pause, as the agent's sessions on it share it. V8 tells every session that
 * does not skip pauses of each pause, whichever caused it, and a resume from any session ends
 * it, or from the session whose breakpoint it was for a pause before a script runs. Remote
 * objects (a thrown error, a frame's scope) are valid only while the pause lasts. So a session
 * that resumed when its own work was done used to end a pause another was still reading: the
 * probe engine resumed a pause before a script while the exception watch read it too, and the
 * watch's own resume, sent after that pause had ended, ended the pause at the app's next throw
 * while the watch read its error ("Could not find object with given id").
 *
 * Here a pause ends once: when the last session reading it is done, through the session whose
 * breakpoint it was if any; a reader of a pause already ended (or being ended) resumes nothing.
 */

/** Sends `Debugger.resume` through one session. */
export type Resume = () => Promise<void>;

/** One session's reading of one pause. */
export interface PauseRead {
  /** False once the pause has ended or is being ended: done reading, the session resumes nothing. */
  live: boolean;
  readonly resume: Resume;
}

export class PauseReaders {
  private readonly reading = new Set<PauseRead>();
  /** The session whose breakpoint paused the target before a script: V8 holds that pause until it resumes. */
  private owner: Resume | undefined;
  /** A resume is on its way: a session told of the pause only now reads a pause that is ending. */
  private ending = false;

  /** A session reads the current pause; `owns`: the pause is its breakpoint's. */
  read(resume: Resume, owns: boolean): PauseRead {
    const read: PauseRead = { live: !this.ending, resume };
    if (!read.live) return read;
    this.reading.add(read);
    if (owns) this.owner = resume;
    return read;
  }

  /** A session that was told of the pause does not read it: it leaves the pause to whoever does. */
  ignore(read: PauseRead): void {
    read.live = false;
    this.reading.delete(read);
  }

  /** A session is done reading: the last one ends the pause. */
  async done(read: PauseRead): Promise<void> {
    if (!read.live) return;
    read.live = false;
    this.reading.delete(read);
    if (this.reading.size > 0) return;
    const resume = this.owner ?? read.resume;
    this.owner = undefined;
    this.ending = true;
    try {
      await resume();
    } catch (err) {
      // Not paused any more (another debugger resumed it): the next pause is read afresh.
      this.ending = false;
      throw err;
    }
  }

  /** A session heard the pause end, whoever ended it: its readers are done. */
  resumed(): void {
    for (const read of this.reading) read.live = false;
    this.reading.clear();
    this.owner = undefined;
    this.ending = false;
  }
}
