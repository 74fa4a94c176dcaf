// Prints the CM-22 comparison table from compare.sh's JSON lines.
import { readFileSync } from 'node:fs';

const [file, n, rounds, dir] = process.argv.slice(2);
const runs = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cells = new Map();
for (const r of runs) {
  if (!cells.has(r.label)) cells.set(r.label, []);
  cells.get(r.label).push(r);
}
const stat = (label) => {
  const rs = cells.get(label) ?? [];
  return {
    runs: rs.length,
    cps: rs.length ? median(rs.map((r) => r.commands_per_sec)) : NaN,
    min: rs.length ? Math.min(...rs.map((r) => r.commands_per_sec)) : NaN,
    max: rs.length ? Math.max(...rs.map((r) => r.commands_per_sec)) : NaN,
    rss: rs.length ? median(rs.map((r) => r.max_rss_kb)) / 1024 : NaN,
  };
};
const fmt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
console.log(`\nCM-22, N = ${n} cases (${22 * n} commands) per run, ${rounds} round(s) interleaved, files in ${dir}\n`);
console.log('| cell | runs | median cmd/s | min–max | peak RSS MiB |');
console.log('|---|---:|---:|---|---:|');
for (const label of cells.keys()) {
  const s = stat(label);
  console.log(`| ${label} | ${s.runs} | ${fmt(s.cps)} | ${fmt(s.min)}–${fmt(s.max)} | ${s.rss.toFixed(1)} |`);
}
const ratio = (a, b) => stat(a).cps / stat(b).cps;
const goals = [
  ['SQLite WAL NORMAL, commit per command', 'casekit-wal-normal ÷ floor-wal-normal', ratio('casekit-wal-normal', 'floor-wal-normal'), '≥ 0.7'],
  ['in-memory, Promises included', 'casekit-memory ÷ xstate-memory', ratio('casekit-memory', 'xstate-memory'), '≥ 3'],
  ['batch/import path on a SQLite file', 'casekit-import ÷ xstate-wal-normal', ratio('casekit-import', 'xstate-wal-normal'), '≥ 10'],
  ['peak RSS, SQLite file', 'casekit-wal-normal ÷ xstate-wal-normal', stat('casekit-wal-normal').rss / stat('xstate-wal-normal').rss, '≤ 1.2'],
];
console.log('\n| goal | ratio | measured | target | met |');
console.log('|---|---|---:|---|---|');
for (const [what, how, value, target] of goals) {
  const [op, bound] = target.split(' ');
  const met = op === '≥' ? value >= Number(bound) : value <= Number(bound);
  console.log(`| ${what} | ${how} | ${Number.isFinite(value) ? value.toFixed(2) : '–'} | ${target} | ${met ? 'yes' : 'no'} |`);
}
console.log(`\nalso: casekit-memory ÷ floor-memory ${ratio('casekit-memory', 'floor-memory').toFixed(2)}, casekit-import ÷ floor-bulk ${ratio('casekit-import', 'floor-bulk').toFixed(2)}`);
console.log(`      executeBatch (a Committed per command): casekit-batch ÷ xstate-wal-normal ${ratio('casekit-batch', 'xstate-wal-normal').toFixed(2)}`);
console.log(`      two batches in flight (the next built while the last is written): casekit-batch-c2 ÷ xstate-wal-normal ${ratio('casekit-batch-c2', 'xstate-wal-normal').toFixed(2)}`);
