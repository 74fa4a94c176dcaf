// The Node runner of the conformance scenarios (format: tests/README.md).
//
// Every step goes through the public, typed API: a `complete_intake` command is
// replayed as `book.completeIntake(actor, caseId, input, { expectedVersion })`, a query
// as `book.list(actor, query)`, a batch as one `book.executeBatch(actor, items)`, ... —
// never through a generic Rust-side helper.

import { readFileSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import { Casebook, ManualClock, methodName } from '../../index.mjs';

export const SCENARIO_DIR = new URL('../../../tests/scenarios/', import.meta.url).pathname;

const STEP_KINDS = ['command', 'batch', 'get', 'list', 'history', 'verify', 'advance_seconds'];
const BATCH_STEP_KEYS = ['batch', 'actor', 'expect'];
const BATCH_ITEM_KEYS = ['case', 'command', 'expected_version', 'save'];
// What a command step, or one result of a batch step, may expect of a `Committed`.
const COMMITTED_EXPECTATIONS = ['phase', 'version', 'events'];
const TOP_KEYS = new Set(['name', 'description', 'start', 'tick_seconds', 'programs', 'actors', 'steps', 'final']);
const REFERENCE = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;

/** Every scenario, by name. */
export function loadScenarios(dir = SCENARIO_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const scenario = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const stem = basename(f, '.json');
      if (scenario.name !== stem) throw new Error(`${f}: name ${scenario.name} differs from the file name`);
      for (const key of Object.keys(scenario)) {
        if (!TOP_KEYS.has(key)) throw new Error(`${f}: unknown key ${key}`);
      }
      return scenario;
    });
}

/** The expected snapshot of a scenario. */
export function loadExpected(name, dir = SCENARIO_DIR) {
  return JSON.parse(readFileSync(join(dir, 'expected', `${name}.json`), 'utf8'));
}

function resolve(value, saved, where) {
  if (typeof value === 'string') {
    const m = REFERENCE.exec(value);
    if (!m) return value;
    if (!(m[1] in saved)) throw new Error(`${where}: reference ${value} is not saved yet`);
    return saved[m[1]];
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, saved, where));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolve(v, saved, where);
    return out;
  }
  return value;
}

function sameJson(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== null);
    const kb = Object.keys(b).filter((k) => b[k] !== null);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return a === b;
}

/** Subset match (tests/README.md, "Matching"). Returns a description of the first difference, or null. */
export function subsetMismatch(expected, actual, path = '$') {
  if (expected === null) return actual === null || actual === undefined ? null : `${path}: expected null, got ${JSON.stringify(actual)}`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = subsetMismatch(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const m = subsetMismatch(v, actual[k], `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return expected === actual ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** Recursively drops null members, as the snapshot comparison allows. */
function dropNulls(v) {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/** First difference between two JSON values (after dropping null members), or null. */
export function jsonDiff(expected, actual, path = '$') {
  const e = dropNulls(expected);
  const a = dropNulls(actual);
  if (sameJson(e, a)) return null;
  if (Array.isArray(e) && Array.isArray(a)) {
    if (e.length !== a.length) return `${path}: ${e.length} items expected, ${a.length} found`;
    for (let i = 0; i < e.length; i++) {
      const d = jsonDiff(e[i], a[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  if (e !== null && typeof e === 'object' && a !== null && typeof a === 'object' && !Array.isArray(e)) {
    for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
      if (!(k in e)) return `${path}.${k}: unexpected ${JSON.stringify(a[k])}`;
      if (!(k in a)) return `${path}.${k}: missing (expected ${JSON.stringify(e[k])})`;
      const d = jsonDiff(e[k], a[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`;
}

function check(cond, where, what) {
  if (!cond) throw new Error(`${where}: ${what}`);
}

function checkError(err, expect, where) {
  check(err && typeof err === 'object' && 'code' in err, where, `expected error ${expect.error}, got ${err}`);
  check(err instanceof Error, where, 'errors must be Error objects');
  check(err.code === expect.error, where, `expected error ${expect.error}, got ${err.code}: ${err.message}`);
  if ('field' in expect) check(err.field === expect.field, where, `expected field ${expect.field}, got ${err.field} (${err.message})`);
}

function allowKeys(what, obj, allowed, where) {
  for (const k of Object.keys(obj)) {
    check(allowed.includes(k), where, `unknown key ${JSON.stringify(k)} in ${what} (allowed: ${allowed.join(', ')})`);
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A batch step, checked: the items as `executeBatch` takes them, and the name each item saves under. */
function batchStep(step, expect, where) {
  allowKeys('step', step, BATCH_STEP_KEYS, where);
  allowKeys('expect', expect, ['results', 'summary', 'error', 'field'], where);
  check(Array.isArray(step.batch), where, 'batch must be an array of items');
  const items = [];
  const saves = [];
  step.batch.forEach((entry, i) => {
    const what = `batch[${i}]`;
    check(isObject(entry), where, `${what} must be an object`);
    allowKeys(what, entry, BATCH_ITEM_KEYS, where);
    check('command' in entry, where, `${what}: missing "command"`);
    const item = { command: entry.command };
    if (entry.case !== undefined && entry.case !== null) item.case_id = entry.case;
    if (entry.expected_version !== undefined && entry.expected_version !== null) item.expected_version = entry.expected_version;
    items.push(item);
    saves.push(entry.save);
  });
  if ('error' in expect) {
    check(!('results' in expect), where, 'expect.results cannot be checked on a step that must fail');
    check(!('summary' in expect), where, 'expect.summary cannot be checked on a step that must fail');
  }
  if ('summary' in expect) {
    check(isObject(expect.summary), where, 'expect.summary must be an object');
    allowKeys('expect.summary', expect.summary, ['commands', 'events', 'cases'], where);
    const answerless = !('results' in expect) && saves.every((name) => name === undefined);
    check(answerless, where, 'expect.summary: a summarised batch answers no results and saves nothing');
  }
  if ('results' in expect) {
    check(Array.isArray(expect.results), where, 'expect.results must be an array');
    check(expect.results.length === items.length, where, `expect.results has ${expect.results.length} entries for ${items.length} items`);
    expect.results.forEach((r, i) => {
      check(isObject(r), where, `expect.results[${i}] must be an object`);
      allowKeys(`expect.results[${i}]`, r, COMMITTED_EXPECTATIONS, where);
    });
  }
  return { items, saves };
}

/** The phase, version and events expectations of a command step or of one batch result. */
function checkCommitted(result, expect, where) {
  if ('phase' in expect) check(result.phase === expect.phase, where, `phase ${result.phase}, expected ${expect.phase}`);
  if ('version' in expect) check(result.version === expect.version, where, `version ${result.version}, expected ${expect.version}`);
  if ('events' in expect) {
    const types = result.events.map((e) => e.event.type);
    check(sameJson(types, expect.events), where, `events ${JSON.stringify(types)}, expected ${JSON.stringify(expect.events)}`);
  }
}

/**
 * A summarised batch's answer: the counts expected, one command an item whatever they
 * say, and log positions present exactly when there are events, one for each (a batch's
 * positions are consecutive).
 */
function checkSummary(summary, expect, items, where) {
  for (const [k, v] of Object.entries(expect)) check(summary[k] === v, where, `summary.${k} ${summary[k]}, expected ${v}`);
  check(summary.commands === items, where, `${items} items, but a summary of ${summary.commands} commands`);
  const { events, first_position: first, last_position: last } = summary;
  const spans = events > 0 ? first !== null && last !== null && last - first === events - 1 : first === null && last === null;
  check(spans, where, `summary positions do not span its events one for one: ${JSON.stringify(summary)}`);
}

/** Replays one command step through its typed method. */
function runCommand(book, actor, caseId, command, expectedVersion) {
  const { type, ...input } = command;
  const method = methodName(type);
  const fn = book[method];
  if (typeof fn !== 'function') throw new Error(`no typed method ${method} for ${type}`);
  const options = expectedVersion === undefined || expectedVersion === null ? {} : { expectedVersion };
  if (type === 'open_case') return fn.call(book, actor, input);
  return fn.call(book, actor, caseId ?? null, input, options);
}

/**
 * Runs a scenario on a fresh casebook from `open(clock)` and returns the snapshot
 * `{ name, cases: [{ case, actor, view, history }] }`. Throws on the first mismatch,
 * naming the step.
 */
export async function runScenario(scenario, open = (clock) => Casebook.inMemory({ clock, ids: 'sequential' })) {
  const clock = new ManualClock(scenario.start);
  const book = await open(clock);
  try {
    for (const p of scenario.programs ?? []) await book.registerProgram(p);
    const actors = {};
    for (const [id, a] of Object.entries(scenario.actors)) actors[id] = { id, roles: a.roles, programs: a.programs ?? [] };
    const actorOf = (name, where) => {
      check(name in actors, where, `unknown actor ${name}`);
      return actors[name];
    };
    const saved = {};
    const tick = scenario.tick_seconds ?? 0;

    for (const [index, rawStep] of scenario.steps.entries()) {
      const where = `${scenario.name} step ${index}`;
      const { comment: _comment, ...unresolved } = rawStep;
      const step = resolve(unresolved, saved, where);
      const kinds = STEP_KINDS.filter((k) => k in step);
      check(kinds.length === 1, where, `expected exactly one of ${STEP_KINDS.join(', ')}`);
      const kind = kinds[0];
      const expect = step.expect ?? {};
      check(!('field' in expect) || 'error' in expect, where, 'expect.field needs expect.error');

      if (kind === 'advance_seconds') {
        clock.advance(step.advance_seconds);
        continue;
      }
      const actor = actorOf(step.actor, where);
      const batch = kind === 'batch' ? batchStep(step, expect, where) : undefined;
      let result;
      let error;
      if (kind === 'command' || kind === 'batch') clock.advance(tick);
      try {
        switch (kind) {
          case 'command':
            result = await runCommand(book, actor, step.case, step.command, step.expected_version);
            break;
          case 'batch':
            result = await ('summary' in expect ? book.executeBatchSummary : book.executeBatch).call(book, actor, batch.items);
            break;
          case 'get':
            result = await book.get(actor, step.get);
            break;
          case 'list':
            result = await book.list(actor, step.list);
            break;
          case 'history':
            result = await book.history(actor, step.history);
            break;
          case 'verify':
            result = await book.verify(actor, step.verify);
            break;
        }
      } catch (err) {
        error = err;
      }
      if ('error' in expect) {
        check(error !== undefined, where, `expected error ${expect.error}, but the ${kind} succeeded`);
        checkError(error, expect, where);
        if (batch) check(batch.saves.every((name) => name === undefined), where, 'a failing step has nothing to save');
        continue;
      }
      if (error !== undefined) throw new Error(`${where}: unexpected error ${error.code}: ${error.message}`);

      if (kind === 'command') {
        checkCommitted(result, expect, where);
        if (step.save !== undefined) {
          check(typeof result.created_id === 'string', where, `save ${step.save}: the command created nothing`);
          saved[step.save] = result.created_id;
        }
      } else if (kind === 'batch' && 'summary' in expect) {
        checkSummary(result, expect.summary, batch.items.length, where);
      } else if (kind === 'batch') {
        check(result.length === batch.items.length, where, `${batch.items.length} items, but ${result.length} results`);
        (expect.results ?? []).forEach((e, i) => checkCommitted(result[i], e, `${where}: results[${i}]`));
        batch.saves.forEach((name, i) => {
          if (name === undefined) return;
          check(typeof result[i].created_id === 'string', where, `batch[${i}]: save ${name}: the command created nothing`);
          saved[name] = result[i].created_id;
        });
      } else if (kind === 'get') {
        if ('match' in expect) {
          const m = subsetMismatch(expect.match, result);
          check(m === null, where, m);
        }
      } else if (kind === 'list') {
        if ('cases' in expect) {
          const ids = result.items.map((s) => s.case_id);
          check(sameJson(ids, expect.cases), where, `cases ${JSON.stringify(ids)}, expected ${JSON.stringify(expect.cases)}`);
        }
        if ('count' in expect) check(result.items.length === expect.count, where, `count ${result.items.length}, expected ${expect.count}`);
        if ('next_cursor' in expect) check(result.next_cursor === expect.next_cursor, where, `next_cursor ${result.next_cursor}, expected ${expect.next_cursor}`);
      } else if (kind === 'history') {
        if ('count' in expect) check(result.length === expect.count, where, `count ${result.length}, expected ${expect.count}`);
        if ('types' in expect) {
          const types = result.map((e) => e.event.type);
          check(sameJson(types, expect.types), where, `types ${JSON.stringify(types)}, expected ${JSON.stringify(expect.types)}`);
        }
        if ('redacted' in expect) {
          const n = result.filter((e) => e.redacted === true).length;
          check(n === expect.redacted, where, `redacted ${n}, expected ${expect.redacted}`);
        }
        if ('match' in expect) {
          const m = subsetMismatch(expect.match, result);
          check(m === null, where, m);
        }
      } else if (kind === 'verify') {
        if ('valid' in expect) check(result.valid === expect.valid, where, `valid ${result.valid}, expected ${expect.valid}`);
        if ('events_checked' in expect) check(result.events_checked === expect.events_checked, where, `events_checked ${result.events_checked}, expected ${expect.events_checked}`);
      }
    }

    const cases = [];
    for (const entry of scenario.final ?? []) {
      const where = `${scenario.name} final`;
      const caseId = resolve(entry.case, saved, where);
      const actor = actorOf(entry.actor, where);
      const view = await book.get(actor, caseId);
      const history = await book.history(actor, caseId);
      cases.push({ case: caseId, actor: entry.actor, view, history });
    }
    return { name: scenario.name, cases };
  } finally {
    await book.shutdown();
  }
}
