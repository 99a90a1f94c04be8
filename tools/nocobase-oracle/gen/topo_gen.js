'use strict';
// Generates internal/toposort/testdata/topo.json: random sequences of adds
// run through NocoBase's Toposort (@nocobase/utils 2.2.15, a thin subclass of
// @hapi/topo 6.0.2's Sorter that reads `tag` as the group), recording after
// every add the sorted nodes or the error.
//
// A case is {"name", "adds": [{"group"?, "tag"?, "before"?, "after"?}],
// "steps": [{"nodes": [...]} | {"error": "cycle" | "invalid", "message"}]}.
// The node of add i is the number i. Groups come from a small pool (so
// before/after constraints meet existing groups, groups that only appear
// later, and cycles); some adds have no group ("?", hapi's ungrouped), some
// name "?" outright, some use tag, and a few name their own group or "?" in
// before/after, which hapi refuses before adding anything ("invalid").
//
// On a cycle hapi throws but keeps the new item in its list, so every later
// add fails too; the Go sorter drops the item and carries on (see
// internal/toposort's doc). To compare the adds after a cycle, the generator
// takes the rejected item back out (it is the last of _items), which leaves
// the reference exactly as if that add had not been made.
//
// Usage: node topo_gen.js [out] [count] [seed]
//   (default ../../../internal/toposort/testdata/topo.json, 3000, 20240611)
const { seededInts } = require('./lib');
const fs = require('fs');
const path = require('path');
const Topo = require('@hapi/topo');
const { Toposort } = require('@nocobase/utils');

const OUT = process.argv[2] || path.join(__dirname, '../../../internal/toposort/testdata/topo.json');
const COUNT = Number(process.argv[3] || 3000);
const seed = Number(process.argv[4] || 20240611);

const topoVersion = require('@hapi/topo/package.json').version;
if (topoVersion !== '6.0.2') throw new Error(`@hapi/topo ${topoVersion} installed, want 6.0.2 (run npm ci)`);
if (Object.getPrototypeOf(Toposort.prototype) !== Topo.Sorter.prototype) {
  throw new Error("@nocobase/utils' Toposort does not extend the installed @hapi/topo Sorter");
}

const rnd = seededInts(seed);
const pick = (a) => a[rnd(a.length)];

// A few groups, plus names that would trip a lookup through
// Object.prototype.
const GROUPS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const ODD_GROUPS = ['constructor', '__proto__', 'toString'];

function groupName(width) {
  return rnd(40) === 0 ? pick(ODD_GROUPS) : GROUPS[rnd(width)];
}

// refs draws a before/after list: usually empty or one group, sometimes two
// (possibly the same twice); density scales how often one is drawn.
function refs(width, density) {
  const out = [];
  const n = rnd(100) < density ? 1 + (rnd(4) === 0 ? 1 : 0) : 0;
  for (let i = 0; i < n; i++) out.push(groupName(width));
  return out;
}

function drawAdd(width, density) {
  const add = {};
  const g = rnd(20);
  if (g < 11) add.group = groupName(width);
  else if (g < 13) add.tag = groupName(width);
  else if (g < 14) {
    add.tag = groupName(width);
    add.group = groupName(width);
  } else if (g < 15) add.group = '?';
  // else: no group at all
  const before = refs(width, density);
  const after = refs(width, density);
  // Now and then an invalid constraint: the item's own group, or "?".
  if (rnd(40) === 0) (rnd(2) ? before : after).push(rnd(3) === 0 ? '?' : add.tag || add.group || '?');
  if (before.length) add.before = before;
  if (after.length) add.after = after;
  return add;
}

function kind(message) {
  if (/cannot come (before|after)/.test(message)) return 'invalid';
  if (/dependencies error/.test(message)) return 'cycle';
  throw new Error(`unexpected error: ${message}`);
}

function runCase(adds) {
  const sorter = new Toposort();
  return adds.map((add, i) => {
    const before = sorter._items.length;
    try {
      // add() mutates its options (tag -> group): pass a copy.
      sorter.add(i, JSON.parse(JSON.stringify(add)));
      return { nodes: [...sorter.nodes] };
    } catch (e) {
      const k = kind(e.message);
      if (k === 'cycle') {
        if (sorter._items.length !== before + 1) throw new Error('a failed add left an unexpected item list');
        sorter._items.pop();
      } else if (sorter._items.length !== before) {
        throw new Error('an invalid add changed the item list');
      }
      return { error: k, message: e.message };
    }
  });
}

const out = [];
for (let i = 0; i < COUNT; i++) {
  const width = 2 + rnd(GROUPS.length - 1); // 2..7 groups in play
  const density = pick([10, 25, 40, 60]); // % of before/after lists drawn non-empty
  const n = 1 + rnd(rnd(4) === 0 ? 20 : 10);
  const adds = Array.from({ length: n }, () => drawAdd(width, density));
  out.push({ name: `topo-${String(i).padStart(4, '0')}`, adds, steps: runCase(adds) });
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, '[\n' + out.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n');
const steps = out.flatMap((c) => c.steps);
console.log(
  `${OUT}: ${out.length} cases, ${steps.length} adds: ` +
    `${steps.filter((s) => s.error === 'cycle').length} cycles, ${steps.filter((s) => s.error === 'invalid').length} invalid`,
);
