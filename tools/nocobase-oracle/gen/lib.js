'use strict';
// Shared helpers for the corpus generators: run scenarios through ../can.js
// (one node process each, a few in parallel) and write
// acl/testdata/reference/<file>.json as a JSON array of
// {name, input, expected}.
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const CAN = path.join(__dirname, '..', 'can.js');
const OUT_DIR = process.env.REF_OUT_DIR || require('path').join(__dirname, '../../../acl/testdata/reference');

// The realistic NocoBase alias table (packages/core/server/src/acl/available-action.ts).
const REAL_ACTIONS = {
  create: { aliases: ['create', 'firstOrCreate', 'updateOrCreate'] },
  view: { aliases: ['get', 'list', 'query'] },
  update: { aliases: ['update', 'move'] },
  destroy: { aliases: ['destroy'] },
};

const TPL = '{{ ctx.state.currentUser.id }}';

function runOne(input) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CAN], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`can.js exit ${code}: ${err || out}`));
      }
    });
    p.stdin.end(JSON.stringify(input));
  });
}

async function runAll(cases, concurrency = 4) {
  const results = new Array(cases.length);
  let next = 0;
  async function worker() {
    while (next < cases.length) {
      const i = next++;
      results[i] = await runOne(cases[i].input);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

// Runs every case and writes the file. Cases whose run recorded setup/op
// errors are reported (they usually mean the scenario broke an Avoid rule);
// with allowErrors false the generator fails.
async function generate(file, cases, { allowErrors = false } = {}) {
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name: ${c.name}`);
    names.add(c.name);
  }
  const outputs = await runAll(cases);
  const bad = [];
  const rows = cases.map((c, i) => {
    const expected = outputs[i];
    if (expected.fatal || expected.error) throw new Error(`${c.name}: ${JSON.stringify(expected)}`);
    if (expected.errors && expected.errors.length) bad.push(`${c.name}: ${JSON.stringify(expected.errors)} at ${JSON.stringify(expected.errorsAt)}`);
    (expected.results || []).forEach((r, j) => {
      if (r && r.error) bad.push(`${c.name}: query ${j} threw ${r.error}`);
    });
    return { name: c.name, input: c.input, expected };
  });
  if (bad.length) {
    console.error(`${file}: ${bad.length} case(s) with reference errors:\n  ` + bad.join('\n  '));
    if (!allowErrors) process.exit(1);
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const text = '[\n' + rows.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n';
  const target = path.join(OUT_DIR, file);
  fs.writeFileSync(target, text);
  console.log(`${target}: ${rows.length} cases`);
}

// mulberry32 is a small seeded PRNG: the same seed gives the same floats in
// [0, 1) on every run. (A JS double product such as seed * 1103515245 loses
// its low bits, which once made every draw of a generator the same.)
function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// seededInts returns rnd(n): a whole number in [0, n) from mulberry32(seed).
function seededInts(seed) {
  const f = mulberry32(seed);
  return (n) => Math.floor(f() * n);
}

module.exports = { REAL_ACTIONS, TPL, runOne, runAll, generate, mulberry32, seededInts };
