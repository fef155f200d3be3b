import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../../agent/src/settings/agent-config.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { tempDir } from '../../helpers/index.js';

test('with nothing configured, the default key names and patterns are redacted, nothing is blocked, and the default limits apply', () => {
  const config = readConfig({});
  assert.deepEqual(config.redaction, { keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] });
  assert.deepEqual(config.blocklist, { files: [], functions: [], variables: [] });
  assert.deepEqual(config.capture, DEFAULT_CAPTURE_LIMITS);
});

test('LIVEPROBE_REDACT_* add keys, choose patterns and turn emails on; LIVEPROBE_BLOCK_* fill the blocklist', () => {
  const config = readConfig({
    LIVEPROBE_REDACT_KEYS: 'customer_ref, iban',
    LIVEPROBE_REDACT_PATTERNS: 'card',
    LIVEPROBE_REDACT_EMAILS: 'true',
    LIVEPROBE_BLOCK_FILES: 'src/auth/**, **/secrets.js',
    LIVEPROBE_BLOCK_FUNCTIONS: 'hashPassword,*Token*',
    LIVEPROBE_BLOCK_VARIABLES: 'dbConfig',
    LIVEPROBE_CAPTURE_DEPTH: '5',
    LIVEPROBE_CAPTURE_BYTES: '4096',
  });
  assert.deepEqual(config.redaction.keys.slice(-2), ['customer_ref', 'iban']);
  assert.deepEqual(config.redaction.patterns, ['card', 'email']);
  assert.deepEqual(config.redaction.exactKeys, ['dbConfig'], 'a blocked variable is also hidden inside captured values');
  assert.deepEqual(config.blocklist, {
    files: ['src/auth/**', '**/secrets.js'],
    functions: ['hashPassword', '*Token*'],
    variables: ['dbConfig'],
  });
  assert.equal(config.capture.depth, 5);
  assert.equal(config.capture.totalBytes, 4096);
  assert.deepEqual(readConfig({ LIVEPROBE_REDACT_PATTERNS: 'none' }).redaction.patterns, []);
});

test("LIVEPROBE_CONFIG adds its lists to the environment's; the environment wins for single values", async (t) => {
  const temp = await tempDir();
  t.after(() => temp.remove());
  const dir = temp.path;
  const file = join(dir, 'agent.json');
  writeFileSync(
    file,
    JSON.stringify({
      redact: { keys: ['iban'], regexes: ['ACCT-\\d+'], emails: true },
      block: { files: ['src/billing/**'], variables: ['vault'] },
      capture: { depth: 2, stringLength: 64 },
    }),
  );
  const config = readConfig({ LIVEPROBE_CONFIG: file, LIVEPROBE_BLOCK_VARIABLES: 'dbConfig', LIVEPROBE_CAPTURE_DEPTH: '4' });
  assert.ok(config.redaction.keys.includes('iban'));
  assert.deepEqual(config.redaction.regexes, ['ACCT-\\d+']);
  assert.ok(config.redaction.patterns.includes('email'));
  assert.deepEqual(config.blocklist.files, ['src/billing/**']);
  assert.deepEqual(config.blocklist.variables, ['dbConfig', 'vault']);
  assert.equal(config.capture.depth, 4);
  assert.equal(config.capture.stringLength, 64);
});

test("every mistake in the agent's privacy settings names the setting and how to fix it", async (t) => {
  const temp = await tempDir();
  t.after(() => temp.remove());
  const dir = temp.path;
  const write = (name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, body);
    return path;
  };
  const cases: [env: NodeJS.ProcessEnv, message: RegExp][] = [
    [
      { LIVEPROBE_REDACT_PATTERNS: 'cards' },
      /LIVEPROBE_REDACT_PATTERNS: "cards" is not a built-in pattern; use card, bearer, jwt, url, email or none/,
    ],
    [{ LIVEPROBE_REDACT_EMAILS: 'maybe' }, /LIVEPROBE_REDACT_EMAILS: "maybe" is not true or false/],
    [{ LIVEPROBE_CAPTURE_DEPTH: '-1' }, /LIVEPROBE_CAPTURE_DEPTH: "-1" must be a positive integer/],
    [{ LIVEPROBE_CAPTURE_BYTES: '10' }, /LIVEPROBE_CAPTURE_BYTES: 10 bytes cannot hold a useful capture; use at least 64/],
    [
      { LIVEPROBE_CONFIG: join(dir, 'missing.json') },
      /LIVEPROBE_CONFIG: cannot read .*missing\.json \(ENOENT\); fix the path or unset the variable/,
    ],
    [{ LIVEPROBE_CONFIG: write('bad.json', '{') }, /LIVEPROBE_CONFIG: .*bad\.json is not valid JSON/],
    [
      { LIVEPROBE_CONFIG: write('extra.json', '{"redaction": {}}') },
      /`redaction` is not a setting; use "redact", "block", "capture", "quotas", "prepare" or "output"/,
    ],
    [
      { LIVEPROBE_CONFIG: write('field.json', '{"block": {"paths": []}}') },
      /`block\.paths` is not a setting; use one of block\.files, block\.functions, block\.variables/,
    ],
    [{ LIVEPROBE_CONFIG: write('type.json', '{"block": {"files": "src/**"}}') }, /`block\.files` must be an array of strings/],
    [
      { LIVEPROBE_CONFIG: write('regex.json', '{"redact": {"regexes": ["("]}}') },
      /regex\.json: `redact\.regexes`: "\(" is not a valid regular expression/,
    ],
    [
      { LIVEPROBE_CONFIG: write('pattern.json', '{"redact": {"patterns": ["cards"]}}') },
      /pattern\.json: `redact\.patterns`: "cards" is not a built-in pattern; use card, bearer, jwt, url, email or none/,
    ],
    [
      { LIVEPROBE_CONFIG: write('bytes.json', '{"capture": {"totalBytes": 10}}') },
      /bytes\.json: `capture\.totalBytes`: 10 bytes cannot hold a useful capture; use at least 64/,
    ],
    [
      { LIVEPROBE_CONFIG: write('quota.json', '{"quotas": {"hitsPerSecond": "5"}}') },
      /quota\.json: `quotas\.hitsPerSecond` must be a number, 0 or more \(0 turns the limit off\)/,
    ],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => readConfig(env),
      (err: Error) => {
        assert.equal(err.name, 'AgentConfigError');
        assert.match(err.message, message);
        return true;
      },
    );
  }
});
