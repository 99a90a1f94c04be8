'use strict';
// spec.json: the reference's own tests (spec §7) that can be expressed as a
// can.js scenario. can() queries run after all setup and ops, so a test that
// checks before and after a change becomes one case per phase.
const { REAL_ACTIONS, TPL, generate } = require('./lib');

const cases = [];
const add = (name, input) => cases.push({ name, input });
const q = (role, resource, action, extra = {}) => ({ role, resource, action, ...extra });
const qs = (roles, resource, action, extra = {}) => ({ roles, resource, action, ...extra });
const both = (role, resource, action) => [q(role, resource, action), qs([role], resource, action)];

// ---------------------------------------------------------------- acl.test.ts
const A = 'acl.test/';
add(A + 'should grant action with own params', {
  availableActions: { edit: {}, create: {} },
  roles: [{ role: 'admin', actions: { 'posts:edit': { own: true } } }],
  queries: [...both('admin', 'posts', 'edit'), q('admin', 'posts', 'create'), q('admin', 'posts', 'edit', { rawResourceName: 'users.posts' })],
});
add(A + 'should getRole', {
  roles: [{ role: 'admin' }],
  queries: [...both('admin', 'posts', 'view'), q('other', 'posts', 'view')],
});
add(A + 'should set available action', {
  availableActions: { edit: { displayName: 'Edit' } },
  strategies: { s: { actions: ['edit'] } },
  roles: [{ role: 'admin', strategy: 's' }],
  queries: [...both('admin', 'posts', 'edit'), q('admin', 'posts', 'view')],
});
add(A + 'should define role with predicate', {
  availableActions: { edit: {}, create: {} },
  roles: [{ role: 'admin', strategy: { actions: ['edit:own', 'create'] } }],
  queries: [...both('admin', 'posts', 'edit'), ...both('admin', 'posts', 'create'), q('admin', 'posts', 'view')],
});
add(A + 'should allow all', {
  availableActions: { create: {}, edit: {} },
  strategies: { s1: { displayName: 's1', actions: '*' } },
  roles: [{ role: 'admin', strategy: 's1' }],
  queries: [...both('admin', 'posts', 'create'), q('admin', 'users', 'anything')],
});
add(A + 'should deny all', {
  strategies: { s1: { displayName: 'test', actions: false } },
  roles: [{ role: 'admin', strategy: 's1' }],
  queries: [...both('admin', 'posts', 'create')],
});
add(A + 'should grant action when define role', {
  availableActions: { create: { displayName: 'create' } },
  strategies: { s1: { displayName: 'test', actions: false } },
  roles: [{ role: 'admin', strategy: 's1', actions: { 'posts:create': {} } }],
  queries: [...both('admin', 'posts', 'create'), q('admin', 'posts', 'view')],
});
const grantBase = {
  availableActions: { create: { displayName: 'create' } },
  strategies: { s1: { displayName: 'test', actions: false } },
  roles: [{ role: 'admin', strategy: 's1' }],
  queries: [...both('admin', 'posts', 'create')],
};
add(A + 'should grant action (before grant)', grantBase);
add(A + 'should grant action (after grant)', { ...grantBase, ops: [{ op: 'grant', role: 'admin', path: 'posts:create', params: {} }] });
add(A + 'should works with alias action', {
  availableActions: { view: { displayName: 'view', aliases: ['get', 'list'] } },
  strategies: { s1: { displayName: 'test', actions: ['view'] } },
  roles: [{ role: 'admin', strategy: 's1' }],
  queries: [...both('admin', 'posts', 'get'), ...both('admin', 'posts', 'list'), q('admin', 'posts', 'view'), q('admin', 'posts', 'query')],
});
const paramsBase = {
  strategies: { s2: { displayName: 'view create update', actions: ['view', 'create', 'update'] } },
  availableActions: { view: {}, create: {}, update: {} },
  roles: [{ role: 'admin', strategy: 's2', actions: { 'posts:view': { filter: { createdById: TPL } } } }],
};
add(A + 'should return action params when check permission', {
  ...paramsBase,
  queries: [...both('admin', 'posts', 'view'), q('admin', 'posts', 'create'), q('admin', 'users', 'view')],
});
add(A + 'should getActionParams', { ...paramsBase, queries: [q('admin', 'posts', 'view')] });
const revokeBase = {
  availableActions: { create: { displayName: 'create' } },
  strategies: { s1: { displayName: 'test', actions: false } },
  roles: [{ role: 'admin', strategy: 's1' }],
  queries: [...both('admin', 'posts', 'create')],
};
add(A + 'should revoke action (after grant)', { ...revokeBase, ops: [{ op: 'grant', role: 'admin', path: 'posts:create', params: {} }] });
add(A + 'should revoke action (after revoke)', {
  ...revokeBase,
  ops: [
    { op: 'grant', role: 'admin', path: 'posts:create', params: {} },
    { op: 'revoke', role: 'admin', path: 'posts:create' },
  ],
});
add(A + 'should to JSON', {
  availableActions: { create: { displayName: 'create' } },
  strategies: { s1: { displayName: 'test', actions: false } },
  roles: [{ role: 'admin', strategy: 's1', actions: { 'posts:create': { filter: { a: 'b' } } } }],
  queries: [q('admin', 'posts', 'create')],
});
add(A + 'should resolve action params without mutating current action context (can part)', {
  roles: [{ role: 'anonymous', actions: { 'files:view': { filter: { status: 'public' } } } }],
  queries: [...both('anonymous', 'files', 'view'), qs(['anonymous'], 'files', 'getFile')],
});
add(A + 'should resolve action params with currentRole when currentRoles is absent (can part)', {
  roles: [{ role: 'root' }],
  queries: [...both('root', 'files', 'view')],
});
add(A + 'should resolve association resource name from repository target collection (can part)', {
  roles: [{ role: 'anonymous', actions: { 'comments:view': { filter: { status: 'published' } } } }],
  queries: [
    qs(['anonymous'], 'comments', 'view', { rawResourceName: 'posts.latestComments' }),
    q('anonymous', 'comments', 'view', { rawResourceName: 'posts.latestComments' }),
  ],
});
const srBase = {
  roles: [{ role: 'admin', strategy: { actions: ['create'] } }],
  queries: [...both('admin', 'users', 'create'), q('admin', 'posts', 'create')],
};
add(A + 'should not allow when strategyResources is set (unset)', srBase);
add(A + "should not allow when strategyResources is set (['posts'])", { ...srBase, strategyResources: ['posts'] });
add(A + "should not allow when strategyResources is set (['posts','users'])", {
  ...srBase,
  strategyResources: ['posts'],
  ops: [{ op: 'setStrategyResources', resources: ['posts', 'users'] }],
});
add(A + 'should return without params when role is root', {
  roles: [{ role: 'root' }, { role: 'member' }],
  queries: [
    { role: 'root', resource: 'posts', action: 'view' },
    { roles: ['root'], resource: 'posts', action: 'view' },
    { roles: ['member', 'root'], resource: 'posts', action: 'view' },
    { roles: ['member'], resource: 'posts', action: 'view' },
  ],
});

// ----------------------------------------------------------- acl-role.test.ts
// Every test: role1 and role2, can({roles:['role1','role2'], resource:'posts', action}).
// JSON cannot carry `undefined`; a `{filter: undefined}` grant is written as
// `{}` (what JSON.stringify makes of it) and, as an extra, a `null` variant.
const R = 'acl-role.test/';
function union(title, p1, p2, { action = 'view', available = { edit: { type: 'old-data' } }, extraRoles = [], extraQueries = [] } = {}) {
  const roles = [
    { role: 'role1', actions: p1 === undefined ? {} : { [`posts:${action}`]: p1 } },
    { role: 'role2', actions: p2 === undefined ? {} : { [`posts:${action}`]: p2 } },
    ...extraRoles,
  ];
  add(R + title, {
    availableActions: available,
    roles,
    queries: [
      qs(['role1', 'role2'], 'posts', action),
      qs(['role2', 'role1'], 'posts', action),
      q('role1', 'posts', action),
      q('role2', 'posts', action),
      ...extraQueries,
    ],
  });
}
const nullRole = (params) => ({ role: 'role1null', actions: { 'posts:view': params } });
union('should allow all(params:{}) when filter1 = undefined, filter2 is not exists', {}, undefined, {
  extraRoles: [nullRole({ filter: null })],
  extraQueries: [qs(['role1null', 'role2'], 'posts', 'view'), qs(['role1null'], 'posts', 'view'), q('role1null', 'posts', 'view')],
});
union('should allow all(params:{}) when filter1 = undefined, filter2 = {}', {}, { filter: {} }, {
  extraRoles: [nullRole({ filter: null })],
  extraQueries: [qs(['role1null', 'role2'], 'posts', 'view'), qs(['role2', 'role1null'], 'posts', 'view')],
});
union('should allow all(params={}) when filter1 = {}, filter2 = {}', { filter: {} }, { filter: {} });
union('should union filter(params.filter={$or:[{id:1}, {id:2}]}) when filter1 = {id: 1}, filter2 = {id: 2}', { filter: { id: 1 } }, { filter: { id: 2 } });
union('should union filter(filter={$or:[{id:1}, {name: zhangsan}]}) when filter1 = {id: 1}, filter2 = {name: zhangsan}', { filter: { id: 1 } }, { filter: { name: 'zhangsan' } });
union('should union filter(filter={$or:[{id:1}, {name: zhangsan}]}) when filter1 = {id: 1}, filter2 = { $or: [{name: zhangsan}]', { filter: { id: 1 } }, { filter: { name: 'zhangsan' } }, {
  // the title's variant, with a real lone $or on role2
  extraRoles: [{ role: 'role2or', actions: { 'posts:view': { filter: { $or: [{ name: 'zhangsan' }] } } } }],
  extraQueries: [qs(['role1', 'role2or'], 'posts', 'view'), qs(['role2or', 'role1'], 'posts', 'view'), qs(['role2or', 'role2'], 'posts', 'view')],
});
union('should allow all(params={}) when fields1 = undefined, fields2 is not exists', { fields: [] }, {});
union('should allow all(params={}) when fields1 = undefined, fields2 is not exists (fields: undefined)', {}, {}, {
  extraRoles: [nullRole({ fields: null })],
  extraQueries: [qs(['role1null', 'role2'], 'posts', 'view'), qs(['role1null'], 'posts', 'view')],
});
union('should allow all(params={}) when fields1 = [], fields2 =[]', { fields: [] }, { fields: [] });
union('should union fields(params={ fields: [a,b]}) when fields1 = [a], fields2 =[b]', { fields: ['a'] }, { fields: ['b'] });
union('should union no repeat fields(params={ fields: [a,b,c]}) when fields1 = [a,b], fields2 =[b,c]', { fields: ['a', 'b'] }, { fields: ['b', 'c'] });
union('should union whitelist when whitelist1 = [a,b], whitelist2 = [c]', { whitelist: ['a', 'b'] }, { whitelist: ['c'] }, { action: 'update', available: { update: {} } });
union('should union appends when appends1 = [a,b], appends2 = [c]', { appends: ['a', 'b'] }, { appends: ['c'] }, { action: 'update', available: { update: {} } });
union('should union appends when appends1 = [a,b], appends2 = []', { appends: ['a', 'b'] }, { appends: [] }, { action: 'update', available: { update: {} } });
const viewAvail = { view: { type: 'old-data' } };
union('should allow all(params={}) when actions1 = {filter: {}}, actions2 = {fields: []}', { filter: {} }, { fields: [] }, { available: viewAvail });
union('should allow all(params={}) when actions1 = {filter: {}}, actions2 = {fields: [a]}', { filter: {} }, { fields: ['a'] }, { available: viewAvail });
union('should allow all(params={}) when actions1 = {filter: {a:1}}, actions2 = {fields: []}', { filter: { a: 1 } }, { fields: [] }, { available: viewAvail });
union('should allow all(params={}) when actions1 = {filter: {a:1}}, actions2 = {fields: [a]}', { filter: { a: 1 } }, { fields: ['a'] }, { available: viewAvail });
union('should union filter&fields(params={ filter:{ $or:[{a:1},{a:2}]}, fields:[a,b]}) when actions1={filter:{a:1}, fields:[a]}, actions2={filter: {a:1}},fields:[b]}',
  { filter: { a: 1 }, fields: ['a'] }, { filter: { a: 2 }, fields: ['b'] }, { available: viewAvail });

// ------------------------------------------------------ fixed-params.test.ts
const F = 'fixed-params.test/';
add(F + 'should merge params (through acl.can)', {
  roles: [{ role: 'admin', actions: { 'collections:destroy': {} } }],
  fixedParams: [
    { resource: 'collections', action: 'destroy', params: { filter: { 'name.$ne': 'users' } } },
    { resource: 'collections', action: 'destroy', params: { filter: { 'name.$ne': 'roles' } } },
  ],
  queries: [...both('admin', 'collections', 'destroy')],
});
const fpBase = { roles: [{ role: 'admin', actions: { 'collections:destroy': {} } }], queries: [...both('admin', 'collections', 'destroy'), q('admin', 'collections', 'list')] };
add(F + 'should add fixed params to acl action (without fixed params)', fpBase);
add(F + 'should add fixed params to acl action (with fixed params)', {
  ...fpBase,
  fixedParams: [{ resource: 'collections', action: 'destroy', params: { filter: { 'name.$ne': 'users' } } }],
});

// --------------------------------------------- fixed-params-manager.test.ts
// Expressed through acl.can: a role granting {} returns exactly the fixed params.
const M = 'fixed-params-manager.test/';
const gAll = { role: 'g', actions: { 'posts:list': {}, 'posts:get': {}, 'posts:create': {}, 'users:list': {}, 'comments:list': {} } };
const gq = (pairs) => pairs.map(([r, a]) => q('g', r, a)).concat(pairs.slice(0, 1).map(([r, a]) => qs(['g'], r, a)));
add(M + 'should add general merger that applies to all resources', {
  roles: [gAll],
  generalFixedParams: [{ params: { filter: { status: 'active' } } }],
  queries: gq([['posts', 'list'], ['users', 'list']]),
});
add(M + 'should support multiple general mergers', {
  roles: [gAll],
  generalFixedParams: [{ params: { filter: { status: 'active' } } }, { params: { filter: { published: true } } }],
  queries: gq([['posts', 'list']]),
});
add(M + 'should allow general merger to return different params based on resource', {
  roles: [gAll],
  generalFixedParams: [
    { resource: 'posts', params: { filter: { type: 'article' } } },
    { resource: 'users', params: { filter: { role: 'member' } } },
  ],
  queries: gq([['posts', 'list'], ['users', 'list'], ['comments', 'list']]),
});
add(M + 'should allow general merger to return different params based on action', {
  roles: [gAll],
  generalFixedParams: [
    { action: 'list', params: { filter: { deleted: false } } },
    { action: 'get', params: { fields: ['id', 'name'] } },
  ],
  queries: gq([['posts', 'list'], ['posts', 'get'], ['posts', 'create']]),
});
add(M + 'should apply general mergers before specific params', {
  roles: [gAll],
  generalFixedParams: [{ params: { filter: { status: 'active' } } }],
  fixedParams: [{ resource: 'posts', action: 'list', params: { filter: { featured: true } } }],
  queries: gq([['posts', 'list'], ['users', 'list']]),
});
add(M + 'should handle multiple general mergers with different param types', {
  roles: [gAll],
  generalFixedParams: [
    { params: { filter: { status: 'active' } } },
    { params: { fields: ['id', 'name'] } },
    { params: { sort: ['createdAt'] } },
  ],
  queries: gq([['posts', 'list']]),
});
add(M + 'should allow general merger to return empty object', {
  roles: [gAll],
  generalFixedParams: [{ params: {} }],
  queries: gq([['posts', 'list']]),
});
add(M + 'should handle complex merge scenarios with general mergers (without extra)', {
  roles: [gAll],
  generalFixedParams: [{ params: { filter: { deleted: false }, fields: ['id', 'name', 'email'], appends: ['profile'] } }],
  fixedParams: [{ resource: 'users', action: 'list', params: { filter: { role: 'admin' }, fields: ['id', 'name'], appends: ['roles'] } }],
  queries: gq([['users', 'list'], ['posts', 'list']]),
});

// ----------------------------------------------------------- snippet.test.ts
const S = 'snippet.test/';
// "nocobase snippet": the plugins' snippets, registered by hand.
const pluginSnippets = [
  { name: 'pm.users', actions: ['users:*'] },
  { name: 'pm.acl.roles', actions: ['roles:*', 'roles.menuUiSchemas:*', 'availableActions:list'] },
];
add(S + 'snippet allowed', {
  snippets: pluginSnippets,
  roles: [{ role: 'test', snippets: ['!pm.users', 'pm.*'] }],
  queries: [...both('test', 'users', 'list'), q('test', 'roles', 'list')],
});
add(S + 'should allow all snippets', {
  snippets: pluginSnippets,
  roles: [{ role: 'test', snippets: ['!pm.acl.roles', 'pm.*'] }],
  queries: [...both('test', 'users', 'list'), q('test', 'roles', 'list')],
});
add(S + 'should replace invalid snippet name', {
  snippets: [{ name: 'pm.users.*', actions: ['users:*'] }],
  roles: [{ role: 'a', snippets: ['pm.users'] }, { role: 'b', snippets: ['pm.users.*'] }],
  queries: [...both('a', 'users', 'list'), q('b', 'users', 'list')],
});
const scSnippets = [
  { name: 'sc.collection-manager.fields', actions: ['fields:list'] },
  { name: 'sc.collection-manager.gi', actions: ['fields:list', 'gi:list'] },
  { name: 'sc.collection-manager.collections', actions: ['collections:list'] },
];
const scQueries = (r) => [q(r, 'fields', 'list'), q(r, 'gi', 'list'), q(r, 'collections', 'list'), q(r, 'other', 'list'), qs([r], 'gi', 'list')];
add(S + 'should get effective snipptes (sc.*)', { snippets: scSnippets, roles: [{ role: 'admin', snippets: ['sc.*'] }], queries: scQueries('admin') });
add(S + 'should get effective snipptes (sc.* and !gi)', {
  snippets: scSnippets,
  roles: [{ role: 'admin', snippets: ['sc.*', '!sc.collection-manager.gi'] }],
  queries: scQueries('admin'),
});
add(S + 'should register snippet (before negation)', { snippets: scSnippets, roles: [{ role: 'admin', snippets: ['sc.*'] }], queries: scQueries('admin') });
add(S + 'should register snippet (after negation)', {
  snippets: scSnippets,
  roles: [{ role: 'admin', snippets: ['sc.*'] }],
  ops: [{ op: 'setSnippets', role: 'admin', snippets: ['sc.*', '!sc.collection-manager.gi'] }],
  queries: scQueries('admin'),
});
add(S + 'should return true when last rule allowd', {
  snippets: [
    { name: 'sc.collection-manager.fields', actions: ['fields:list'] },
    { name: 'sc.collection-manager.gi', actions: ['fields:list'] },
    { name: 'sc.users', actions: ['users:*'] },
  ],
  roles: [{ role: 'admin', snippets: ['!sc.collection-manager.gi', '!sc.users', 'sc.*'] }],
  queries: [...both('admin', 'fields', 'list'), ...both('admin', 'users', 'list')],
});
add(S + 'could merge more on same name', {
  snippets: [
    { name: 'n1', actions: ['a:*', 'b:*'] },
    { name: 'n1', actions: ['a:*', 'c:*'] },
  ],
  roles: [{ role: 'admin', snippets: ['n1'] }],
  queries: [q('admin', 'a', 'list'), q('admin', 'b', 'list'), ...both('admin', 'c', 'list'), q('admin', 'd', 'list')],
});
add(S + 'could merge more on same name (registerSnippet op)', {
  snippets: [{ name: 'n1', actions: ['a:*', 'b:*'] }],
  roles: [{ role: 'admin', snippets: ['n1'] }],
  ops: [{ op: 'registerSnippet', snippet: { name: 'n1', actions: ['a:*', 'c:*'] } }],
  queries: [q('admin', 'a', 'list'), q('admin', 'b', 'list'), q('admin', 'c', 'list')],
});

// ------------------------------------- realistic alias table, sanity checks
add('realistic/alias table through a strategy', {
  availableActions: REAL_ACTIONS,
  strategies: { member: { actions: ['view', 'update:own', 'create'] } },
  roles: [{ role: 'member', strategy: 'member' }],
  queries: ['create', 'firstOrCreate', 'updateOrCreate', 'view', 'get', 'list', 'query', 'update', 'move', 'destroy', 'export'].map((a) => q('member', 'posts', a)),
});

generate('spec.json', cases).catch((e) => {
  console.error(e);
  process.exit(1);
});
