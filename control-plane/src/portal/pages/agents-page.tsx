import { Layout } from '../layout.js';

export function AgentsPage() {
  return (
    <Layout title="Agents" page="agents" script="agents-page.js">
      <h1>Agents</h1>
      <p class="lead">Processes running the liveprobe agent. An agent is online from its birth message until its Last Will.</p>
      <div class="toolbar">
        <label>
          Tag
          <select id="tag-filter" name="tag">
            <option value="">all tags</option>
          </select>
        </label>
        <span id="refresh-state" class="state"></span>
      </div>
      <table id="agents">
        <thead>
          <tr>
            <th>Agent</th>
            <th>Status</th>
            <th>Tags</th>
            <th>Runtime</th>
            <th>Agent version</th>
            <th>Host / PID</th>
            <th>Started</th>
            <th>Last seen</th>
            <th title="files prepared at load time (LIVEPROBE_PREPARE); untouched ones take actions as breakpoints">Prepared</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td class="empty" colspan={9}>
              loading…
            </td>
          </tr>
        </tbody>
      </table>
    </Layout>
  );
}
