'use strict';
// Generates acl/testdata/merge.json: request params merged with ACL params by
// the reference's resolvePermissionParams (templates filled, then merged).
//
// Each case draws a density for each side (1/4, 1/2 or 3/4) and then every
// key of rawPool and of aclPool with that probability, so both sparse and
// dense params occur and every key the two pools share (all eight param
// keys) is set on both sides in many cases; then a ctx.state. The pools mix
// the forms a request may send (lists, comma strings, "", null) and grant
// lists that are empty. Request appends are always arrays: the reference
// throws on a string ("x.filter is not a function"). The PRNG is mulberry32
// (as in resourcer_gen.js): a JS double product such as seed * 1103515245
// loses the low bits and made every draw the same.
//
// Usage: node merge_gen.js [out] [count] [seed]
//   (default ../../../acl/testdata/merge.json, 600, 20240611)
const { seededInts } = require('./lib');
const fs = require('fs');
const path = require('path');
const _ = require('lodash');
const { ACL } = require('@nocobase/acl');

const OUT = process.argv[2] || path.join(__dirname, '../../../acl/testdata/merge.json');
const COUNT = Number(process.argv[3] || 600);
const seed = Number(process.argv[4] || 20240611);

const rnd = seededInts(seed);
const pick = (a) => a[rnd(a.length)];

const TPL = '{{ ctx.state.currentUser.id }}';
const rawPool = {
  filter: [{ id: 1 }, { 'title.$includes': 'x' }, { $or: [{ a: 1 }, { b: 2 }] }, {}, { status: { $in: ['a', 'b'] } }, { $and: [{ a: 1 }, { createdById: 2 }] }, { createdById: 1 }],
  fields: [['a', 'b'], ['a', 'rel'], [], ['c'], 'a,b', ['a', 'z', 'secret'], '', null, ['author', 'a']],
  appends: [['rel'], ['rel.x', 'other'], [], ['author', 'tags.x'], ['secret']],
  sort: ['-id,name', ['id'], '-createdAt', []],
  except: [['p'], ['q', 'p'], 'p,password'],
  whitelist: [['a'], ['a', 'z'], [], 'a,b'],
  blacklist: [['b'], ['secret', 'c'], [], 'c,secret'],
  own: [true, false],
  page: [1, 2],
  pageSize: [20, 1000],
};
const aclPool = {
  filter: [
    { createdById: TPL },
    { 'name.$ne': 'users' },
    { status: 'draft' },
    { $and: [{ a: TPL }, { b: { $in: [1, 2] } }] },
    { $or: [{ createdById: TPL }, { status: 'published' }] },
    { role: '{{$nRole}}' },
    { missing: '{{ ctx.state.currentUser.nope }}' },
    { 'dept.id': '{{ ctx.state.currentUser.departmentId }}' },
    {},
  ],
  fields: [['a', 'b', 'rel'], ['a'], ['z'], ['a', 'c', 'author'], []],
  appends: [['rel'], ['author', 'tags'], [], ['rel', 'other']],
  whitelist: [['a', 'b'], ['x'], ['a'], []],
  blacklist: [['secret'], ['secret', 'b']],
  except: [['password'], ['password', 'p']],
  sort: [['id'], '-id,title'],
  own: [true, false],
};
const states = [
  { currentUser: { id: 7, departmentId: 3 }, currentRole: 'r' },
  { currentUser: { id: 9 }, currentRole: 'member' },
  { currentUser: { id: 1, departmentId: 5 }, currentRoles: ['a', 'b'] },
  {},
];

function draw(pool) {
  const density = 1 + rnd(3); // in quarters
  const out = {};
  for (const k of Object.keys(pool)) if (rnd(4) < density) out[k] = _.cloneDeep(pick(pool[k]));
  return out;
}

(async () => {
  const cases = [];
  for (let i = 0; i < COUNT; i++) {
    const raw = draw(rawPool);
    const acl = draw(aclPool);
    const state = _.cloneDeep(pick(states));
    const a = new ACL();
    const ctx = { state: _.cloneDeep(state), db: { getCollection: () => ({ getField: () => ({}) }) }, action: { params: {} }, permission: {} };
    let expected;
    try {
      const r = await a.resolvePermissionParams(ctx, { actionName: 'list', resourceName: 'posts', rawResourceName: 'posts', can: { role: 'r', resource: 'posts', action: 'list', params: _.cloneDeep(acl) }, params: _.cloneDeep(raw), skip: false });
      expected = JSON.parse(JSON.stringify(r.mergedParams));
    } catch (e) {
      expected = { error: e.message };
    }
    cases.push({ name: `merge-${String(i).padStart(3, '0')}`, raw, acl, state, expected });
  }
  fs.writeFileSync(OUT, '[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
  console.log(`${OUT}: ${cases.length} cases`);
})();
