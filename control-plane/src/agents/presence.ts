import { HEARTBEAT_SECONDS } from '@liveprobe/protocol';
import type { AgentRecord } from '../store/store.js';

/**
 * An agent heard from within three heartbeats. Its Last Will says when it drops, but a process
 * can end with no Will on the broker (it died while its link changed hands, or the broker lost
 * its session), and such an agent would stay online for good: every `add` would wait for its
 * answer and the summaries would count it.
 */
export const SILENT_FOR_MS = 3 * HEARTBEAT_SECONDS * 1000;

/** Online: announced, not dropped, and heard from lately. */
export function isPresent(agent: AgentRecord, now: Date): boolean {
  return agent.online && now.getTime() - Date.parse(agent.lastSeen) <= SILENT_FOR_MS;
}
