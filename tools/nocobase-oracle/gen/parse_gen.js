// Generates acl/testdata/templates.json: filters filled by the reference's
// parseJsonTemplate for a user, role and time zone.
const { parseJsonTemplate } = require('@nocobase/acl');
const _ = require('lodash');
const filters = [
  {createdById: "{{ ctx.state.currentUser.id }}"},
  {"name.$ne": "users", "a.b.c": 1},
  {$and: [{owner: "{{$user.id}}"}, {nick: "{{ $user.nickname }}"}]},
  {role: "{{$nRole}}", literal: "x {{ ctx.state.currentUser.id }}"},
  {missing: "{{ ctx.state.currentUser.nothing }}"},
  {createdAt: {$dateOn: "2024-01-02"}},
  {createdAt: {$dateOn: "2024-01-02+05:00"}},
  {createdAt: {$dateBetween: ["2024-01-01", "2024-02-01"]}},
  {createdAt: {$dateBefore: "{{ ctx.state.currentUser.since }}"}},
  {$or: [{a: {$in: [1, 2]}}, {b: {$eq: "{{ ctx.state.currentUser.id }}"}}]},
  {tags: {$anyOf: ["a", "b"]}, empty: {}, list: []},
  {"dept.id": "{{ ctx.state.currentUser.departmentId }}", roles: "{{ ctx.state.currentRoles }}"},
  {$and: [{$or: [{x: 1}]}, {y: "{{ctx.state.currentUser.id}}"}]},
];
const states = [
  {currentUser: {id: 7, nickname: "n7", departmentId: 3, since: "2020-01-01"}, currentRole: "r", currentRoles: ["r", "s"]},
  {currentUser: {id: 9}},
  {},
];
(async () => {
  const out = [];
  let i = 0;
  for (const f of filters) for (const state of states) for (const tz of [undefined, "+08:00"]) {
    const user = state.currentUser;
    const res = await parseJsonTemplate(_.cloneDeep(f), { state: _.cloneDeep(state), timezone: tz, userProvider: async ({ fields }) => (user ? _.pick(user, fields) : undefined) });
    out.push({ name: `template-${String(i++).padStart(3, '0')}`, filter: f, state, timezone: tz || "", expected: res === undefined ? null : res });
  }
  require('fs').writeFileSync(process.argv[2], JSON.stringify(out, null, 1));
})();
