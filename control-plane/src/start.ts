import { defined, errorMessage } from '@liveprobe/protocol/util';
import type { Hono } from 'hono';
import { redactUrl, topics } from '@liveprobe/protocol';
import { startSweeper } from './actions/sweeper.js';
import { createApp } from './http/app.js';
import { serveApp } from './http/serve.js';
import { connectToBroker } from './mqtt/broker-connection.js';
import { brokerLimits, startEmbeddedBroker } from './mqtt/embedded-broker.js';
import { resolveOptions, type ControlPlaneOptions } from './options.js';
import { createServices } from './services.js';
import { MIGRATIONS } from './database.js';
import { openStore } from './store/open-store.js';
import type { Role } from './auth/roles.js';
import { setUpSecurity } from './auth/setup.js';
import { DesiredStateSigner } from './signing/desired-state-signer.js';
import { ApiTokens } from './auth/api-tokens.js';
import { controlPlaneCredentials, type BrokerAccess } from './mqtt/broker-access.js';
import { TopicAcl } from './mqtt/topic-acl.js';
import { readTlsFiles } from './tls/tls-files.js';

export interface ControlPlane {
  /** Base URL of the REST API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The broker agents connect to: the embedded one or `brokerUrl`. */
  mqttUrl: string;
  embeddedBroker: boolean;
  /** The SQLite file, or the Postgres URL without its password. */
  dbPath: string;
  app: Hono;
  /** Agents given this (LIVEPROBE_PUBLIC_KEY) accept only desired state this control plane signed. */
  signing: { publicKey: string; keyFile: string; created: boolean };
  /** Set when this start created the first admin token (none was active): its secret, shown only now. */
  firstAdminToken?: string;
  /** Creates an API token, e.g. for `liveprobe up --demo` to print one that works. */
  issueToken(name: string, role: Role, options?: { replacingSameName?: boolean; tags?: string[]; agents?: string[] }): Promise<string>;
  /** Releases every socket, timer and file handle; safe to call twice. */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 1000;

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const config = resolveOptions(options);
  const { log } = config;
  // Closers run in reverse order of opening, also when start-up fails half-way.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((err: unknown) => log(`error while closing: ${errorMessage(err)}`));
    }
  };

  try {
    const { store, cluster, description: database } = await openStore({ ...config, migrations: MIGRATIONS });
    closers.push(() => store.close());

    // With authentication on, the embedded broker wants credentials too: agent tokens for agents (docs/security.md).
    const tokensForBroker = new ApiTokens(store.db, () => new Date());
    const brokerAccess: BrokerAccess | undefined =
      config.auth.mode === 'off' || config.brokerUrl !== undefined
        ? undefined
        : {
            controlPlane: controlPlaneCredentials(),
            agent: (password) => tokensForBroker.authenticateAgent(password),
            acl: new TopicAcl(topics(config.topicPrefix)),
            log,
          };
    const tls = config.tls === undefined ? undefined : await readTlsFiles(config.tls.certFile, config.tls.keyFile);
    let mqttUrl = config.brokerUrl;
    if (mqttUrl === undefined) {
      const broker = await startEmbeddedBroker(config.host, config.mqttPort, brokerAccess, tls, brokerLimits(config.limits), log);
      closers.push(() => broker.close());
      mqttUrl = broker.url;
    }

    const names = topics(config.topicPrefix);
    const embedded = config.brokerUrl === undefined;
    // An external broker keeps QoS 1: only the embedded one was measured, and a broker's queue limits may treat QoS 0 apart.
    const connection = await connectToBroker(mqttUrl, log, {
      ...defined({ credentials: brokerAccess?.controlPlane, trusted: embedded ? tls?.trusted : undefined }),
      reportQos: embedded ? 0 : 1,
    });
    const signer = await DesiredStateSigner.load(config.signingKeyFile);
    const services = createServices({
      store,
      publisher: connection,
      topics: names,
      log,
      signer,
      ...defined({ cluster }),
    });
    closers.push(async () => {
      await connection.close();
      await services.ingest.idle();
    });

    // Agents still alive re-announce themselves: retained births on an external broker, reconnects on the embedded one.
    // Replicas sharing a database leave presence alone: the others are running, and the broker's retained statuses are current.
    if (cluster === undefined) await store.markAllAgentsOffline();
    else await cluster.ready;
    await connection.subscribe([names.allAgentStatus, names.allAgentEvents], (topic, payload) => services.ingest.handle(topic, payload));

    await services.actions.expireDue();
    await services.actions.republishAll();
    connection.onReconnect(() => {
      services.actions.republishAll().catch((err: unknown) => log(`could not republish desired state: ${errorMessage(err)}`));
    });
    const sweeper = startSweeper(services.actions, SWEEP_INTERVAL_MS, log);
    closers.push(() => sweeper.stop());

    const { security, firstAdminToken } = await setUpSecurity(
      config,
      store.db,
      store,
      () => new Date(),
      { actions: (id) => services.actions.get(id) },
      process.env,
    );
    closers.push(() => security.audit.trail.close());
    const app = createApp({ ...services, security });
    const http = await serveApp(app, config.host, config.port, tls);
    closers.push(() => http.close());
    // Live streams end first, or the HTTP server would wait on them.
    closers.push(async () => services.events.close());

    let closing: Promise<void> | undefined;
    return {
      url: http.url,
      // An external broker's URL may carry the control plane's password.
      mqttUrl: redactUrl(mqttUrl),
      embeddedBroker: config.brokerUrl === undefined,
      dbPath: database,
      app,
      ...defined({ firstAdminToken }),
      signing: { publicKey: signer.publicKey, keyFile: signer.path, created: signer.created },
      async issueToken(name, role, { replacingSameName = false, tags, agents } = {}) {
        if (replacingSameName) await security.auth.tokens.revokeNamed(name);
        const scope = { ...defined({ tags }), ...defined({ agents }) };
        return (await security.auth.tokens.create({ name, role, createdBy: 'liveprobe up', ...scope })).secret;
      },
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
