'use strict';
// random.json: seeded pseudo-random scenarios. Same SEED and COUNT -> same file.
// Usage: node random.js [count] [seed]
const { REAL_ACTIONS, TPL, generate, mulberry32 } = require('./lib');

const COUNT = Number(process.argv[2] || 400);
const SEED = Number(process.argv[3] || 20240611);

function makeRng(seed) {
  const r = mulberry32(seed);
  const R = {
    f: r,
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)), // inclusive
    chance: (p) => r() < p,
    pick: (arr) => arr[Math.floor(r() * arr.length)],
    sample: (arr, n) => {
      const a = arr.slice();
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a.slice(0, n);
    },
  };
  return R;
}

const clone = (x) => JSON.parse(JSON.stringify(x));

// ------------------------------------------------------------------ pools
const RESOURCES = ['posts', 'users', 'comments', 'tags', 'users.posts'];
const GRANT_ACTIONS = ['create', 'view', 'get', 'list', 'update', 'destroy', 'export', 'move', 'firstOrCreate'];
const QUERY_ACTIONS = ['create', 'view', 'get', 'list', 'update', 'destroy', 'export', 'move'];
const ROLE_NAMES = ['r1', 'r2', 'r3', 'admin', 'member', 'root'];

// Named strategies may use any actions form.
const NAMED_STRATEGY_ACTIONS = [
  '*', ['*'], 'view', false, ['view'], ['view', 'update:own'], ['create', 'view:own'], ['*', 'view'],
  ['view:all'], ['list', 'export'], ['update:own', 'destroy'], '*:own', ['view:own', 'view'], ['get', 'create'],
  ['view:foo'], [], 'list',
];
// Inline strategies: arrays only.
const INLINE_STRATEGY_ACTIONS = [
  ['*'], ['view'], ['view', 'update:own'], ['create', 'view:own'], ['*', 'view'], ['view:all'], ['list', 'export'],
  ['update:own', 'destroy'], ['view:own', 'view'], ['get', 'create'], [], ['destroy:own'],
];

const SNIPPET_NAMES = ['pm.users', 'pm.posts', 'pm.acl.roles', 'sc.tags', 'sc.cm.fields'];
const SNIPPET_PATTERNS = [
  'posts:*', 'users:*', 'comments:list', '*:list', 'posts:{list,get}', 'tag?:*', 'users.posts:*', 'comments:*',
  'tags:view', 'users:{create,update}', 'po?ts:list', '*:export', 'users.posts:list',
];
const SNIPPET_RULES = ['pm.*', '!pm.users', 'pm.users', 'sc.*', '!sc.tags', 'pm.acl.roles', '!pm.*', 'sc.cm.fields', 'pm.posts'];

// Param building blocks: one value per key, so a grant never repeats a key.
const FILTERS = [{}, { status: 'draft' }, { a: 1 }, { $or: [{ a: 1 }, { b: 2 }] }, { b: 2, status: 'draft' }];
const FIELDS = [['a', 'b'], ['b', 'c'], []];
const PARAM_KEYS = {
  filter: (R, ctx) => {
    const opts = ctx.noOr ? FILTERS.filter((f) => !f.$or) : FILTERS;
    return clone(R.pick(opts));
  },
  own: () => true,
  fields: (R) => clone(R.pick(FIELDS)),
  whitelist: () => ['x'],
  appends: (R) => clone(R.pick([['u', 'v'], ['v'], []])),
  sort: () => ['-id'],
  except: () => ['p'],
};

function genParams(R, ctx) {
  if (R.chance(0.2)) return {};
  const keys = R.sample(Object.keys(PARAM_KEYS), R.int(1, 3));
  const p = {};
  for (const k of keys) p[k] = PARAM_KEYS[k](R, ctx);
  // own:true merges a createdById key into the filter: never next to $or.
  if (p.own && p.filter && p.filter.$or) delete p.own;
  return p;
}

function genAvailableActions(R) {
  const n = R.int(0, 3);
  if (n === 0) return undefined;
  const out = {};
  for (const name of R.sample(Object.keys(REAL_ACTIONS), n)) {
    const full = REAL_ACTIONS[name].aliases;
    let aliases = full;
    if (R.chance(0.3)) aliases = full.filter(() => R.chance(0.6));
    out[name] = aliases.length || R.chance(0.5) ? { aliases: clone(aliases) } : {};
  }
  return out;
}

function genFixed(R, ctx, general) {
  const n = R.chance(0.25) ? R.int(1, 2) : 0;
  const list = [];
  const FIXED = [
    { filter: { fixed: 1 } }, { fields: ['a'] }, { appends: ['w'] }, { filter: { 'name.$ne': 'users' } },
    { sort: ['id'] }, { except: ['q'] }, { filter: { hidden: false }, fields: ['b', 'c'] }, { whitelist: ['x', 'y'] },
  ].filter((p) => !(ctx.noFixedFilter && p.filter));
  for (let i = 0; i < n; i++) {
    const params = clone(R.pick(FIXED));
    if (general) {
      const e = { params };
      if (R.chance(0.5)) e.resource = R.pick(['posts', 'users', 'users.posts']);
      if (R.chance(0.4)) e.action = R.pick(['list', 'get', 'view', 'create', 'update']);
      list.push(e);
    } else {
      const hot = ctx.hotRes && R.chance(0.5);
      const act = hot ? R.pick(ctx.hotActs) : R.pick(QUERY_ACTIONS);
      list.push({ resource: hot ? ctx.hotRes : R.pick(RESOURCES), action: QUERY_ACTIONS.includes(act) ? act : 'list', params });
    }
  }
  return list;
}

function genStrategyRef(R, strategyNames) {
  const x = R.f();
  if (x < 0.2) return undefined;
  if (x < 0.55 && strategyNames.length) return R.pick(strategyNames);
  if (x < 0.62) return 'unknown-strategy';
  const s = { actions: clone(R.pick(INLINE_STRATEGY_ACTIONS)) };
  if (R.chance(0.3)) s.allowConfigure = R.chance(0.5);
  return s;
}

function genScenario(R, idx) {
  const sc = {};
  // $or filters are allowed only in scenarios without filter fixed params, so
  // that fixed params never put sibling keys next to a role's $or.
  const orAllowed = R.chance(0.5);
  const ctx = { noOr: !orAllowed, noFixedFilter: orAllowed };
  // A "hot" resource and actions that grants and queries favour, so that
  // unions often meet several grants on the same path.
  const hotRes = R.pick(RESOURCES);
  const hotActs = R.sample(GRANT_ACTIONS, 2);
  ctx.hotRes = hotRes;
  ctx.hotActs = hotActs;
  const grantPath = () => (R.chance(0.6) ? `${hotRes}:${R.pick(hotActs)}` : `${R.pick(RESOURCES)}:${R.pick(GRANT_ACTIONS)}`);

  const aa = genAvailableActions(R);
  if (aa) sc.availableActions = aa;

  const nStrat = R.int(0, 3);
  const strategyNames = [];
  if (nStrat) {
    sc.strategies = {};
    for (let i = 0; i < nStrat; i++) {
      const name = `s${i}`;
      strategyNames.push(name);
      const o = { actions: clone(R.pick(NAMED_STRATEGY_ACTIONS)) };
      if (R.chance(0.3)) o.allowConfigure = true;
      if (R.chance(0.2)) o.displayName = `Strategy ${i}`;
      sc.strategies[name] = o;
    }
  }

  const nSnip = R.int(0, 3);
  if (nSnip) {
    sc.snippets = [];
    for (let i = 0; i < nSnip; i++) {
      // a repeated name merges actions
      sc.snippets.push({ name: R.pick(SNIPPET_NAMES), actions: R.sample(SNIPPET_PATTERNS, R.int(1, 3)) });
    }
  }

  let srState = null; // null: never set; array: the current set
  if (R.chance(0.2)) {
    // top-level null cannot reach the Go harness; always a list here
    sc.strategyResources = R.sample(['posts', 'users', 'comments', 'tags'], R.int(0, 3));
    srState = sc.strategyResources.slice();
  }

  const fixed = genFixed(R, ctx, false);
  if (fixed.length) sc.fixedParams = fixed;
  const general = genFixed(R, ctx, true);
  if (general.length) sc.generalFixedParams = general;

  // roles
  const nRoles = R.int(1, 4);
  const names = R.sample(ROLE_NAMES.filter((n) => n !== 'root' || R.chance(0.35)), nRoles);
  const grants = {}; // role -> Set of 'res:act'
  sc.roles = names.map((name) => {
    const r = { role: name };
    const strat = genStrategyRef(R, strategyNames);
    if (strat !== undefined) r.strategy = strat;
    const nGrants = R.int(0, 6);
    grants[name] = new Set();
    if (nGrants) {
      r.actions = {};
      for (let i = 0; i < nGrants; i++) {
        const path = grantPath();
        r.actions[path] = genParams(R, ctx);
        grants[name].add(path);
      }
    } else if (R.chance(0.3)) {
      r.actions = {};
    }
    if (R.chance(0.4)) r.snippets = R.sample(SNIPPET_RULES, R.int(0, 2));
    return r;
  });

  // ops
  const alive = new Set(names);
  const nOps = R.chance(0.5) ? R.int(1, 4) : 0;
  const ops = [];
  for (let i = 0; i < nOps; i++) {
    const living = [...alive];
    if (!living.length) break;
    const role = R.pick(living);
    const kind = R.pick([
      'grant', 'grant', 'revoke', 'revokeResource', 'remove', 'setStrategy', 'setSnippets',
      'appendStrategyResource', 'removeStrategyResource', 'setStrategyResources',
    ]);
    switch (kind) {
      case 'grant': {
        const path = grantPath();
        ops.push({ op: 'grant', role, path, params: genParams(R, ctx) });
        grants[role].add(path);
        break;
      }
      case 'revoke': {
        const list = [...grants[role]];
        if (!list.length) break;
        const path = R.pick(list);
        ops.push({ op: 'revoke', role, path });
        grants[role].delete(path); // the resource itself stays
        break;
      }
      case 'revokeResource': {
        const res = R.pick(['posts', 'users', 'comments', 'tags']);
        ops.push({ op: 'revokeResource', role, resource: res });
        for (const p of [...grants[role]]) {
          const rn = p.split(':')[0];
          if (rn === res || rn.includes(res + '.')) grants[role].delete(p);
        }
        break;
      }
      case 'remove':
        ops.push({ op: 'remove', role });
        alive.delete(role);
        break;
      case 'setStrategy': {
        const s = genStrategyRef(R, strategyNames);
        if (s === undefined) break;
        ops.push({ op: 'setStrategy', role, strategy: s });
        break;
      }
      case 'setSnippets':
        ops.push({ op: 'setSnippets', role, snippets: R.sample(SNIPPET_RULES, R.int(0, 2)) });
        break;
      case 'appendStrategyResource': {
        const res = R.pick(['posts', 'users', 'comments', 'tags']);
        ops.push({ op: 'appendStrategyResource', resource: res });
        srState = srState || [];
        if (!srState.includes(res)) srState.push(res);
        break;
      }
      case 'removeStrategyResource': {
        if (srState === null) break; // the reference throws without a set
        const res = srState.length && R.chance(0.7) ? R.pick(srState) : R.pick(['posts', 'users']);
        ops.push({ op: 'removeStrategyResource', resource: res });
        srState = srState.filter((x) => x !== res);
        break;
      }
      case 'setStrategyResources': {
        const list = R.chance(0.2) ? null : R.sample(['posts', 'users', 'comments', 'tags'], R.int(0, 3));
        ops.push({ op: 'setStrategyResources', resources: list });
        srState = list ? list.slice() : [];
        break;
      }
    }
  }
  if (ops.length) sc.ops = ops;

  // queries
  const pool = [...names, 'ghost'];
  const nQ = R.int(4, 12);
  sc.queries = [];
  for (let i = 0; i < nQ; i++) {
    const hot = R.chance(0.5);
    const res = hot ? hotRes : R.pick(RESOURCES);
    const q = {};
    if (R.chance(0.45)) {
      q.role = R.chance(0.1) ? R.pick(['ghost', 'root']) : R.pick(names);
    } else {
      const n = R.int(1, 3);
      const rs = [];
      for (let j = 0; j < n; j++) rs.push(R.chance(0.1) ? R.pick(['ghost', 'root']) : R.pick(pool));
      q.roles = rs;
    }
    if (res === 'users.posts' && R.chance(0.2)) {
      q.resource = res; // the association name itself as the resource
    } else if (res === 'users.posts') {
      q.resource = 'posts';
      q.rawResourceName = 'users.posts';
    } else {
      q.resource = res;
    }
    const hotAct = R.pick(hotActs);
    q.action = hot && R.chance(0.7) && QUERY_ACTIONS.includes(hotAct) ? hotAct : R.pick(QUERY_ACTIONS);
    sc.queries.push(q);
  }
  return sc;
}

const R = makeRng(SEED);
const cases = [];
for (let i = 0; i < COUNT; i++) {
  cases.push({ name: `random-${String(i).padStart(3, '0')}`, input: genScenario(R, i) });
}
generate('random.json', cases).catch((e) => {
  console.error(e);
  process.exit(1);
});
