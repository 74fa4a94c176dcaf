// Conformance: every scenario in tests/scenarios, replayed through the typed methods, on
// the in-memory store, a SQLite file and PostgreSQL (DATABASE_URL; scripts/test-all
// starts a throwaway cluster), must end in the expected snapshot exactly
// (ids, times and hashes included: same core, same clock, same id sequence).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Casebook } from '../index.mjs';
import { jsonDiff, loadExpected, loadScenarios, runScenario } from './support/scenario.mjs';

const scenarios = loadScenarios();
const dir = mkdtempSync(join(tmpdir(), 'casekit-node-scenarios-'));

test('there are scenarios to replay', () => {
  assert.ok(scenarios.length >= 10, `found ${scenarios.length} scenarios`);
});

const stores = {
  memory: () => (clock) => Casebook.inMemory({ clock, ids: 'sequential' }),
  sqlite: (name) => (clock) => Casebook.open(join(dir, `${name}.db`), { clock, ids: 'sequential' }),
};
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  const run = randomBytes(4).toString('hex');
  stores.postgres = (name) => (clock) =>
    Casebook.open(databaseUrl, { clock, ids: 'sequential', schema: `js_${name.slice(0, 24)}_${run}` });
} else {
  test('PostgreSQL scenarios', (t) => {
    if (process.env.CI) assert.fail('DATABASE_URL is not set: in CI the PostgreSQL scenarios must run');
    t.skip('DATABASE_URL is not set (scripts/test-all starts a throwaway cluster and sets it)');
  });
}

for (const [store, opener] of Object.entries(stores)) {
  for (const scenario of scenarios) {
    test(`scenario ${scenario.name} (${store})`, async () => {
      const snapshot = await runScenario(scenario, opener(scenario.name));
      const expected = loadExpected(scenario.name);
      const diff = jsonDiff(expected, snapshot);
      assert.equal(diff, null, `${scenario.name} (${store}) differs from tests/scenarios/expected: ${diff}`);
    });
  }
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
