// Generates internal/jsonval/testdata/assign.json: @nocobase/utils assign()
// on random params with every named strategy.
const { assign } = require('@nocobase/utils');
const _ = require('lodash');
let seed = 11; const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const pick = (a) => a[rnd(a.length)];
const values = [
  {a: 1}, {a: 2, b: {c: 3}}, {b: {d: 4}}, {}, [], ['x', 'y'], ['y', 'z'], 'a,b', 'b,c', 'plain', '', 0, 1, true, false, null,
  {$or: [{a: 1}]}, [{a: 1}], {k: 'v', k2: ''}, ['', 'x', 0],
];
const strategies = ['andMerge', 'orMerge', 'intersect', 'union', 'overwrite', 'deepMerge', 'merge', undefined];
const keys = ['filter', 'fields', 'sort', 'values', 'other'];
const out = [];
for (let i = 0; i < 500; i++) {
  const target = {}, source = {}, strat = {};
  for (const k of keys) {
    if (rnd(2)) target[k] = _.cloneDeep(pick(values));
    if (rnd(2)) source[k] = _.cloneDeep(pick(values));
    const s = pick(strategies);
    if (s) strat[k] = s;
  }
  let expected;
  try { expected = JSON.parse(JSON.stringify(assign(_.cloneDeep(target), _.cloneDeep(source), strat))); }
  catch (e) { continue; } // the reference throws on some operand shapes (e.g. union of a number)
  out.push({ name: `assign-${String(i).padStart(3, '0')}`, target, source, strategies: strat, expected });
}
require('fs').writeFileSync(process.argv[2], JSON.stringify(out, null, 1));
