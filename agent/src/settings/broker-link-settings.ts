/**
 * What both broker links share: the worker's (worker/broker-link.ts) and the app thread's while
 * the worker has not started (main/standby-link.ts).
 */

/** How often an agent tells the control plane it is alive. */
export const HEARTBEAT_SECONDS = 30;

/** The broker URL for the agent's log: it may carry the agent's token as its password, never printed. */
export function brokerUrlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  }
}
