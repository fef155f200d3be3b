import type { LiveEvent } from '@liveprobe/protocol';
import { describeReading } from '@liveprobe/protocol/metric-reading';
import { clockTime } from './time.js';

/** How `liveprobe tail` prints one live event. */
export function formatEvent(event: LiveEvent): string {
  const time = clockTime(event.time);
  switch (event.kind) {
    case 'output':
      // A metric action's line says what it recorded, marked METRIC where a log line has its level.
      return event.metric === undefined
        ? `${time} ${event.level.toUpperCase()} ${event.agentId} ${event.file}:${event.line} ${event.message}`
        : `${time} METRIC ${event.agentId} ${event.file}:${event.line} ${describeReading(event.metric)}`;
    case 'action_status':
      return `${time} status ${event.actionId} on ${event.agentId}: ${event.state}${event.message === undefined ? '' : `: ${event.message}`}`;
    case 'dropped':
      return `${time} dropped ${event.count} on ${event.agentId}${event.actionId === undefined ? '' : ` for ${event.actionId}`}: ${event.reason}`;
    case 'snapshot':
      return `${time} snapshot ${event.id} on ${event.agentId} at ${event.location.file}:${event.location.line} for ${event.actionId}; see it with: liveprobe snapshots show ${event.id}`;
  }
}
