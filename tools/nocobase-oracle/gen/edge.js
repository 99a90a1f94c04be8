'use strict';
// edge.json: the surprising behaviours from ../README.md "Findings", minus the
// deliberate differences of the Go port (paths without ':' or with two, $or
// with sibling keys, duplicate fields, string/false actions in inline
// strategies, revokeAction on a missing resource, invalid snippet names).
const { REAL_ACTIONS, TPL, generate } = require('./lib');

const cases = [];
const add = (name, input) => cases.push({ name, input });
const q = (role, resource, action, extra = {}) => ({ role, resource, action, ...extra });
const qs = (roles, resource, action, extra = {}) => ({ roles, resource, action, ...extra });

// (a) strategy actions forms (named strategies may use any form)
add('a/strategy star forms', {
  availableActions: { view: { aliases: ['get', 'list'] } },
  strategies: {
    star: { actions: '*' },
    starArr: { actions: ['*'] },
    starPlus: { actions: ['*', 'view'] },
    starOwn: { actions: '*:own' },
    viewStr: { actions: 'view' },
    viewAll: { actions: ['view:all'] },
    viewFoo: { actions: ['view:foo'] },
    none: { actions: false },
    noActions: {},
    dup: { actions: ['view:own', 'view'] },
    dupRev: { actions: ['view', 'view:own'] },
  },
  roles: [
    ...['star', 'starArr', 'starPlus', 'starOwn', 'viewStr', 'viewAll', 'viewFoo', 'none', 'noActions', 'dup', 'dupRev'].map((s) => ({ role: s, strategy: s })),
    { role: 'unknown', strategy: 'no-such-strategy' },
    { role: 'objStar', strategy: { actions: ['*'], allowConfigure: true } },
    { role: 'objStarPlus', strategy: { actions: ['*', 'view'] } },
  ],
  queries: [
    q('star', 'posts', 'create'),
    q('starArr', 'posts', 'create'),
    q('starPlus', 'posts', 'create'),
    q('starPlus', 'posts', 'list'),
    q('starOwn', 'posts', 'create'),
    q('starOwn', 'posts', '*'),
    q('viewStr', 'posts', 'get'),
    q('viewAll', 'posts', 'list'),
    q('viewFoo', 'posts', 'list'),
    q('none', 'posts', 'list'),
    q('noActions', 'posts', 'list'),
    q('dup', 'posts', 'list'),
    q('dupRev', 'posts', 'list'),
    q('unknown', 'posts', 'list'),
    q('objStar', 'posts', 'destroy'),
    q('objStarPlus', 'posts', 'destroy'),
    q('objStarPlus', 'posts', 'get'),
    qs(['starPlus', 'star'], 'posts', 'create'),
    qs(['viewFoo', 'dupRev'], 'posts', 'get'),
  ],
});

// (b) own in unions; numbers and booleans dropped by removeEmptyParams
add('b/own in single role vs union', {
  availableActions: { view: { aliases: ['get', 'list'] }, update: {} },
  strategies: { member: { actions: ['view:own', 'update:own', 'create'], allowConfigure: true } },
  roles: [
    { role: 'admin', actions: { 'posts:edit': { own: true }, 'posts:view': { own: true, filter: { a: 1 } } } },
    { role: 'r2', actions: { 'posts:edit': { filter: { status: 'x' } } } },
    { role: 'm', strategy: 'member' },
    { role: 'p', strategy: { actions: ['edit:own', 'create'] } },
  ],
  queries: [
    q('admin', 'posts', 'edit'),
    q('admin', 'posts', 'view'),
    q('admin', 'posts', 'get'),
    qs(['admin'], 'posts', 'edit'),
    qs(['admin', 'r2'], 'posts', 'edit'),
    qs(['r2', 'admin'], 'posts', 'edit'),
    q('m', 'posts', 'list'),
    q('m', 'posts', 'create'),
    qs(['m', 'admin'], 'posts', 'view'),
    qs(['admin', 'm'], 'posts', 'view'),
    q('p', 'posts', 'edit'),
    q('p', 'posts', 'create'),
    qs(['p', 'm'], 'posts', 'create'),
  ],
});
add('b/numbers and booleans dropped in unions', {
  roles: [
    { role: 'r5', actions: { 'posts:view': { filter: { a: 2 }, extra: 1, flag: true, off: false, zero: 0, s: 'str', e: '' } } },
    { role: 'r6', actions: { 'posts:view': { filter: { a: 3 } } } },
  ],
  queries: [q('r5', 'posts', 'view'), qs(['r5'], 'posts', 'view'), qs(['r5', 'r6'], 'posts', 'view'), qs(['r6', 'r5'], 'posts', 'view')],
});

// (c) identical filters collapse (uniqWith); lone $or merging
add('c/identical filters and lone $or', {
  roles: [
    { role: 'r2', actions: { 'posts:view': { filter: { z: 3 } } } },
    { role: 'r4', actions: { 'posts:view': { filter: { z: 3 } } } },
    { role: 'o1', actions: { 'posts:view': { filter: { $or: [{ a: 1 }, { b: 2 }] } } } },
    { role: 'o2', actions: { 'posts:view': { filter: { $or: [{ b: 2 }, { c: 3 }] } } } },
  ],
  queries: [
    qs(['r2', 'r4'], 'posts', 'view'),
    qs(['r2', 'o1'], 'posts', 'view'),
    qs(['o1', 'r2'], 'posts', 'view'),
    qs(['o1', 'o2'], 'posts', 'view'),
    qs(['o2', 'o1', 'r2', 'r4'], 'posts', 'view'),
    qs(['o1'], 'posts', 'view'),
    q('o1', 'posts', 'view'),
  ],
});

// (d) root and fixed params
add('d/root with fixed params', {
  strategies: { s1: { actions: ['view'] } },
  snippets: [{ name: 'pm.users', actions: ['users:*'] }],
  roles: [
    { role: 'root' },
    { role: 'admin', actions: { 'collections:destroy': {}, 'posts:list': { filter: { a: 1 }, fields: ['x', 'y'] } } },
    { role: 'member', strategy: 's1' },
    { role: 'snip', snippets: ['pm.*'] },
  ],
  fixedParams: [
    { resource: 'collections', action: 'destroy', params: { filter: { 'name.$ne': 'users' } } },
    { resource: 'collections', action: 'destroy', params: { filter: { 'name.$ne': 'roles' } } },
    { resource: 'posts', action: 'list', params: { filter: { b: 2 }, fields: ['z'] } },
    { resource: 'posts', action: 'view', params: { filter: { fixed: true } } },
    { resource: 'users', action: 'list', params: { filter: { hidden: false } } },
  ],
  queries: [
    q('root', 'collections', 'destroy'),
    qs(['root'], 'collections', 'destroy'),
    qs(['member', 'root'], 'collections', 'destroy'),
    qs(['root', 'nobody'], 'collections', 'destroy'),
    q('admin', 'collections', 'destroy'),
    qs(['admin', 'member'], 'collections', 'destroy'),
    q('admin', 'posts', 'list'),
    qs(['admin'], 'posts', 'list'),
    q('member', 'posts', 'view'),
    q('member', 'posts', 'list'),
    q('snip', 'users', 'list'),
    q('snip', 'users', 'get'),
    q('undefinedRole', 'posts', 'view'),
    { resource: 'posts', action: 'view' },
  ],
});
add('d/root not defined', {
  roles: [{ role: 'member', strategy: { actions: ['*'] } }],
  queries: [
    q('root', 'posts', 'view'),
    qs(['member', 'root'], 'posts', 'view'),
    qs(['root'], 'posts', 'view'),
    qs(['member'], 'posts', 'view'),
    qs([], 'posts', 'view'),
    { resource: 'posts', action: 'view' },
  ],
});
add('d/role wins over roles', {
  strategies: { all: { actions: '*' } },
  roles: [{ role: 'root' }, { role: 'a', strategy: 'all' }, { role: 'b' }],
  queries: [
    { role: 'b', roles: ['a'], resource: 'posts', action: 'view' },
    { role: 'a', roles: ['root'], resource: 'posts', action: 'view' },
    { role: 'b', roles: ['root'], resource: 'posts', action: 'view' },
  ],
});
add('d/root removed', {
  roles: [{ role: 'root' }, { role: 'member', strategy: { actions: ['*'] } }],
  ops: [{ op: 'remove', role: 'root' }],
  queries: [q('root', 'posts', 'view'), qs(['member', 'root'], 'posts', 'view'), qs(['member'], 'posts', 'view')],
});

// (f) general fixed params
add('f/general fixed params', {
  roles: [{ role: 'admin', actions: { 'posts:list': { filter: { a: 1 } }, 'users:list': {}, 'users:get': { fields: ['id', 'x'] } } }],
  generalFixedParams: [
    { params: { filter: { status: 'active' } } },
    { params: { filter: { published: true } }, resource: 'posts' },
    { params: { fields: ['id', 'name'] }, action: 'get' },
  ],
  fixedParams: [{ resource: 'posts', action: 'list', params: { filter: { featured: true } } }],
  queries: [
    q('admin', 'posts', 'list'),
    qs(['admin'], 'posts', 'list'),
    q('admin', 'users', 'list'),
    q('admin', 'users', 'get'),
    q('admin', 'posts', 'get'),
  ],
});
add('f/fixed params with rawResourceName and raw action', {
  availableActions: REAL_ACTIONS,
  strategies: { viewer: { actions: ['view'] } },
  roles: [{ role: 'v', strategy: 'viewer' }, { role: 'g', actions: { 'posts:view': { filter: { g: 1 } } } }],
  fixedParams: [
    { resource: 'users.posts', action: 'list', params: { filter: { assoc: 1 } } },
    { resource: 'posts', action: 'list', params: { filter: { plain: 1 } } },
    { resource: 'posts', action: 'view', params: { filter: { viewOnly: 1 } } },
  ],
  queries: [
    q('v', 'posts', 'list'),
    q('v', 'posts', 'list', { rawResourceName: 'users.posts' }),
    q('v', 'posts', 'view'),
    q('v', 'posts', 'get'),
    q('g', 'posts', 'list'),
    q('g', 'posts', 'list', { rawResourceName: 'users.posts' }),
    q('g', 'posts', 'view'),
    qs(['v', 'g'], 'posts', 'list'),
    qs(['g', 'v'], 'posts', 'list', { rawResourceName: 'users.posts' }),
  ],
});

// (g) toJSON with object strategy, string strategy, no strategy
add('g/toJSON strategy forms', {
  strategies: { s1: { actions: false } },
  roles: [
    { role: 'admin', strategy: 's1', actions: { 'posts:create': { filter: { a: 'b' } } } },
    { role: 'obj', strategy: { actions: ['view', 'update:own'], allowConfigure: true }, snippets: ['pm.*', '!pm.x'] },
    { role: 'nostrat' },
    { role: 'upd', actions: { 'posts:update': { fields: ['a', 'b'] }, 'posts:view': { fields: ['a', 'b'] }, 'posts:firstOrCreate': { fields: ['c'] } } },
  ],
  availableActions: REAL_ACTIONS,
  ops: [{ op: 'setStrategy', role: 'nostrat', strategy: { actions: ['*'] } }],
  queries: [
    q('upd', 'posts', 'view'),
    q('upd', 'posts', 'update'),
    q('upd', 'posts', 'firstOrCreate'),
    q('nostrat', 'posts', 'anything'),
    q('obj', 'posts', 'move'),
  ],
});

// (h) snippet rename, merge, allow-before-reject
add('h/snippet rename and rules', {
  snippets: [
    { name: 'pm.users', actions: ['users:*'] },
    { name: 'pm.acl.roles', actions: ['roles:*', 'roles.menuUiSchemas:*'] },
    { name: 'pm.users.*', actions: ['users:extra'] },
    { name: 'n1', actions: ['a:*', 'b:*'] },
    { name: 'n1', actions: ['a:*', 'c:*'] },
    { name: 'both', actions: ['tags:list'] },
  ],
  strategies: { all: { actions: '*' } },
  roles: [
    { role: 't1', snippets: ['!pm.users', 'pm.*'] },
    { role: 't2', snippets: ['!pm.acl.roles', 'pm.*'] },
    { role: 't3', strategy: 'all', snippets: ['!pm.users'] },
    { role: 't4', snippets: ['n1'] },
    { role: 't5', snippets: ['pm.users'], actions: { 'users:list': { filter: { id: 1 } } } },
    { role: 't6', snippets: ['!pm.users', 'pm.users'] },
    { role: 't7', snippets: ['!both', 'n1'] },
  ],
  queries: [
    q('t1', 'users', 'list'),
    q('t1', 'roles', 'list'),
    q('t2', 'users', 'list'),
    q('t2', 'users', 'extra'),
    q('t2', 'roles', 'list'),
    q('t3', 'users', 'list'),
    q('t4', 'c', 'list'),
    q('t5', 'users', 'list'),
    q('t5', 'users', 'get'),
    q('t1', 'menuUiSchemas', 'list', { rawResourceName: 'roles.menuUiSchemas' }),
    q('t2', 'menuUiSchemas', 'list', { rawResourceName: 'roles.menuUiSchemas' }),
    q('t6', 'users', 'list'),
    q('t7', 'tags', 'list'),
    qs(['t1', 't2'], 'users', 'list'),
  ],
});
add('h/snippets match the raw action (no alias resolution)', {
  availableActions: REAL_ACTIONS,
  snippets: [
    { name: 'p.view', actions: ['posts:view'] },
    { name: 'p.lists', actions: ['*:list', 'tags:{get,list}', 'comm?nts:*'] },
  ],
  roles: [{ role: 'r', snippets: ['p.*'] }],
  queries: [
    q('r', 'posts', 'view'),
    q('r', 'posts', 'get'),
    q('r', 'users', 'list'),
    q('r', 'tags', 'get'),
    q('r', 'tags', 'query'),
    q('r', 'comments', 'destroy'),
    q('r', 'posts', 'list', { rawResourceName: 'users.posts' }),
  ],
});

// Other observations
add('other/revokeResource uses includes(name.)', {
  strategies: { all: { actions: '*' } },
  roles: [{ role: 'r', strategy: 'all', actions: { 'posts:create': {}, 'posts.comments:list': {}, 'myposts.tags:list': {}, 'users.posts:list': {}, 'tags:list': {} } }],
  ops: [
    { op: 'revoke', role: 'r', path: 'posts:create' },
    { op: 'revokeResource', role: 'r', resource: 'posts' },
    { op: 'revokeResource', role: 'r', resource: 'nothing' },
    { op: 'remove', role: 'ghost' },
  ],
  queries: [
    q('r', 'posts', 'create'),
    q('r', 'myposts.tags', 'list'),
    q('r', 'myposts.tags', 'create'),
    q('r', 'users.posts', 'list'),
    q('r', 'users.posts', 'create'),
    q('r', 'tags', 'create'),
  ],
});
add('other/revoke of the last action keeps the resource blocking', {
  strategies: { all: { actions: '*' } },
  roles: [{ role: 'r', strategy: 'all', actions: { 'posts:create': {} } }],
  ops: [{ op: 'revoke', role: 'r', path: 'posts:create' }],
  queries: [q('r', 'posts', 'create'), q('r', 'posts', 'list'), q('r', 'tags', 'list'), qs(['r'], 'posts', 'list')],
});
add('other/explicit resource blocks strategy and snippets', {
  availableActions: REAL_ACTIONS,
  strategies: { all: { actions: '*' } },
  snippets: [{ name: 'pm.posts', actions: ['posts:*'] }],
  roles: [{ role: 'r', strategy: 'all', snippets: ['pm.posts'], actions: { 'posts:view': { filter: { a: 1 } } } }],
  queries: [q('r', 'posts', 'view'), q('r', 'posts', 'list'), q('r', 'posts', 'create'), q('r', 'users', 'create')],
});
add('other/union params key', {
  strategies: { all: { actions: '*' } },
  roles: [
    { role: 's', strategy: 'all' },
    { role: 'f', actions: { 'posts:list': { filter: { a: 1 } } } },
    { role: 'e', actions: { 'posts:list': { filter: {} } } },
  ],
  queries: [
    qs(['s'], 'posts', 'list'),
    qs(['s', 's'], 'posts', 'list'),
    qs(['s', 'f'], 'posts', 'list'),
    qs(['f', 's'], 'posts', 'list'),
    qs(['e'], 'posts', 'list'),
    q('e', 'posts', 'list'),
    qs(['nobody', 'f'], 'posts', 'list'),
    qs(['f', 'nobody'], 'posts', 'list'),
  ],
});
add('other/union merge of other keys (accumulated wins)', {
  availableActions: { view: { aliases: ['get', 'list'] }, update: {} },
  roles: [
    { role: 'r1', actions: { 'posts:view': { filter: { id: 1 }, fields: ['a', 'b'] }, 'posts:update': { whitelist: ['a', 'b'], appends: ['a', 'b'] }, 'posts:export': { appends: ['a', 'b'] } } },
    { role: 'r2', actions: { 'posts:view': { filter: { id: 2 }, fields: ['b', 'c'] }, 'posts:update': { whitelist: ['c'], appends: ['c'] }, 'posts:export': { appends: [] } } },
    { role: 'r3', actions: { 'posts:view': {} } },
    { role: 'r4', actions: { 'posts:view': { filter: { a: 1 }, sort: ['-id'], except: ['x'] } } },
    { role: 'r5', actions: { 'posts:view': { filter: { a: 2 }, sort: ['id'], except: ['y'], extra: 1 } } },
    { role: 'r6', actions: { 'posts:view': { appends: ['u'], fields: ['a'] } } },
  ],
  queries: [
    qs(['r1', 'r2'], 'posts', 'view'),
    qs(['r1', 'r2'], 'posts', 'list'),
    qs(['r1', 'r2'], 'posts', 'update'),
    qs(['r1', 'r2'], 'posts', 'export'),
    qs(['r2', 'r1'], 'posts', 'export'),
    qs(['r1', 'r3'], 'posts', 'view'),
    qs(['nobody', 'r2', 'r1'], 'posts', 'view'),
    qs(['r4', 'r5'], 'posts', 'view'),
    qs(['r5', 'r4'], 'posts', 'view'),
    qs(['r1', 'r6'], 'posts', 'view'),
    qs(['r6', 'r4'], 'posts', 'view'),
    qs(['r4', 'r6', 'r1'], 'posts', 'view'),
  ],
});
add('other/setStrategyResources(null) is an empty set; snippets still grant', {
  strategies: { s: { actions: ['create'] } },
  snippets: [{ name: 'pm.users', actions: ['users:*'] }],
  // top-level "strategyResources": null cannot reach the Go harness (a JSON
  // null leaves its *json.RawMessage nil), so the op form is used.
  roles: [{ role: 'r', strategy: 's' }, { role: 'sn', strategy: 's', snippets: ['pm.users'] }],
  ops: [{ op: 'setStrategyResources', resources: null }],
  queries: [q('r', 'users', 'create'), q('sn', 'users', 'create'), q('sn', 'posts', 'create')],
});
add('other/appendStrategyResource creates the set; removeStrategyResource', {
  strategies: { s: { actions: ['create', 'view'] } },
  roles: [{ role: 'r', strategy: 's', actions: { 'tags:view': {} } }],
  ops: [
    { op: 'appendStrategyResource', resource: 'posts' },
    { op: 'appendStrategyResource', resource: 'users' },
    { op: 'removeStrategyResource', resource: 'users' },
  ],
  queries: [q('r', 'posts', 'create'), q('r', 'users', 'create'), q('r', 'tags', 'view'), q('r', 'comments', 'view')],
});
add('other/strategyResources uses the resolved resource name', {
  strategies: { s: { actions: ['list'] } },
  strategyResources: ['posts'],
  roles: [{ role: 'r', strategy: 's' }],
  queries: [q('r', 'posts', 'list', { rawResourceName: 'users.posts' }), q('r', 'users.posts', 'list'), q('r', 'posts', 'list')],
});
add('other/alias resolution is a single level', {
  availableActions: { view: { aliases: ['get', 'list'] }, list: { aliases: ['listAll'] } },
  strategies: { v: { actions: ['view'] }, l: { actions: ['list'] } },
  roles: [{ role: 'v', strategy: 'v' }, { role: 'l', strategy: 'l' }, { role: 'g', actions: { 'posts:view': { filter: { x: 1 } } } }],
  queries: [q('v', 'posts', 'list'), q('v', 'posts', 'listAll'), q('l', 'posts', 'listAll'), q('l', 'posts', 'list'), q('g', 'posts', 'list'), q('g', 'posts', 'listAll')],
});
add('other/define replaces a role of the same name', {
  strategies: { all: { actions: '*' } },
  roles: [
    { role: 'r', strategy: 'all', actions: { 'posts:list': { filter: { a: 1 } } }, snippets: ['x'] },
    { role: 'r', actions: { 'tags:list': {} } },
  ],
  queries: [q('r', 'posts', 'list'), q('r', 'tags', 'list'), q('r', 'users', 'list')],
});
add('other/grant replaces params; fields become whitelist for create/update aliases', {
  availableActions: REAL_ACTIONS,
  roles: [{ role: 'r', actions: { 'posts:list': { filter: { a: 1 } } } }],
  ops: [
    { op: 'grant', role: 'r', path: 'posts:list', params: { fields: ['b'] } },
    { op: 'grant', role: 'r', path: 'posts:move', params: { fields: ['m'], whitelist: ['w'] } },
    { op: 'grant', role: 'r', path: 'posts:updateOrCreate', params: { fields: ['u'], own: true } },
    { op: 'grant', role: 'r', path: 'posts:export', params: { fields: ['e'] } },
    { op: 'grant', role: 'r', path: 'posts:destroy' },
  ],
  queries: [q('r', 'posts', 'list'), q('r', 'posts', 'move'), q('r', 'posts', 'update'), q('r', 'posts', 'updateOrCreate'), q('r', 'posts', 'export'), q('r', 'posts', 'destroy'), qs(['r'], 'posts', 'updateOrCreate')],
});

generate('edge.json', cases).catch((e) => {
  console.error(e);
  process.exit(1);
});
