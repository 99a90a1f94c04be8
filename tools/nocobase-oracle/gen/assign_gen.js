'use strict';
// Generates internal/jsonval/testdata/assign.json: @nocobase/utils assign()
// on random params with every named strategy.
//
// Each case draws, for each of KEYS, whether the target has it, whether the
// source has it (each 70%, so about half the keys have both sides) and a
// strategy (every named one, "none" for no entry, and an unknown name, which
// assign() treats as none). Values are shaped like the params the strategies
// meet: filters and nested objects with arrays (deepMerge replaces arrays),
// field lists with overlaps and duplicates, comma strings, falsy values and
// odd scalars.
//
// assign() throws on some operands (union of an object or a number as the
// target, intersect of a number or true as the source); such draws are
// retried, and how many there were is printed. The PRNG is mulberry32 (as in
// resourcer_gen.js): a JS double product such as seed * 1103515245 loses
// the low bits and made every draw the same.
//
// Usage: node assign_gen.js [out] [count] [seed]
//   (default ../../../internal/jsonval/testdata/assign.json, 600, 20240611)
const { seededInts } = require('./lib');
const fs = require('fs');
const path = require('path');
const _ = require('lodash');
const { assign } = require('@nocobase/utils');

const OUT = process.argv[2] || path.join(__dirname, '../../../internal/jsonval/testdata/assign.json');
const COUNT = Number(process.argv[3] || 600);
const seed = Number(process.argv[4] || 20240611);

const rnd = seededInts(seed);
const pick = (a) => a[rnd(a.length)];

// Object keys are in sorted order: intersect reads an object as its values
// in insertion order, and a JSON object decoded in Go has none (jsonval
// sorts by key). Most objects share keys with others, so that merge and
// deepMerge meet the same key on both sides (nested objects, nested arrays).
const OBJECTS = [
  { id: 1 },
  { id: 2, status: 'published' },
  { status: 'draft' },
  { a: 2, b: { c: 3 } },
  { a: 3, b: { d: 6 } },
  { b: { d: 4, e: [1, 2] } },
  { b: { c: 5, e: [3] } },
  { $or: [{ a: 1 }, { b: 2 }] },
  { $and: [{ a: 1 }] },
  { author: { id: { $eq: 7 } }, title: { $includes: 'x' } },
  { author: { id: { $ne: 1 }, name: 'x' } },
  { k: 'v', k2: '' },
  { x: 'a', y: 'b' },
  {},
];
const LISTS = [
  ['a', 'b'],
  ['b', 'c'],
  ['a', 'b', 'c'],
  ['c'],
  ['a', 'a', 'b'],
  ['', 'a', 0, null, false],
  [1, 2, 3],
  [2, 3, 4],
  [{ a: 1 }],
  [{ a: 1 }, 'a'],
  [],
  // comma strings and plain strings
  'a,b',
  'b,c',
  'a,,b',
  'a',
  'plain',
  '-id,name',
];
const SCALARS = ['', 0, false, null, 1, 7, true];
const ALL = [...OBJECTS, ...LISTS, ...SCALARS];

// Each key draws mostly the shape it has in real params (filters and values
// are objects, fields/appends/sort lists), and sometimes any other; "other"
// draws from everything.
const KEYS = {
  filter: OBJECTS,
  values: OBJECTS,
  fields: LISTS,
  appends: LISTS,
  sort: LISTS,
  other: ALL,
};
const STRATEGIES = ['andMerge', 'orMerge', 'intersect', 'union', 'overwrite', 'deepMerge', 'merge', 'none', 'noSuchStrategy'];

function value(usual) {
  const r = rnd(20);
  if (r < 14) return _.cloneDeep(pick(usual));
  if (r < 17) return _.cloneDeep(pick(SCALARS));
  return _.cloneDeep(pick(ALL));
}

function draw() {
  const target = {};
  const source = {};
  const strategies = {};
  for (const [k, usual] of Object.entries(KEYS)) {
    if (rnd(10) < 7) target[k] = value(usual);
    if (rnd(10) < 7) source[k] = value(usual);
    const s = pick(STRATEGIES);
    if (s !== 'none') strategies[k] = s;
  }
  return { target, source, strategies };
}

const out = [];
let threw = 0;
while (out.length < COUNT) {
  const c = draw();
  let expected;
  try {
    expected = JSON.parse(JSON.stringify(assign(_.cloneDeep(c.target), _.cloneDeep(c.source), c.strategies)));
  } catch (e) {
    threw++;
    continue;
  }
  out.push({ name: `assign-${String(out.length).padStart(3, '0')}`, ...c, expected });
}
fs.writeFileSync(OUT, '[\n' + out.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n');
console.log(`${OUT}: ${out.length} cases (${threw} draws where assign() threw were redrawn)`);
