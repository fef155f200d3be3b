import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpression, checkTemplate, type Expr } from '@liveprobe/protocol';
import { fileURLToPath } from 'node:url';
import { AgentFileError } from '../../../agent/src/locate/agent-files.js';
import { BlockedByAgentError, Blocklist, namesRead } from '../../../agent/src/locate/blocklist.js';

const blocklist = new Blocklist({
  files: ['src/auth/**', '**/secrets.js', '/etc/app/*.js'],
  functions: ['hashPassword', '*Token*'],
  variables: ['dbConfig', 'vault'],
});
const exprs = (...sources: string[]): Expr[] => sources.map((s) => checkExpression(s).expr);

function blockedBy(target: Parameters<Blocklist['check']>[0]): string {
  try {
    blocklist.check(target);
  } catch (err) {
    assert.ok(err instanceof BlockedByAgentError);
    assert.equal(err.code, 'blocked_by_agent');
    return err.message;
  }
  return 'not blocked';
}

test('file globs match at any directory boundary, file URLs and Windows paths included', () => {
  assert.match(
    blockedBy({ files: ['/srv/app/src/auth/login.js'], expressions: [] }),
    /^file `\/srv\/app\/src\/auth\/login\.js` is blocked by this agent's configuration \(blocklist rule files: `src\/auth\/\*\*`\)/,
  );
  assert.match(blockedBy({ files: ['file:///srv/app/lib/secrets.js'], expressions: [] }), /rule files: `\*\*\/secrets\.js`/);
  assert.match(blockedBy({ files: ['C:\\app\\src\\auth\\a.ts'], expressions: [] }), /rule files: `src\/auth\/\*\*`/);
  assert.match(blockedBy({ files: ['secrets.js'], expressions: [] }), /rule files/);
  assert.match(blockedBy({ files: ['/etc/app/x.js'], expressions: [] }), /rule files: `\/etc\/app\/\*\.js`/);
  assert.equal(
    blockedBy({ files: ['/srv/app/src/authz/x.js', '/srv/mysrc/auth/x.js', '/other/etc/app/x.js', '/etc/app/sub/x.js'], expressions: [] }),
    'not blocked',
  );
});

test('function patterns and variable names block an action, and the message says what to do', () => {
  assert.match(
    blockedBy({ files: ['a.js'], functionName: 'hashPassword', expressions: [] }),
    /^function `hashPassword` is blocked .* rule functions: `hashPassword`.*Probe another line, or change the agent's LIVEPROBE_BLOCK_\* settings or the `block` section of its LIVEPROBE_CONFIG file$/,
  );
  assert.match(blockedBy({ files: ['a.js'], functionName: 'refreshAccessTokens', expressions: [] }), /rule functions: `\*Token\*`/);
  assert.match(
    blockedBy({ files: ['a.js'], expressions: exprs('dbConfig.host') }),
    /^variable `dbConfig` is blocked .*rule variables: `dbConfig`/,
  );
  assert.match(blockedBy({ files: ['a.js'], expressions: exprs('this.vault != null') }), /variable `vault`/);
  assert.match(blockedBy({ files: ['a.js'], expressions: exprs('cfg["vault"]') }), /variable `vault`/);
  assert.equal(blockedBy({ files: ['a.js'], functionName: 'hash', expressions: exprs('has(cfg, "vault")', 'vaults') }), 'not blocked');
  assert.equal(blocklist.isBlockedVariable('vault'), true);
});

test('names read are collected from every part of an expression', () => {
  const template = checkTemplate('{a.b} {c ? d[e] : f.startsWith(g)} {len(h)} {[i]}');
  const names = template.parts.flatMap((p) => ('expr' in p ? namesRead(p.expr) : []));
  assert.deepEqual(names, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
});

test("the agent's own files are refused whatever the blocklist says, under every name they go by", () => {
  const open = new Blocklist({ files: [], functions: [], variables: [] });
  const agentDir = fileURLToPath(new URL('../../../agent/', import.meta.url));
  for (const file of [
    'node_modules/@liveprobe/agent/dist/main/probe-hook.js',
    '/srv/app/node_modules/@liveprobe/agent/dist/main/compile.js',
    'file:///srv/app/node_modules/@liveprobe/protocol/dist/index.js',
    'C:\\app\\node_modules\\@liveprobe\\agent\\dist\\worker\\worker.js',
    `${agentDir}dist/main/redaction.js`,
    `${agentDir}src/main/probe-hook.ts`,
    'liveprobe://hook/main/probe-hook.js',
  ]) {
    assert.throws(
      () => open.check({ files: ['src/app.js', file], expressions: [] }),
      (err: unknown) =>
        err instanceof AgentFileError &&
        err.code === 'agent_file' &&
        err.message.startsWith(`file \`${file}\` is part of the liveprobe agent itself; the agent never probes its own code`),
      file,
    );
  }
  for (const file of ['/srv/app/agent/dist/main.js', '/srv/app/node_modules/liveprobe-clone/index.js', 'src/liveprobe/hook.js']) {
    assert.doesNotThrow(() => open.check({ files: [file], expressions: [] }), file);
  }
});
