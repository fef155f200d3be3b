/**
 * Applies the agent's config file again when it changes (docs/architecture.md §8: settings apply
 * without restarting the app). The file is read and checked as at start-up, the environment
 * still wins, and a file that no longer checks out leaves the settings in use untouched: a
 * mistake while editing must never turn off the redaction of a running agent, or the agent.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { AgentConfigError } from '../settings/config-error.js';
import { readConfigFile, type ConfigFileRead } from '../settings/config-file.js';
import { readSettings, type AgentSettings } from '../settings/agent-config.js';
import { settingsChanges, type SettingsChanges } from './settings-changes.js';

export interface SettingsReloadOptions {
  /** The LIVEPROBE_CONFIG file. */
  path: string;
  /** The environment the agent started with: its LIVEPROBE_* variables still win over the file. */
  env: NodeJS.ProcessEnv;
  /** The settings in use, and the `prepare` section the process started with. */
  settings: AgentSettings;
  prepare: string | undefined;
  /** Puts new settings into effect; resolves once no hit uses the previous ones. */
  apply: (settings: AgentSettings, changes: SettingsChanges) => Promise<void>;
  log: (line: string) => void;
}

export class SettingsReload {
  private settings: AgentSettings;
  private prepare: string | undefined;
  /** The last complaint, so a broken file saved again is not reported twice. */
  private complaint: string | undefined;

  constructor(private readonly options: SettingsReloadOptions) {
    this.settings = options.settings;
    this.prepare = options.prepare;
  }

  /** The file may have changed: read it, and apply what changed. Never throws. */
  reload(): void {
    const { path, log } = this.options;
    let read: ConfigFileRead;
    let next: AgentSettings;
    try {
      read = readConfigFile(path);
      next = readSettings(this.options.env, read.settings);
    } catch (err) {
      const message =
        err instanceof AgentConfigError ? err.message : `LIVEPROBE_CONFIG: could not read ${path} again (${errorMessage(err)})`;
      if (message !== this.complaint) log(`${message}; keeping the settings in use until the file is fixed`);
      this.complaint = message;
      return;
    }
    this.complaint = undefined;
    const prepareChanged = read.prepare !== this.prepare;
    if (prepareChanged) {
      this.prepare = read.prepare;
      log(`LIVEPROBE_CONFIG: ${path}: \`prepare\` changed; files are prepared as they load, so it takes effect when the app starts again`);
    }
    const changes = settingsChanges(this.settings, next);
    if (changes.described.length === 0) {
      // Say so, or an edit the environment overrides looks ignored.
      if (!prepareChanged) log(`LIVEPROBE_CONFIG: reloaded ${path}: no setting changed in effect`);
      return;
    }
    this.settings = next;
    this.options.apply(next, changes).then(
      () => log(`LIVEPROBE_CONFIG: reloaded ${path}: ${changes.described.join('; ')}`),
      (err: unknown) => log(`LIVEPROBE_CONFIG: reloaded ${path}, but could not apply all of it: ${errorMessage(err)}`),
    );
  }
}
