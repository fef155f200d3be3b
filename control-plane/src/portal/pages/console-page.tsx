import { LOG_LEVELS } from '@liveprobe/protocol';
import { Layout } from '../layout.js';

export function ConsolePage() {
  return (
    <Layout title="Live console" page="console" script="console-page.js">
      <h1>Live console</h1>
      <p class="lead">
        Output and status from the agents as it happens. Nothing is replayed: lines appear from the moment this page is open.
      </p>
      <div class="toolbar">
        <label>
          Action
          <select id="filter-action" name="action">
            <option value="">all actions</option>
          </select>
        </label>
        <label>
          Agent
          <select id="filter-agent" name="agent">
            <option value="">all agents</option>
          </select>
        </label>
        <label>
          Level
          <select id="filter-level" name="level">
            <option value="">all levels</option>
            {LOG_LEVELS.map((level) => (
              <option value={level}>{`${level} and above`}</option>
            ))}
          </select>
        </label>
        <button type="button" id="pause">
          Pause
        </button>
        <button type="button" id="clear">
          Clear
        </button>
        <span id="stream-state" class="state" role="status">
          connecting…
        </span>
      </div>
      <div class="console" id="console">
        <ol id="console-lines" aria-live="polite"></ol>
        <p class="placeholder" id="console-placeholder">
          waiting for events…
        </p>
      </div>
    </Layout>
  );
}
