import { DEFAULT_EXPIRES_IN, DEFAULT_MAX_HITS, LOG_LEVELS, MAX_WATCHES } from '@liveprobe/protocol';
import type { Child } from 'hono/jsx';
import { Layout } from '../layout.js';

/** A labelled input with the place where the server's complaint about it appears. */
function Field({ name, label, hint, size, children }: { name: string; label: string; hint?: string; size?: 'wide' | 'full'; children: Child }) {
  return (
    <div class={`field${size === undefined ? '' : ` ${size}`}`} data-field={name}>
      <label for={`field-${name}`}>{label}</label>
      {children}
      {hint === undefined ? null : <span class="hint">{hint}</span>}
      <p class="field-error" data-error-for={name} id={`error-${name}`} aria-live="polite"></p>
    </div>
  );
}

export function ActionsPage() {
  return (
    <Layout title="Actions" page="actions" script="actions-page.js">
      <h1>Actions</h1>
      <p class="lead">What the agents do at a line of running code. Actions always expire; removing one takes it out of every agent.</p>

      <section class="panel" aria-labelledby="add-title">
        <h2 id="add-title" style="margin-top:0">Add an action</h2>
        <form id="action-form" class="action-form" novalidate>
          <Field name="type" label="Type">
            <select id="field-type" name="type">
              <option value="log">log: print a message</option>
              <option value="snapshot">snapshot: capture stack and variables</option>
            </select>
          </Field>
          <Field name="file" label="File" hint="as in your editor, e.g. src/orders.ts" size="wide">
            <input id="field-file" name="file" type="text" placeholder="src/orders.ts" aria-describedby="error-file" />
          </Field>
          <Field name="line" label="Line">
            <input id="field-line" name="line" type="number" min="1" placeholder="42" aria-describedby="error-line" />
          </Field>
          <Field name="template" label="Message template" hint="{expressions} are evaluated at the line" size="wide">
            <input id="field-template" name="template" type="text" placeholder="order {order.id} for {user.name}" aria-describedby="error-template" />
          </Field>
          <Field name="level" label="Level">
            <select id="field-level" name="level">
              {LOG_LEVELS.map((level) => (
                <option value={level} selected={level === 'info'}>{level}</option>
              ))}
            </select>
          </Field>
          <Field name="watches" label="Watch expressions" hint={`one per line, at most ${MAX_WATCHES}`} size="wide">
            <textarea id="field-watches" name="watches" rows={3} placeholder={'order.id\nlen(order.lines)'} aria-describedby="error-watches"></textarea>
          </Field>
          <Field name="condition" label="Condition (optional)" hint="only when this is true" size="wide">
            <input id="field-condition" name="condition" type="text" placeholder="amount > 100" aria-describedby="error-condition" />
          </Field>
          <Field name="tags" label="Tags" hint="comma-separated">
            <input id="field-tags" name="tags" type="text" placeholder="production" aria-describedby="error-tags" />
          </Field>
          <Field name="agents" label="Agent ids" hint="comma-separated">
            <input id="field-agents" name="agents" type="text" aria-describedby="error-agents" />
          </Field>
          <Field name="maxHits" label="Max hits">
            <input id="field-maxHits" name="maxHits" type="number" min="1" placeholder={String(DEFAULT_MAX_HITS)} data-log-default={String(DEFAULT_MAX_HITS)} data-snapshot-default="1" aria-describedby="error-maxHits" />
          </Field>
          <Field name="expiresIn" label="Expires in">
            <input id="field-expiresIn" name="expiresIn" type="text" placeholder={DEFAULT_EXPIRES_IN} aria-describedby="error-expiresIn" />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary">Add action</button>
            <p id="form-message" class="message" role="status"></p>
          </div>
        </form>
      </section>

      <div class="toolbar">
        <h2 style="margin:0">Current actions</h2>
        <span id="refresh-state" class="state"></span>
      </div>
      <table id="actions">
        <thead>
          <tr>
            <th>Action</th>
            <th>Type</th>
            <th>Location</th>
            <th>What</th>
            <th>Target</th>
            <th>Status per agent</th>
            <th>Hits</th>
            <th>Expires</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td class="empty" colspan={9}>loading…</td>
          </tr>
        </tbody>
      </table>
    </Layout>
  );
}
