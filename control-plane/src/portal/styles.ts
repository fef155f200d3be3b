/** The portal's one stylesheet, inlined in every page so nothing is fetched from elsewhere. */
export const styles = `
:root {
  --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --panel: #f6f8fb; --accent: #2f5bd3;
  --ok: #1a7f46; --warn: #a05a00; --bad: #b42318; --info: #2f5bd3;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
}
* { box-sizing: border-box; }
/* Elements the scripts hide stay hidden whatever display their class gives them. */
[hidden] { display: none !important; }
body { margin: 0; background: #fff; }
a { color: var(--accent); }
code, .mono, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #141a26; color: #fff; flex-wrap: wrap; }
header.top .brand { color: #fff; font-weight: 700; text-decoration: none; font-size: 16px; letter-spacing: .02em; }
header.top nav { display: flex; gap: 4px; }
header.top nav a { color: #c9d2e3; text-decoration: none; padding: 6px 10px; border-radius: 6px; }
header.top nav a[aria-current="page"] { background: #2a3346; color: #fff; }
header.top nav a:hover { color: #fff; }
.session { margin-left: auto; display: flex; align-items: center; gap: 8px; color: #c9d2e3; }
.session input { width: 180px; background: #232b3b; border-color: #3a4457; color: #fff; }
.session button { background: #232b3b; border-color: #3a4457; color: #fff; }
main { padding: 20px 24px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
p.lead { margin: 0 0 16px; color: var(--muted); }
.toolbar { display: flex; align-items: end; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.toolbar label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea { border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; background: #fff; }
textarea { resize: vertical; }
button { border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 5px 12px; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); }
button:disabled { opacity: .6; cursor: default; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: var(--panel); }
td.empty { color: var(--muted); text-align: center; padding: 24px; }
td.hits, td.nowrap { white-space: nowrap; }
/* A node_modules path has no break opportunity: without this it widens the table past the screen, and the row's buttons with it. */
td.location, td.status { overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; border: 1px solid currentColor; white-space: nowrap; }
.badge.ok { color: var(--ok); } .badge.off, .badge.muted { color: var(--muted); } .badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); }
.chip { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; margin: 0 4px 2px 0; font-size: 12px; }
.statuses { list-style: none; margin: 4px 0 0; padding: 0; font-size: 12px; color: var(--muted); }
.statuses .bad { color: var(--bad); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
form.action-form { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px 16px; }
form.action-form .field { display: flex; flex-direction: column; gap: 3px; }
form.action-form .field.wide { grid-column: span 2; }
form.action-form .field.full { grid-column: 1 / -1; }
form.action-form label { font-size: 12px; color: var(--muted); }
form.action-form .hint { font-size: 12px; color: var(--muted); }
#form-message .agent-answer { display: block; font-family: var(--mono, monospace); font-size: 12px; }
dialog#edit-dialog { border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; width: min(560px, 90vw); }
dialog#edit-dialog .field { display: flex; flex-direction: column; gap: 3px; margin-bottom: 10px; }
dialog#edit-dialog label, dialog#edit-dialog .field .muted { font-size: 12px; color: var(--muted); margin: 0; }
td.row-controls { white-space: nowrap; }
.field-error { color: var(--bad); font-size: 12px; margin: 0; white-space: pre-wrap; }
.field-error:empty { display: none; }
.field.invalid input, .field.invalid textarea, .field.invalid select { border-color: var(--bad); }
.form-actions { grid-column: 1 / -1; display: flex; align-items: center; gap: 12px; }
.message { padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
.message.error { background: #fdecea; color: var(--bad); }
.message.warning { background: #fff4e0; color: var(--warn); }
.message.success { background: #e8f5ee; color: var(--ok); }
.message:empty { display: none; }
#auth-notice { margin: 0; border-radius: 0; }
.console { border: 1px solid var(--line); border-radius: 8px; background: #0f1420; color: #d7deea; min-height: 320px; max-height: 65vh; overflow: auto; padding: 8px 0; }
.console ol { list-style: none; margin: 0; padding: 0; }
.console li { padding: 2px 12px; white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.console li .time { color: #7d879b; margin-right: 8px; }
.console li .kind { display: inline-block; min-width: 6ch; margin-right: 8px; font-weight: 600; }
.console li .where { color: #8fa3c7; margin-right: 8px; }
.console li.level-warn .kind { color: #f5b74f; } .console li.level-error .kind, .console li.level-fatal .kind { color: #ff7b72; }
.console li.level-info .kind { color: #79c0ff; } .console li.level-debug .kind, .console li.level-trace .kind { color: #9aa4b5; }
.console li.status .kind { color: #a5d6a7; }
.console li.metric .kind { color: #56d4bc; }
.console li.quota { background: #3a2a05; } .console li.quota .kind { color: #f5b74f; }
.console li.dropped { background: #3a1515; } .console li.dropped .kind { color: #ff9b92; }
.console li.snapshot .kind { color: #d2a8ff; } .console li.snapshot a { color: #d2a8ff; }
.console li.connection { color: #7d879b; font-style: italic; }
.console .placeholder { color: #7d879b; padding: 12px; }
.state { font-size: 12px; color: var(--muted); }
.state.live { color: var(--ok); } .state.paused { color: var(--warn); } .state.down { color: var(--bad); }
.snapshot-head dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.snapshot-head dt { color: var(--muted); }
.snapshot-head dd { margin: 0; }
.snapshot-body { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 20px; margin-top: 16px; }
ol.frames { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
ol.frames li { padding: 6px 10px; border-bottom: 1px solid var(--line); }
ol.frames li:last-child { border-bottom: 0; }
ol.frames li.top { background: #eef3ff; }
ol.frames .fn { font-weight: 600; }
ol.frames .loc { display: block; color: var(--muted); font-size: 12px; word-break: break-all; }
.variables section { margin-bottom: 16px; }
.variables h3 { font-size: 13px; margin: 0 0 4px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.tree { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.tree ul { list-style: none; margin: 0; padding-left: 18px; border-left: 1px dotted var(--line); }
.tree li { margin: 1px 0; }
.tree details > summary { cursor: pointer; }
.tree .name { color: #7a3e9d; }
.tree .t-string { color: #0a6b3c; } .tree .t-number, .tree .t-bigint, .tree .t-boolean { color: #1747a6; }
.tree .t-null, .tree .t-undefined { color: var(--muted); }
.tree .marker { color: var(--warn); font-style: italic; }
.tree .kind { color: var(--muted); }
.tree .more { color: var(--muted); font-style: italic; }
.tree .watch-error { color: var(--bad); }
.muted { color: var(--muted); }
@media (max-width: 1000px) { form.action-form { grid-template-columns: repeat(2, minmax(0, 1fr)); } .snapshot-body { grid-template-columns: 1fr; } }
`;
