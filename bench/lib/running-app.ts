/**
 * Files of /proc/<pid>/ (Linux) of an app a benchmark expects to be running: an app that ended
 * is reported with how it ended and what it printed, not as a missing file.
 */
import { exitDescription, type Child } from '@liveprobe/harness';
import { readFileSync } from 'node:fs';

/** The app ended while the benchmark counted on it (idling, serving). */
export class AppEndedError extends Error {
  constructor(app: Child, during: string) {
    const how = app.status === undefined ? 'gone from /proc' : exitDescription(app.status);
    super(`${app.name} (pid ${app.pid}) ended while ${during} (${how}); its output:\n${app.output().slice(-3000)}`);
  }
}

/** /proc/<pid>/<file> of `app`; throws AppEndedError if the app is no longer running. */
export function procFile(app: Child, file: string, during = 'the benchmark measured it'): string {
  if (app.status !== undefined) throw new AppEndedError(app, during);
  try {
    return readFileSync(`/proc/${app.pid}/${file}`, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppEndedError(app, during);
    throw err;
  }
}
