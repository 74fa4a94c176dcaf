// Hostile input never crashes the process and never corrupts a casebook: every bad call
// is a rejected promise (or a thrown error) with a stable code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Casebook, CaseKitError, ERROR_CODES, ManualClock } from '../index.mjs';
import { admin, freshBook, intake, openCase } from './support/fixtures.mjs';

const require = createRequire(import.meta.url);
const native = require('../native.cjs');

async function settlesWithCode(call) {
  let promise;
  try {
    promise = call();
  } catch (err) {
    assert.fail(`threw synchronously instead of rejecting: ${err}`);
  }
  assert.ok(promise instanceof Promise);
  try {
    await promise;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof CaseKitError, `a CaseKitError, got ${err}`);
    assert.ok(ERROR_CODES.includes(err.code), err.code);
    return err.code;
  }
}

function nested(depth) {
  let v = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function circular() {
  const o = { name: 'A' };
  o.self = o;
  return o;
}

const ID = '00000000-0000-7000-8000-000000000001';

test('wrong types everywhere are validation errors', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const badActors = [null, undefined, 42, 'iris', [], { id: 5, roles: [] }, { id: 'x', roles: 'admin' }, { id: 'x' }, { id: 'x', roles: [], programs: 7 }];
  for (const actor of badActors) {
    assert.equal(await settlesWithCode(() => book.addNote(actor, id, { text: 'x' })), 'validation', `actor ${JSON.stringify(actor)}`);
    assert.equal(await settlesWithCode(() => book.get(actor, id)), 'validation');
    assert.equal(await settlesWithCode(() => book.list(actor, {})), 'validation');
  }
  const badIds = [42, {}, [], true, Symbol('x'), '', 'zzz', `${ID}x`, '00000000-0000-7000-8000-00000000000g', 'x'.repeat(1 << 20)];
  for (const caseId of badIds) {
    assert.equal(await settlesWithCode(() => book.addNote(intake, caseId, { text: 'x' })), 'validation', String(typeof caseId));
    assert.equal(await settlesWithCode(() => book.get(intake, caseId)), 'validation');
    assert.equal(await settlesWithCode(() => book.history(intake, caseId)), 'validation');
    assert.equal(await settlesWithCode(() => book.verify(intake, caseId)), 'validation');
    assert.equal(await settlesWithCode(() => book.documentContent(intake, id, caseId)), 'validation');
  }
  for (const input of [null, 42, 'text', [], [1, 2], true]) {
    assert.equal(await settlesWithCode(() => book.addNote(intake, id, input)), 'validation', JSON.stringify(input));
  }
  for (const command of [null, 42, 'add_note', [], {}, { type: 42 }, { type: 'add_note' }, { type: 'open_case', program: 5 }]) {
    assert.equal(await settlesWithCode(() => book.execute(intake, id, command)), 'validation', JSON.stringify(command));
  }
  for (const options of [42, 'x', { expectedVersion: '1' }, { expectedVersion: {} }]) {
    assert.equal(await settlesWithCode(() => book.addNote(intake, id, { text: 'x' }, options)), 'validation', JSON.stringify(options));
  }
  for (const query of [null, 42, [], { limit: 'ten' }, { phase: 'limbo' }, { limit: 1e6 }, { due_before: 'tomorrow' }, { after: 'x' }]) {
    assert.equal(await settlesWithCode(() => book.list(intake, query)), 'validation', JSON.stringify(query));
  }
  for (const items of [null, 42, 'x', {}, [null], [{ command: 42 }], [{ case_id: 5, command: { type: 'add_note', text: 'x' } }]]) {
    assert.equal(await settlesWithCode(() => book.executeBatch(intake, items)), 'validation', JSON.stringify(items));
  }
  for (const upload of [null, 42, { name: 'a', media_type: 'b', content: 42 }, { name: 'a', media_type: 'b', content: {} }, { name: 5, media_type: 'b', content: 'x' }]) {
    assert.equal(await settlesWithCode(() => book.attachDocument(intake, id, upload)), 'validation', JSON.stringify(upload));
  }
  for (const program of [null, 42, [], { name: 'no id' }, { id: 5 }, { id: 'p', custom_fields: [{ key: 'k', kind: { type: 'colour' } }] }]) {
    assert.equal(await settlesWithCode(() => book.registerProgram(program)), 'validation', JSON.stringify(program));
  }
  for (const [after, limit] of [[-1, 10], [Number.NaN, 10], [0, Infinity], ['0', 1], [0, 1.5], [2 ** 64, 1]]) {
    assert.equal(await settlesWithCode(() => book.readLog(after, limit)), 'validation', `${after}, ${limit}`);
  }
  assert.throws(() => book.subscribe('not a function'), { code: 'validation' });
  assert.equal(book.unsubscribe('nope'), false);
  assert.equal((await book.verify(admin, id)).valid, true, 'the case is intact');
  await book.shutdown();
});

test('huge, negative, fractional and non-finite numbers are refused, not wrapped', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  for (const household_size of [1e308, -1, 2 ** 32, 1.5, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2]) {
    const code = await settlesWithCode(() => book.updateClient(intake, id, { changes: { household_size } }));
    assert.equal(code, 'validation', `household_size ${household_size}`);
  }
  for (const expectedVersion of [2 ** 53, 2 ** 64, -0.5, Number.NaN, Infinity, 1e300]) {
    assert.equal(await settlesWithCode(() => book.addNote(intake, id, { text: 'x' }, { expectedVersion })), 'validation', String(expectedVersion));
  }
  for (const value of [Number.NaN, Infinity]) {
    // JSON has no NaN: it arrives as null, i.e. "no change" — accepted or refused, never stored as garbage.
    const code = await settlesWithCode(() => book.updateClient(intake, id, { changes: { monthly_income: value } }));
    assert.ok(['ok', 'validation'].includes(code), code);
  }
  assert.equal((await book.get(admin, id)).client.monthly_income, undefined);
  const big = await settlesWithCode(() => book.updateClient(intake, id, { changes: { monthly_income: 1e308 } }));
  assert.equal(big, 'ok');
  assert.equal(await settlesWithCode(() => book.updateClient(intake, id, { changes: { household_size: 10n } })), 'validation', 'BigInt');
  assert.equal((await book.verify(admin, id)).valid, true);
  await book.shutdown();
});

test('deeply nested, circular, throwing and oversized input is refused or handled', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  for (const depth of [200, 10_000, 200_000]) {
    const code = await settlesWithCode(() => book.setCustomFields(intake, id, { values: { deep: nested(depth) } }));
    assert.equal(code, 'validation', `depth ${depth}`);
  }
  assert.equal(await settlesWithCode(() => book.setCustomFields(intake, id, { values: { shallow: nested(20) } })), 'ok');
  assert.equal(await settlesWithCode(() => book.openCase(intake, { program: 'housing', client: circular() })), 'validation');
  const trap = { get text() { throw new Error('getter exploded'); } };
  assert.equal(await settlesWithCode(() => book.addNote(intake, id, trap)), 'validation');
  const proxy = new Proxy({}, { ownKeys() { throw new Error('proxy trap'); } });
  assert.equal(await settlesWithCode(() => book.addNote(intake, id, proxy)), 'validation');
  assert.equal(await settlesWithCode(() => book.addNote(intake, id, { text: 'lone surrogate \ud800' })), 'validation');
  const huge = await settlesWithCode(() => book.addNote(intake, id, { text: 'x'.repeat(8 << 20) }));
  assert.ok(['ok', 'validation'].includes(huge), `an 8 MiB note: ${huge}`);
  assert.equal(await settlesWithCode(() => book.addNote(intake, id, { text: 'ünïcødé ✓ 𝄞 emoji 👩‍👩‍👧' })), 'ok');
  const nul = await settlesWithCode(() => book.addNote(intake, id, { text: 'a NUL \u0000 inside' }));
  assert.ok(['ok', 'validation'].includes(nul), nul);
  const keys = {};
  for (let i = 0; i < 10_000; i++) keys[`k${i}`] = i;
  assert.equal(await settlesWithCode(() => book.setCustomFields(intake, id, { values: keys })), 'ok');
  assert.equal(await settlesWithCode(() => book.addNote(intake, id, JSON.parse('{"text":"x","__proto__":{"polluted":true}}'))), 'validation');
  assert.equal({}.polluted, undefined);
  assert.equal((await book.verify(admin, id)).valid, true);
  await book.shutdown();
});

test('bad options for constructors and clocks throw validation errors', async () => {
  assert.throws(() => Casebook.inMemory({ ids: 'uuid4' }), { code: 'validation' });
  assert.throws(() => Casebook.inMemory({ clock: { now: () => 0 } }), { code: 'validation', field: 'clock' });
  assert.throws(() => Casebook.inMemory(42), { code: 'validation' });
  await assert.rejects(Casebook.open(42), { code: 'validation' });
  await assert.rejects(Casebook.open('/tmp/x.db', { synchronous: 'sometimes' }), { code: 'validation' });
  await assert.rejects(Casebook.open(''), { code: 'validation' });
  await assert.rejects(Casebook.open('/tmp/nul\u0000.db'), { code: 'validation' });
  assert.throws(() => new ManualClock(42), { code: 'validation' });
  assert.throws(() => new ManualClock('2026-13-45T99:00:00Z'), { code: 'validation' });
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  assert.throws(() => clock.advance('10'), { code: 'validation' });
  assert.throws(() => clock.advance(1e300), { code: 'validation' });
  assert.throws(() => clock.set({}), { code: 'validation' });
});

test('the addon itself refuses wrong types and contains panics', () => {
  assert.throws(() => native.panicForTest('boom'), (err) => err instanceof Error);
  const book = new native.NativeCasebook('{"store":"memory"}', null, () => {});
  assert.throws(() => book.execute('x', 'y', 'z', 'w'), Error);
  assert.throws(() => book.execute(1, {}, null, '{}', null), Error);
  assert.throws(() => book.readLog(1, 'a', 'b'), Error);
  assert.throws(() => book.attachDocument(1, '{}', 'x', '{}', 'not bytes'), Error);
  assert.throws(() => new native.NativeCasebook('not json', null, () => {}), Error);
  assert.throws(() => new native.NativeCasebook('{"store":"memory"}', {}, () => {}), Error);
  assert.throws(() => new native.NativeCasebook('{"store":"memory"}', null, 'not a function'), Error);
  assert.throws(() => new native.NativeManualClock(5), Error);
  assert.equal(typeof native.commandKinds().length, 'number', 'the addon still answers');
});
