import { randomBytes } from 'node:crypto';
import type { AedesOptions, Client } from 'aedes';
import { isTopicSafe } from '@liveprobe/protocol';
import type { AgentCredential } from '../auth/api-tokens.js';
import { mayConnectAs } from '../auth/agent-ids.js';
import { OncePerReason } from '../once-per-reason.js';
import type { TopicAcl, MqttIdentity } from './topic-acl.js';

/** Who may connect to the embedded broker, and what each may do there. */
export interface BrokerAccess {
  /** The control plane's own client; a fresh password each start, never written anywhere. */
  controlPlane: { username: string; password: string };
  /** Looks an agent's password (an API token with the agent role) up. */
  agent(password: string): Promise<AgentCredential | undefined>;
  acl: TopicAcl;
  log: (line: string) => void;
}

export const CONTROL_PLANE_MQTT_USER = 'liveprobe-control-plane';

export function controlPlaneCredentials(): BrokerAccess['controlPlane'] {
  return { username: CONTROL_PLANE_MQTT_USER, password: randomBytes(24).toString('base64url') };
}

const identities = new WeakMap<Client, MqttIdentity>();

/** What an agent without a good token needs: said where the operator watches, the control plane's log. */
const AGENT_TOKEN_HOW_TO =
  'start agents with LIVEPROBE_BROKER_URL=mqtt://<name>:<agent token>@<broker host>:<port> and a LIVEPROBE_AGENT_ID the token names; make one with liveprobe token create --name <name> --role agent --tag <tag> --agent <id or prefix*>';

/** aedes hooks enforcing `access`: CONNACK 4 for bad credentials, SUBACK 0x80 and dropped publishes for what the rules refuse. */
export function accessHooks(access: BrokerAccess): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
  // An agent refused for a reason comes back every second with the same one.
  const once = new OncePerReason(access.log);
  return {
    authenticate(client, username, password, done) {
      const secret = password?.toString('utf8') ?? '';
      if (username === access.controlPlane.username) {
        if (secret === access.controlPlane.password) identities.set(client, { kind: 'control-plane' });
        return done(secret === access.controlPlane.password ? null : badCredentials(), secret === access.controlPlane.password);
      }
      // The client id is the agent id, a topic level of its own topics: no wildcards, no slashes.
      if (!isTopicSafe(client.id)) {
        access.log(`MQTT: refused client id "${client.id}": an agent's client id is its agent id (letters, digits, ".", "_", ":", "-")`);
        return done(Object.assign(new Error('bad client id'), { returnCode: 2 }), false);
      }
      access
        .agent(secret)
        .then((agent) => {
          if (agent === undefined) {
            once.log(
              `MQTT: refused ${client.id}: ${secret === '' ? 'it sent no agent token' : 'its password is not an active agent token (unknown, revoked or expired; an API token is not one)'}; ${AGENT_TOKEN_HOW_TO}`,
            );
            return done(badCredentials(), false);
          }
          const token = `"${agent.name}" (${agent.tokenId})`;
          if (agent.agents === undefined || !mayConnectAs(agent.agents, client.id)) {
            once.log(
              agent.agents === undefined
                ? `MQTT: refused ${client.id}: the agent token ${token} names no agent ids it may connect as (it was made before tokens were bound to agent ids); create one with liveprobe token create --role agent --agent <id or prefix*>`
                : `MQTT: refused ${client.id}: the agent token ${token} may connect as ${agent.agents.join(', ')} only (an agent's client id is its agent id, LIVEPROBE_AGENT_ID)`,
            );
            return done(notAuthorized(), false);
          }
          identities.set(client, { kind: 'agent', agentId: client.id, tags: agent.tags, token });
          done(null, true);
        })
        .catch((err: unknown) => done(Object.assign(err instanceof Error ? err : new Error(String(err)), { returnCode: 3 }), false));
    },
    authorizePublish(client, packet, callback) {
      const who = client === null ? undefined : identities.get(client);
      // A null client is the broker itself (e.g. a Last Will already checked at connect).
      if (client === null) return callback(null);
      if (who === undefined || !access.acl.mayPublish(who, packet.topic)) {
        once.log(`MQTT: refused a publish by ${client.id} on ${packet.topic}`);
        return callback(new Error(`not allowed to publish on ${packet.topic}`));
      }
      const refusal = access.acl.birthRefusal(who, packet.topic, Buffer.from(packet.payload));
      if (refusal === undefined) return callback(null);
      once.log(`MQTT: refused the status of ${client.id} and closed its connection: ${refusal}`);
      callback(new Error(`not allowed to publish this status: ${refusal}`));
    },
    authorizeSubscribe(client, subscription, callback) {
      const who = identities.get(client);
      if (who !== undefined && access.acl.maySubscribe(who, subscription.topic)) return callback(null, subscription);
      once.log(`MQTT: refused a subscription by ${client.id} to ${subscription.topic}`);
      // A null subscription makes aedes answer this one with SUBACK 0x80 and keep the connection.
      callback(null, null);
    },
  };
}

/** CONNACK 5: the credentials are good, but not for this client id. */
function notAuthorized(): Error & { returnCode: number } {
  return Object.assign(new Error('not authorized for this client id'), { returnCode: 5 });
}

function badCredentials(): Error & { returnCode: number } {
  return Object.assign(new Error('bad user name or password'), { returnCode: 4 });
}
