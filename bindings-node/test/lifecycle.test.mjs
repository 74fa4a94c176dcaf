// A casebook dropped without shutdown() is garbage-collected with its worker thread, and
// a script exits by itself once its calls are answered.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../index.mjs', import.meta.url));

function runScript(script, args = []) {
  return spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

test('dropped casebooks are collected, worker threads included', () => {
  const script = `
    import { readdirSync } from 'node:fs';
    import { Casebook } from ${JSON.stringify(INDEX)};
    const threads = () => readdirSync('/proc/self/task').length;
    const actor = { id: 'a', roles: ['admin'] };
    const before = threads();
    // Held until all have started (a garbage collection in between would take some early).
    const books = [];
    for (let i = 0; i < 30; i++) {
      const book = Casebook.inMemory();
      books.push(book);
      book.subscribe(() => {});
      await book.openCase(actor, { program: 'p', client: { name: 'x' } });
      await book.executeBatch(actor, [{ command: { type: 'open_case', program: 'p', client: { name: 'y' } } }]);
    }
    const peak = threads();
    books.length = 0;
    for (let k = 0; k < 50 && threads() > before + 2; k++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(JSON.stringify({ before, peak, after: threads() }));
  `;
  const child = runScript(script, ['--expose-gc']);
  assert.equal(child.status, 0, child.stderr);
  const { before, peak, after } = JSON.parse(child.stdout.trim().split('\n').at(-1));
  assert.ok(peak >= before + 20, `30 casebooks should have started worker threads (before ${before}, peak ${peak})`);
  assert.ok(after <= before + 2, `worker threads left after collection: before ${before}, after ${after}`);
});

test('a script exits by itself after its last answer, without shutdown()', () => {
  const script = `
    import { Casebook } from ${JSON.stringify(INDEX)};
    const book = await Casebook.open(':memory:');
    const c = await book.openCase({ id: 'a', roles: ['admin'] }, { program: 'p', client: { name: 'x' } });
    console.log('opened', c.version);
  `;
  const child = runScript(script);
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /opened 1/);
});
