import {
  DEFAULT_EXCEPTION_FRAMES,
  DEFAULT_EXCEPTION_MAX_HITS,
  DEFAULT_EXCEPTION_RATE,
  DEFAULT_EXPIRES_IN,
  DEFAULT_MAX_HITS,
  LOG_LEVELS,
  MAX_EXCEPTION_FRAMES,
  MAX_METRIC_ATTRIBUTES,
  MAX_WATCHES,
  METRIC_ACTION_TYPES,
  METRIC_MAX_HITS,
} from '@liveprobe/protocol';
import type { Child } from 'hono/jsx';
import { Layout } from '../layout.js';

/** The element id of a field: `toc.line` is `field-toc-line`, as a dot would read as a class in a CSS selector. */
const idOf = (name: string) => name.replace(/\./g, '-');

/**
 * A labelled input with the place where the server's complaint about it appears. `name` is the
 * body's path (`toc.line`), so an issue at that path finds it; `types` are the action types the
 * field belongs to (all when absent), and the form shows it only for those.
 */
function Field({
  name,
  label,
  hint,
  size,
  types,
  children,
}: {
  name: string;
  label: string;
  hint?: string;
  size?: 'wide' | 'full';
  types?: readonly string[];
  children: Child;
}) {
  return (
    <div class={`field${size === undefined ? '' : ` ${size}`}`} data-field={name} data-types={types?.join(' ')}>
      <label for={`field-${idOf(name)}`}>{label}</label>
      {children}
      {hint === undefined ? null : <span class="hint">{hint}</span>}
      <p class="field-error" data-error-for={name} id={`error-${idOf(name)}`} aria-live="polite"></p>
    </div>
  );
}

const METRICS = METRIC_ACTION_TYPES;
/** Every type but `exception`, which has no line: it catches errors wherever they are thrown. */
const AT_A_LINE = ['log', 'snapshot', ...METRICS];

export function ActionsPage() {
  return (
    <Layout title="Actions" page="actions" script="actions-page.js">
      <h1>Actions</h1>
      <p class="lead">What the agents do at a line of running code. Actions always expire; removing one takes it out of every agent.</p>

      <section class="panel" aria-labelledby="add-title">
        <h2 id="add-title" style="margin-top:0">
          Add an action
        </h2>
        <form id="action-form" class="action-form" novalidate>
          <Field name="type" label="Type">
            <select id="field-type" name="type">
              <option value="log">log: print a message</option>
              <option value="snapshot">snapshot: capture stack and variables</option>
              <option value="counter">counter: count the hits of a line</option>
              <option value="tictoc">tictoc: time from one line to another</option>
              <option value="duration">duration: time a whole function</option>
              <option value="metric">metric: record an expression's value</option>
              <option value="exception">exception: capture thrown errors</option>
            </select>
          </Field>
          <Field name="file" label="File" hint="as in your editor, e.g. src/orders.ts" size="wide" types={AT_A_LINE}>
            <input id="field-file" name="file" type="text" placeholder="src/orders.ts" aria-describedby="error-file" />
          </Field>
          <Field name="line" label="Line" types={AT_A_LINE}>
            <input id="field-line" name="line" type="number" min="1" placeholder="42" aria-describedby="error-line" />
          </Field>
          <Field name="template" label="Message template" hint="{expressions} are evaluated at the line" size="wide" types={['log']}>
            <input
              id="field-template"
              name="template"
              type="text"
              placeholder="order {order.id} for {user.name}"
              aria-describedby="error-template"
            />
          </Field>
          <Field name="level" label="Level" types={['log']}>
            <select id="field-level" name="level">
              {LOG_LEVELS.map((level) => (
                <option value={level} selected={level === 'info'}>
                  {level}
                </option>
              ))}
            </select>
          </Field>
          <Field name="outputs" label="Outputs" hint="otel, live, console, logger; blank: the agent's default" types={['log']}>
            <input id="field-outputs" name="outputs" type="text" placeholder="otel, live" aria-describedby="error-outputs" />
          </Field>
          <Field name="watches" label="Watch expressions" hint={`one per line, at most ${MAX_WATCHES}`} size="wide" types={['snapshot']}>
            <textarea
              id="field-watches"
              name="watches"
              rows={3}
              placeholder={'order.id\nlen(order.lines)'}
              aria-describedby="error-watches"
            ></textarea>
          </Field>
          <Field name="name" label="Metric name" hint="letters, digits, _ . - /" types={METRICS}>
            <input id="field-name" name="name" type="text" placeholder="shop.checkout.amount" aria-describedby="error-name" />
          </Field>
          <Field
            name="function"
            label="Function (or a line inside it)"
            hint="name or Class.method; leave empty to give a line"
            types={['duration']}
          >
            <input id="field-function" name="function" type="text" placeholder="checkout" aria-describedby="error-function" />
          </Field>
          <Field name="expression" label="Expression" hint="its value at the line is recorded" size="wide" types={['metric']}>
            <input id="field-expression" name="expression" type="text" placeholder="order.amount" aria-describedby="error-expression" />
          </Field>
          <Field name="instrument" label="Instrument" types={['metric']}>
            <select id="field-instrument" name="instrument">
              <option value="histogram" selected>
                histogram
              </option>
              <option value="gauge">gauge</option>
            </select>
          </Field>
          <Field
            name="toc.file"
            label="Toc file (optional)"
            hint="where timing stops; the line above starts it"
            size="wide"
            types={['tictoc']}
          >
            <input id="field-toc-file" name="toc.file" type="text" placeholder="the same file" aria-describedby="error-toc-file" />
          </Field>
          <Field name="toc.line" label="Toc line" types={['tictoc']}>
            <input id="field-toc-line" name="toc.line" type="number" min="1" placeholder="57" aria-describedby="error-toc-line" />
          </Field>
          <Field name="unit" label="Unit (optional)" hint="e.g. ms, By, {order}" types={['counter', 'metric']}>
            <input id="field-unit" name="unit" type="text" data-counter-default="{hit}" aria-describedby="error-unit" />
          </Field>
          <Field
            name="attributes"
            label="Attributes (optional)"
            hint={`one key = expression per line, at most ${MAX_METRIC_ATTRIBUTES}`}
            size="wide"
            types={METRICS}
          >
            <textarea
              id="field-attributes"
              name="attributes"
              rows={2}
              placeholder={'tier = user.tier'}
              aria-describedby="error-attributes"
            ></textarea>
          </Field>
          <Field name="description" label="Description (optional)" size="wide" types={METRICS}>
            <input id="field-description" name="description" type="text" aria-describedby="error-description" />
          </Field>
          <Field name="errorType" label="Error type (optional)" hint="the class or a base class; empty: any error" types={['exception']}>
            <input id="field-errorType" name="errorType" type="text" placeholder="TypeError" aria-describedby="error-errorType" />
          </Field>
          <Field
            name="messagePattern"
            label="Message pattern (optional)"
            hint="a regular expression; empty: any message"
            size="wide"
            types={['exception']}
          >
            <input
              id="field-messagePattern"
              name="messagePattern"
              type="text"
              placeholder="timeout|ECONNRESET"
              aria-describedby="error-messagePattern"
            />
          </Field>
          <Field
            name="files"
            label="Files (optional)"
            hint="where the error is thrown: globs, one per line; empty: any file"
            size="wide"
            types={['exception']}
          >
            <textarea id="field-files" name="files" rows={2} placeholder="src/**" aria-describedby="error-files"></textarea>
          </Field>
          <Field name="ratePerMinute" label="Snapshots a minute per stack" types={['exception']}>
            <input
              id="field-ratePerMinute"
              name="ratePerMinute"
              type="number"
              min="1"
              placeholder={String(DEFAULT_EXCEPTION_RATE)}
              aria-describedby="error-ratePerMinute"
            />
          </Field>
          <Field
            name="frames"
            label="Frames captured"
            hint={`from the throw site outwards, 1-${MAX_EXCEPTION_FRAMES}`}
            types={['exception']}
          >
            <input
              id="field-frames"
              name="frames"
              type="number"
              min="1"
              max={String(MAX_EXCEPTION_FRAMES)}
              placeholder={String(DEFAULT_EXCEPTION_FRAMES)}
              aria-describedby="error-frames"
            />
          </Field>
          <Field name="condition" label="Condition (optional)" hint="only when this is true" size="wide" types={AT_A_LINE}>
            <input id="field-condition" name="condition" type="text" placeholder="amount > 100" aria-describedby="error-condition" />
          </Field>
          <Field name="tags" label="Tags" hint="comma-separated">
            <input id="field-tags" name="tags" type="text" placeholder="production" aria-describedby="error-tags" />
          </Field>
          <Field name="agents" label="Agent ids" hint="comma-separated">
            <input id="field-agents" name="agents" type="text" aria-describedby="error-agents" />
          </Field>
          <Field name="maxHits" label="Max hits">
            <input
              id="field-maxHits"
              name="maxHits"
              type="number"
              min="1"
              placeholder={String(DEFAULT_MAX_HITS)}
              data-log-default={String(DEFAULT_MAX_HITS)}
              data-snapshot-default="1"
              data-exception-default={String(DEFAULT_EXCEPTION_MAX_HITS)}
              {...Object.fromEntries(METRICS.map((type) => [`data-${type}-default`, String(METRIC_MAX_HITS)]))}
              aria-describedby="error-maxHits"
            />
          </Field>
          <Field name="expiresIn" label="Expires in">
            <input id="field-expiresIn" name="expiresIn" type="text" placeholder={DEFAULT_EXPIRES_IN} aria-describedby="error-expiresIn" />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary">
              Add action
            </button>
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
            <td class="empty" colspan={9}>
              loading…
            </td>
          </tr>
        </tbody>
      </table>
    </Layout>
  );
}
