import { errorMessage } from '@liveprobe/protocol/util';
import type { ActionService } from './action-service.js';

export interface Sweeper {
  stop(): Promise<void>;
}

/** Expires due actions every `intervalMs`; the timer never keeps the process alive by itself. */
export function startSweeper(actions: ActionService, intervalMs: number, log: (line: string) => void): Sweeper {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = actions
      .expireDue()
      .catch((err: unknown) => log(`could not expire actions: ${errorMessage(err)}`))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
