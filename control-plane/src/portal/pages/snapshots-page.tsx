import { Layout } from '../layout.js';

export function SnapshotsPage() {
  return (
    <Layout title="Snapshots" page="snapshots" script="snapshots-page.js">
      <h1>Snapshots</h1>
      <p class="lead">What snapshot actions captured, newest first. Each action keeps its newest 100.</p>
      <div class="toolbar">
        <label>
          Action
          <select id="filter-action" name="action">
            <option value="">all actions</option>
          </select>
        </label>
        <span id="refresh-state" class="state"></span>
      </div>
      <table id="snapshots">
        <thead>
          <tr>
            <th>Snapshot</th>
            <th>Captured</th>
            <th>Action</th>
            <th>Agent</th>
            <th>Location</th>
            <th>Stall</th>
            <th>Truncated</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td class="empty" colspan={7}>
              loading…
            </td>
          </tr>
        </tbody>
      </table>
    </Layout>
  );
}
