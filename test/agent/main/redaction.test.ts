import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redaction } from '../../../agent/src/main/redaction.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS, type RedactionSettings } from '../../../agent/src/settings/redaction-settings.js';

const defaults: RedactionSettings = { keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] };

test('key names match word by word, in any case and any separator style', () => {
  const redaction = new Redaction(defaults);
  for (const key of [
    'password',
    'userPassword',
    'PASSWORD',
    'db_password',
    'x-api-key',
    'apiKey',
    'API_KEY',
    'apikey',
    'accessToken',
    'csrf-token',
    'set-cookie',
    'Authorization',
    'creditCardNumber',
    'card_number',
    'cvv',
    'ssn',
    'clientSecret',
    'privateKey',
    'sessionId',
  ]) {
    assert.equal(redaction.isSecretKey(key), true, key);
  }
  for (const key of ['className', 'tokenizer', 'passage', 'id', 'name', 'secretary', 'keyboard', 'cardinality', 'lessons', 'email']) {
    assert.equal(redaction.isSecretKey(key), false, key);
  }
});

test("exact keys (the blocklist's variables) hide only that name", () => {
  const redaction = new Redaction({ ...defaults, exactKeys: ['dbConfig'] });
  assert.equal(redaction.isSecretKey('dbConfig'), true);
  assert.equal(redaction.isSecretKey('dbConfigs'), false);
});

test('card numbers are masked only when they pass Luhn and look like a card', () => {
  const redaction = new Redaction(defaults);
  assert.equal(redaction.scrub('pay 4111111111111111 now'), 'pay [REDACTED] now');
  assert.equal(redaction.scrub('pay 4111-1111-1111-1111.'), 'pay [REDACTED].');
  assert.equal(redaction.scrub('amex 3782 822463 10005'), 'amex [REDACTED]');
  assert.equal(redaction.scrub('not a card 4111111111111112'), 'not a card 4111111111111112');
  assert.equal(redaction.scrub('timestamp 1700000000000'), 'timestamp 1700000000000');
  assert.equal(redaction.scrub('order 12345'), 'order 12345');
});

test('bearer and basic credentials and JWTs are masked; emails only when asked for', () => {
  const redaction = new Redaction(defaults);
  assert.equal(redaction.scrub('Authorization: Bearer abc.def-ghi_jkl'), 'Authorization: Bearer [REDACTED]');
  assert.equal(redaction.scrub('basic dXNlcjpwYXNzd29yZA=='), 'basic [REDACTED]');
  assert.equal(redaction.scrub('t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'), 't=[REDACTED]');
  assert.equal(redaction.scrub('mail ann@example.com'), 'mail ann@example.com');
  assert.equal(new Redaction({ ...defaults, patterns: [...DEFAULT_PATTERNS, 'email'] }).scrub('mail ann@example.com!'), 'mail [REDACTED]!');
});

test("the agent owner's own patterns are masked too", () => {
  const redaction = new Redaction({ ...defaults, regexes: ['ACCT-\\d{6}'] });
  assert.equal(redaction.scrub('account acct-123456 closed'), 'account [REDACTED] closed');
});

test('a RegExp.prototype.exec the app patched later is not the one redaction calls', () => {
  const redaction = new Redaction(defaults);
  const original = Object.getOwnPropertyDescriptor(RegExp.prototype, 'exec')!;
  let called = 0;
  Object.defineProperty(RegExp.prototype, 'exec', {
    ...original,
    value(this: RegExp, s: string) {
      called++;
      return original.value.call(this, s);
    },
  });
  try {
    assert.equal(redaction.scrub('4111111111111111'), '[REDACTED]');
  } finally {
    Object.defineProperty(RegExp.prototype, 'exec', original);
  }
  assert.equal(called, 0);
});

test('plurals, numbered copies and common shapes of secret names are hidden, in any case', () => {
  const redaction = new Redaction(defaults);
  for (const key of [
    'passwords',
    'PASSWORDS',
    'userPasswords',
    'password2',
    'tokens',
    'refreshTokens',
    'secrets',
    'cookies',
    'Cookie',
    'credentials',
    'awsCredentials',
    'auth',
    'Auth',
    'x-auth-token',
    'OAuth',
    'apiKeys',
    'X-API-KEY',
    'sessionId',
    'SESSION_ID',
    'sessionid',
    'jwt',
    'idJwt',
  ]) {
    assert.equal(redaction.isSecretKey(key), true, key);
  }
  for (const key of ['author', 'authorName', 'keys', 'session', 'status', 'address', 'access', 'tokenizers', 'cookbook', 'credit']) {
    assert.equal(redaction.isSecretKey(key), false, key);
  }
});

test('the value half of a raw header list (req.rawHeaders) is hidden when its name is a secret', () => {
  const redaction = new Redaction(defaults);
  const raw = ['Host', 'shop.test', 'Cookie', 'sid=abc', 'authorization', 'Bearer x', 'X-Api-Key', 'k1', 'Accept', '*/*'];
  assert.deepEqual(
    raw.map((_, i) => redaction.hidesPairedItem(raw, i)),
    [false, false, false, true, false, true, false, true, false, false],
  );
  // An odd-length list is not name/value pairs.
  assert.equal(redaction.hidesPairedItem(['Cookie', 'sid=abc', 'x'], 1), false);
});

test('passwords in URLs and secret-named parameters are masked; other parameters stay', () => {
  const redaction = new Redaction(defaults);
  assert.equal(redaction.scrub('postgres://app:hunter2@db:5432/shop'), 'postgres://app:[REDACTED]@db:5432/shop');
  assert.equal(redaction.scrub('connect amqps://u:p%40ss@mq/vhost ok'), 'connect amqps://u:[REDACTED]@mq/vhost ok');
  assert.equal(
    redaction.scrub('https://shop.test/login?user=ann&password=hunter2&next=/'),
    'https://shop.test/login?user=ann&password=[REDACTED]&next=/',
  );
  assert.equal(redaction.scrub('/cb?access_token=abc123&state=xyz'), '/cb?access_token=[REDACTED]&state=xyz');
  assert.equal(redaction.scrub('user=ann&Passwords=a;b'), 'user=ann&Passwords=[REDACTED];b');
  assert.equal(redaction.scrub('retry with apiKey=k-99 soon'), 'retry with apiKey=[REDACTED] soon');
  assert.equal(redaction.scrub('https://shop.test/items?page=2&sort=asc'), 'https://shop.test/items?page=2&sort=asc');
  assert.equal(redaction.scrub('mailto ann@example.com'), 'mailto ann@example.com');
});

test('card numbers separated by dots, and card numbers held as numbers, are hidden', () => {
  const redaction = new Redaction(defaults);
  assert.equal(redaction.scrub('card 4111.1111.1111.1111 ok'), 'card [REDACTED] ok');
  assert.equal(redaction.scrub('amex 3782.822463.10005'), 'amex [REDACTED]');
  assert.equal(redaction.scrub('version 4.1.11'), 'version 4.1.11');
  assert.equal(redaction.scrub('pi 3.1415926535897932'), 'pi 3.1415926535897932');
  assert.equal(redaction.hidesNumber(4111111111111111), true);
  assert.equal(redaction.hidesNumber(4111111111111111n), true);
  assert.equal(redaction.hidesNumber(4111111111111112), false);
  assert.equal(redaction.hidesNumber(1700000000000), false);
  assert.equal(redaction.hidesNumber(42), false);
  assert.equal(new Redaction({ ...defaults, patterns: [] }).hidesNumber(4111111111111111), false);
});
