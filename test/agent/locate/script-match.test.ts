// What the agent suggests when no loaded script matches the file an action names: files of the
// same name elsewhere, names a typo away, else the files of the folder the path names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchScript } from '../../../agent/src/locate/script-match.js';

const NEST_APP = [
  '/srv/app/dist/main.js',
  '/srv/app/src/main.ts',
  '/srv/app/src/users/users.service.ts',
  '/srv/app/src/users/users.controller.ts',
  '/srv/app/src/users/users.module.ts',
  '/srv/app/src/users/dto/create-user.dto.ts',
  '/srv/app/src/articles/articles.service.ts',
  '/srv/app/node_modules/@nestjs/core/users/services.js',
];

test('a name more than a typo away gets the files of the folder it names that share a word with it, nearest first, never a dependency', () => {
  assert.deepEqual(matchScript('src/users/services.ts', NEST_APP), {
    kind: 'none',
    similar: [],
    close: ['/srv/app/src/users/users.service.ts'],
  });
  // Absolute: that folder only, not one that ends the same way.
  assert.deepEqual(matchScript('/srv/app/src/users/services.ts', NEST_APP), {
    kind: 'none',
    similar: [],
    close: ['/srv/app/src/users/users.service.ts'],
  });
  assert.deepEqual(matchScript('/other/src/users/services.ts', NEST_APP), { kind: 'none', similar: [], close: [] });
});

test('a typo in the name is still suggested first, and a bare name or an unknown folder suggests nothing more', () => {
  assert.deepEqual(matchScript('src/users/users.servce.ts', NEST_APP), {
    kind: 'none',
    similar: [],
    close: ['/srv/app/src/users/users.service.ts'],
  });
  assert.deepEqual(matchScript('services.ts', NEST_APP), { kind: 'none', similar: [], close: [] });
  assert.deepEqual(matchScript('src/orders/services.ts', NEST_APP), { kind: 'none', similar: [], close: [] });
  assert.deepEqual(matchScript('src/users/user.ts', NEST_APP), {
    kind: 'none',
    similar: [],
    close: ['/srv/app/src/users/users.module.ts', '/srv/app/src/users/users.service.ts', '/srv/app/src/users/users.controller.ts'],
  });
  // The folder alone is no reason: a name sharing no word with the files there gets nothing.
  assert.deepEqual(matchScript('src/users/billing.ts', NEST_APP), { kind: 'none', similar: [], close: [] });
  assert.deepEqual(matchScript('src/billing-service.ts', NEST_APP), { kind: 'none', similar: [], close: [] });
  assert.deepEqual(matchScript('lib/users.service.ts', NEST_APP), {
    kind: 'none',
    similar: ['/srv/app/src/users/users.service.ts'],
    close: [],
  });
});
