// liveprobe as an OpenTelemetry instrumentation: listed with the others in the Node SDK,
// `new NodeSDK({ instrumentations: [getNodeAutoInstrumentations(), new LiveprobeInstrumentation()] })`,
// it starts the agent in the app's process, and the agent's log records, snapshot spans and
// metric points go through the SDK's own logger, tracer and meter providers (its resource,
// processors, metric readers and exporters).
// CommonJS, so a CommonJS app can require it on every Node 20 release; ESM apps import it too.
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';

export interface LiveprobeInstrumentationConfig extends InstrumentationConfig {
  /** The MQTT broker (LIVEPROBE_BROKER_URL); the environment's when absent. */
  brokerUrl?: string;
  /** This agent's tags (LIVEPROBE_TAGS). */
  tags?: string[];
  /** This agent's id (LIVEPROBE_AGENT_ID). */
  agentId?: string;
}

/** Where the agent's main thread finds the providers the SDK handed to this instrumentation (app-otel.ts). */
const PROVIDERS_KEY = Symbol.for('liveprobe.otel.providers');
const VERSION = '0.1.0';

interface GivenProviders {
  loggerProvider?: LoggerProvider;
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  /** The agent's main thread, told of each MeterProvider (app-otel.ts): it checks whether it collects. */
  meterProviderSet?: () => void;
}

function given(): GivenProviders {
  const holder = globalThis as Record<symbol, GivenProviders | undefined>;
  let providers = holder[PROVIDERS_KEY];
  if (providers === undefined) {
    providers = {};
    Object.defineProperty(globalThis, PROVIDERS_KEY, { value: providers, enumerable: false });
  }
  return providers;
}

function settingsOf(config: LiveprobeInstrumentationConfig): Record<string, string> {
  return {
    ...(config.brokerUrl === undefined ? {} : { LIVEPROBE_BROKER_URL: config.brokerUrl }),
    ...(config.tags === undefined ? {} : { LIVEPROBE_TAGS: config.tags.join(',') }),
    ...(config.agentId === undefined ? {} : { LIVEPROBE_AGENT_ID: config.agentId }),
  };
}

const fail = (err: unknown): void => {
  process.stderr.write(`[liveprobe] the agent could not start and is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
};

type AgentMain = { startAgent(settings?: Record<string, string>): void };
/** The agent's entry as bundled after tsc (agent/scripts/bundle-agent.mjs): one file costs the app less memory than its modules. */
const AGENT = './bundle/index.js';

export class LiveprobeInstrumentation extends InstrumentationBase<LiveprobeInstrumentationConfig> {
  constructor(config: LiveprobeInstrumentationConfig = {}) {
    super('@liveprobe/agent', VERSION, config);
  }

  /** liveprobe patches no module: it probes code through the inspector and prepared files. */
  protected override init(): [] {
    return [];
  }

  /** Starts the agent once per process (a second instrumentation, or the --import entry as well, changes nothing). */
  override enable(): void {
    const settings = settingsOf(this.getConfig());
    try {
      // Synchronous where Node can require ESM (20.19+), so the first request can already be probed.
      (require(AGENT) as AgentMain).startAgent(settings);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') return fail(err);
      (import(AGENT) as Promise<AgentMain>).then((agent) => agent.startAgent(settings)).catch(fail);
    }
  }

  /** The agent stays for the life of the process; remove its actions to stop probing. */
  override disable(): void {}

  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    given().tracerProvider = tracerProvider;
  }

  /** The SDK hands over the global MeterProvider, then its own once it has a metric reader. */
  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    const providers = given();
    providers.meterProvider = meterProvider;
    providers.meterProviderSet?.();
  }

  override setLoggerProvider(loggerProvider: LoggerProvider): void {
    super.setLoggerProvider(loggerProvider);
    given().loggerProvider = loggerProvider;
  }
}
