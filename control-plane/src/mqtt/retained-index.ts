/**
 * The embedded broker's retained messages, indexed by topic. aedes' in-memory persistence
 * answers every SUBSCRIBE by testing each retained message against each filter; with one
 * retained status per agent, a fleet of N agents connecting costs N² tests (5,000 agents took
 * 75 s). Agents subscribe to exact topics, which this index answers with one lookup; only
 * filters with wildcards (the control plane's own few) still walk the retained messages.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesPersistence } from 'aedes-persistence';

/** The fields of a PUBLISH packet the index reads; aedes stores the packet as it came. */
interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
}

interface TopicMatcher {
  add(filter: string): void;
  test(topic: string): boolean;
}
type QlobberTrueClass = new (options: { wildcard_one: string; wildcard_some: string; separator: string }) => TopicMatcher;

const require = createRequire(import.meta.url);
// Both are CommonJS whose declared default export does not match what Node hands an ES module.
const memory = require('aedes-persistence') as () => AedesPersistence;
const { QlobberTrue } = require('qlobber') as { QlobberTrue: QlobberTrueClass };
const MQTT_WILDCARDS = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

const hasWildcard = (filter: string): boolean => filter.includes('+') || filter.includes('#');

function* retainedFor(retained: Map<string, RetainedPacket>, filters: string[]): Generator<RetainedPacket> {
  for (const filter of filters) {
    if (!hasWildcard(filter)) {
      const packet = retained.get(filter);
      if (packet !== undefined) yield packet;
      continue;
    }
    const matcher = new QlobberTrue(MQTT_WILDCARDS);
    matcher.add(filter);
    for (const [topic, packet] of retained) if (matcher.test(topic)) yield packet;
  }
}

/** aedes' in-memory persistence with its retained messages kept in a topic index. */
export function indexedMemoryPersistence(): AedesPersistence {
  const persistence = memory();
  const retained = new Map<string, RetainedPacket>();
  const store = (packet: RetainedPacket): void => {
    if (packet.payload.length === 0) retained.delete(packet.topic);
    else retained.set(packet.topic, { ...packet });
  };
  // aedes itself calls this without a callback and awaits the promise; its types name the callback form.
  persistence.storeRetained = ((packet: RetainedPacket, cb?: (error: null) => void) => {
    store(packet);
    if (cb === undefined) return Promise.resolve();
    cb(null);
  }) as AedesPersistence['storeRetained'];
  persistence.createRetainedStream = (filter: string) => Readable.from(retainedFor(retained, [filter]));
  persistence.createRetainedStreamCombi = (filters: string[]) => Readable.from(retainedFor(retained, filters));
  return persistence;
}
