// CM-22 (../shared/BENCHMARKS.md) through the Node API: 22 commands per case, each its
// own committed transaction (one awaited Promise per command), or many per transaction
// with executeBatch.
//
// usage: node bench/cm22.mjs [--mode memory|wal-normal|wal-full|batch|import] [--concurrency K] [--chunk C] N [PATH]
//   memory       Casebook.inMemory(), one awaited command at a time
//   wal-normal   Casebook.open(PATH), synchronous NORMAL, one commit per command
//   wal-full     the same with synchronous FULL
//   batch        Casebook.open(PATH), WAL NORMAL, executeBatch over C cases at a time
//                (default C = 100, as the core docs advise for SQLite; one call and transaction
//                per chunk, goal ids chosen up front as an import brings its own)
//   import       the same with executeBatchSummary: one summary a call, not a `Committed` a command
//   --concurrency K  K cases in flight at once (each case still one command at a time);
//                the default 1 is CM-22 as the peers run it. With batch: K chunks in flight,
//                so the next chunk is built while the last one is written.
// Prints one JSON line like the peers: {"impl","mode","cases","commands","seconds","commands_per_sec"}.

import fs from 'node:fs';
import { Casebook } from '../index.mjs';

const NOTE =
  'Called the client about the rent arrears; went through the monthly budget, collected the missing ' +
  'payslips for the housing application and agreed to meet again at the family home next week.';
const SUMMARY = 'Housing is stable and the income goals were met; all services ended as planned and no needs remain.';
const PROGRAM = 'housing-stability';
const pad = (n, w) => String(n).padStart(w, '0');
const worker = { id: 'worker-1', roles: ['supervisor'], programs: [PROGRAM] };

function openInput(i) {
  return {
    program: PROGRAM,
    client: {
      name: `Client ${i}`,
      date_of_birth: `19${pad(50 + (i % 50), 2)}-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}`,
      gender: ['female', 'male', 'nonbinary'][i % 3],
      address: `${1 + (i % 999)} Main Street, Springfield`,
      phone: `+1-555-${pad(i % 10000, 4)}`,
      language: ['en', 'es', 'fr'][i % 3],
      household_size: 1 + (i % 6),
      monthly_income: 1000 + (i % 40) * 50,
    },
  };
}

function assessmentInput(i) {
  const responses = {};
  let total = 0;
  for (let k = 0; k < 9; k++) {
    const v = (i + k) % 4;
    responses[`q${k + 1}`] = v;
    total += v;
  }
  return { instrument: { id: 'phq-9', version: '1' }, responses, scores: { total } };
}

const goalInput = (g) => ({
  description: `Goal ${g}: stabilise the household`,
  domain: ['housing', 'income', 'health'][g - 1],
  measure: { name: 'score', target: 10 * g, direction: 'increase' },
  due: `2027-0${g}-15`,
});
const serviceInput = (s) => ({ name: `Service ${s}`, provider: `Provider ${s}`, start: `2026-12-0${s}` });
const noteInput = (n) => ({ text: `Note ${n}. ${NOTE}` });
const outcomeInput = (goalId, o) => ({ goal_id: goalId, value: 5 * o, measured_on: `2026-10-1${o}` });
const evaluationInput = (goals) => ({
  evaluations: [
    { goal_id: goals[0], status: 'achieved' },
    { goal_id: goals[1], status: 'partially_achieved' },
    { goal_id: goals[2], status: 'not_achieved' },
  ],
});
const closeInput = { reason: 'goals_achieved', summary: SUMMARY };

/** One case, 22 typed calls, each awaited. */
async function runCase(book, i) {
  const opened = await book.openCase(worker, openInput(i));
  const id = opened.case_id;
  await book.completeIntake(worker, id, { eligible: true, immediate_needs: [{ category: 'food' }, { category: 'housing' }] });
  await book.recordAssessment(worker, id, assessmentInput(i));
  await book.completeAssessment(worker, id);
  const goals = [];
  for (const g of [1, 2, 3]) goals.push((await book.addGoal(worker, id, goalInput(g))).created_id);
  for (const s of [1, 2]) await book.addService(worker, id, serviceInput(s));
  await book.activatePlan(worker, id);
  for (let n = 1; n <= 8; n++) await book.addNote(worker, id, noteInput(n));
  for (const o of [1, 2]) await book.recordOutcome(worker, id, outcomeInput(goals[o - 1], o));
  await book.evaluateGoals(worker, id, evaluationInput(goals));
  const closed = await book.close(worker, id, closeInput);
  if (closed.version !== 22 || closed.phase !== 'closed') throw new Error(`case ${i} ended at ${closed.phase} v${closed.version}`);
}

function caseIdFor(i) {
  return `0190f1c2-0000-7000-8000-${pad(i.toString(16), 12)}`;
}

function goalIdFor(i, g) {
  return `0190f1c3-0000-7000-8000-${pad((i * 3 + g).toString(16), 12)}`;
}

/**
 * The 22 batch items of case `i`, as an import brings them: the case and its goals keep
 * ids chosen up front, so later commands refer to them.
 */
function caseItems(i) {
  const case_id = caseIdFor(i);
  const goals = [goalIdFor(i, 1), goalIdFor(i, 2), goalIdFor(i, 3)];
  const items = [{ command: { type: 'open_case', case_id, ...openInput(i) } }];
  const at = (command) => items.push({ case_id, command });
  at({ type: 'complete_intake', eligible: true, immediate_needs: [{ category: 'food' }, { category: 'housing' }] });
  at({ type: 'record_assessment', ...assessmentInput(i) });
  at({ type: 'complete_assessment' });
  for (const g of [1, 2, 3]) at({ type: 'add_goal', goal_id: goals[g - 1], ...goalInput(g) });
  for (const s of [1, 2]) at({ type: 'add_service', ...serviceInput(s) });
  at({ type: 'activate_plan' });
  for (let n = 1; n <= 8; n++) at({ type: 'add_note', ...noteInput(n) });
  for (const o of [1, 2]) at({ type: 'record_outcome', ...outcomeInput(goals[o - 1], o) });
  at({ type: 'evaluate_goals', ...evaluationInput(goals) });
  at({ type: 'close', ...closeInput });
  return items;
}

/**
 * Cases [from, to) with one call, one transaction: executeBatch (a `Committed` per
 * command), or with `summary` executeBatchSummary (one summary, as an import asks).
 */
async function runChunk(book, from, to, summary) {
  const items = [];
  for (let i = from; i < to; i++) items.push(...caseItems(i));
  const commands = 22 * (to - from);
  if (summary) {
    const done = await book.executeBatchSummary(worker, items);
    if (done.commands !== commands || done.cases !== to - from) throw new Error('import did not take the cases');
  } else {
    const done = await book.executeBatch(worker, items);
    if (done.length !== commands || done.at(-1).version !== 22) throw new Error('batch did not close the cases');
  }
}

/** Illegal commands are refused and leave no trace (scratch in-memory book). */
async function selfCheck() {
  const book = Casebook.inMemory();
  const refuse = async (promise, what) => {
    try {
      await promise;
    } catch (err) {
      if (err.code) return;
      throw err;
    }
    throw new Error(`self-check: ${what} was accepted`);
  };
  await refuse(book.completeIntake(worker, caseIdFor(999999), { eligible: true }), 'complete_intake on a missing case');
  const c = await book.openCase(worker, { ...openInput(7), case_id: caseIdFor(7) });
  await refuse(book.openCase(worker, { ...openInput(7), case_id: caseIdFor(7) }), 'open_case twice');
  await refuse(book.activatePlan(worker, c.case_id), 'activate_plan from intake');
  await refuse(book.completeIntake(worker, c.case_id, { eligible: false }), 'an ineligible intake');
  await runCase(book, 8);
  const closed = (await book.list(worker, { phase: 'closed' })).items[0];
  await refuse(book.close(worker, closed.case_id, closeInput), 'close twice');
  await refuse(book.addNote(worker, closed.case_id, noteInput(1)), 'add_note on a closed case');
  await book.shutdown();
}

async function verify(book, n) {
  let closed = 0;
  let after = null;
  for (;;) {
    const page = await book.list(worker, { phase: "closed", limit: 200, after });
    for (const s of page.items) if (s.version !== 22) throw new Error(`case ${s.case_id} at version ${s.version}`);
    closed += page.items.length;
    if (page.next_cursor === null) break;
    after = page.next_cursor;
  }
  let events = 0;
  let position = 0;
  for (;;) {
    const log = await book.readLog(position, 1000);
    if (log.length === 0) break;
    events += log.length;
    position = log.at(-1).position;
  }
  if (closed !== n || events !== 22 * n) throw new Error(`verification failed: ${closed} closed cases, ${events} events; want ${n}, ${22 * n}`);
}

const usage = 'usage: node bench/cm22.mjs [--mode memory|wal-normal|wal-full|batch|import] [--concurrency K] [--chunk C] N [PATH]';
const argv = process.argv.slice(2);
let mode = 'memory';
let concurrency = 1;
let chunk = 100;
const positional = [];
for (let k = 0; k < argv.length; k++) {
  if (argv[k] === '--mode') mode = argv[++k];
  else if (argv[k] === '--concurrency') concurrency = Number(argv[++k]);
  else if (argv[k] === '--chunk') chunk = Number(argv[++k]);
  else if (argv[k].startsWith('--')) throw new Error(`unknown flag ${argv[k]}; ${usage}`);
  else positional.push(argv[k]);
}
const n = Number(positional[0]);
const path = positional[1];
if (!Number.isInteger(n) || n < 1 || !['memory', 'wal-normal', 'wal-full', 'batch', 'import'].includes(mode)) throw new Error(usage);
if (mode !== 'memory' && !path) throw new Error(`${mode} needs a PATH; ${usage}`);

await selfCheck();
let book;
if (mode === 'memory') {
  book = Casebook.inMemory();
} else {
  for (const s of ['', '-wal', '-shm']) fs.rmSync(path + s, { force: true });
  book = await Casebook.open(path, { synchronous: mode === 'wal-full' ? 'full' : 'normal' });
}

const t0 = process.hrtime.bigint();
if (mode === 'batch' || mode === 'import') {
  // With --concurrency K, K chunks in flight: the next is built while the last is written.
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const from = next;
      next = Math.min(n, next + chunk);
      await runChunk(book, from, next, mode === 'import');
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
} else if (concurrency <= 1) {
  for (let i = 0; i < n; i++) await runCase(book, i);
} else {
  let next = 0;
  const lane = async () => {
    while (next < n) await runCase(book, next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

await verify(book, n);
await book.shutdown();
console.log(JSON.stringify({
  impl: 'casekit-node',
  mode: concurrency > 1 ? `${mode}-c${concurrency}` : mode,
  cases: n,
  commands: 22 * n,
  seconds: Math.round(seconds * 1e4) / 1e4,
  commands_per_sec: Math.round((22 * n) / seconds),
}));
