// Generates acl/testdata/merge.json: request params merged with ACL params by
// the reference's resolvePermissionParams (templates filled, then merged).
const _ = require('lodash');
const { ACL } = require('@nocobase/acl');
let seed = 7; const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const pick = (a) => a[rnd(a.length)];
const rawPool = {
  filter: [{id: 1}, {"title.$includes": "x"}, {$or: [{a: 1}, {b: 2}]}, {}, {status: {$in: ["a", "b"]}}],
  fields: [["a", "b"], ["a", "rel"], [], ["c"], "a,b"],
  appends: [["rel"], ["rel.x", "other"], [], ["author", "tags.x"]],
  sort: ["-id,name", ["id"], "-createdAt"],
  except: [["p"], ["q", "p"]],
  whitelist: [["a"], ["a", "z"]],
  page: [1, 2],
};
const aclPool = {
  filter: [{createdById: "{{ ctx.state.currentUser.id }}"}, {"name.$ne": "users"}, {status: "draft"}, {$and: [{a: "{{ ctx.state.currentUser.id }}"}, {b: {$in: [1, 2]}}]}, {role: "{{$nRole}}"}, {missing: "{{ ctx.state.currentUser.nope }}"}, {"dept.id": "{{ ctx.state.currentUser.departmentId }}"}, {}],
  fields: [["a", "b", "rel"], ["a"], ["z"]],
  appends: [["rel"], ["author", "tags"], []],
  whitelist: [["a", "b"], ["x"]],
  blacklist: [["secret"]],
  except: [["password"]],
  sort: [["id"], "-id,title"],
};
const states = [
  {currentUser: {id: 7, departmentId: 3}, currentRole: "r"},
  {currentUser: {id: 9}, currentRole: "member"},
  {},
];
function draw(pool) {
  const out = {};
  for (const k of Object.keys(pool)) if (rnd(3) === 0) out[k] = _.cloneDeep(pick(pool[k]));
  return out;
}
(async () => {
  const cases = [];
  for (let i = 0; i < 300; i++) {
    const raw = draw(rawPool); const acl = draw(aclPool); const state = _.cloneDeep(pick(states));
    const a = new ACL();
    const ctx = { state: _.cloneDeep(state), db: { getCollection: () => ({ getField: () => ({}) }) }, action: { params: {} }, permission: {} };
    let expected;
    try {
      const r = await a.resolvePermissionParams(ctx, { actionName: 'list', resourceName: 'posts', rawResourceName: 'posts', can: { role: 'r', resource: 'posts', action: 'list', params: _.cloneDeep(acl) }, params: _.cloneDeep(raw), skip: false });
      expected = JSON.parse(JSON.stringify(r.mergedParams));
    } catch (e) { expected = { error: e.message }; }
    cases.push({ name: `merge-${String(i).padStart(3, '0')}`, raw, acl, state, expected });
  }
  require('fs').writeFileSync(process.argv[2], JSON.stringify(cases, null, 1));
})();
