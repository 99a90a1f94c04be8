'use strict';
// Generates the resourcer corpora from the real @nocobase/resourcer 2.2.15
// (and the qs / path-to-regexp versions pinned in package-lock.json):
//
//   resourcer/testdata/parse_request.json  parseRequest({path, method, type}, options)
//   resourcer/testdata/parse_query.json    parseQuery(query)
//
// Each file is a JSON array, one case per line. `expected` is the reference
// result passed through JSON.stringify/JSON.parse, so `false` stays false and
// keys whose value is undefined vanish (parseRequest sets
// `actionName: undefined` when the method has no entry in the route table:
// the key is then absent). If the reference throws, `expected` is
// {"error": message}; the generator checks that no non-throwing result has
// that shape, so the two never get confused. Everything is deterministic (the
// few generated combinations use a fixed-seed mulberry32).
//
// Usage: node resourcer_gen.js [outDir]   (default ../../../resourcer/testdata)
const { seededInts } = require('./lib');
const fs = require('fs');
const path = require('path');
const { parseRequest, parseQuery } = require('@nocobase/resourcer');

const OUT_DIR = process.argv[2] || path.join(__dirname, '../../../resourcer/testdata');

const json = (v) => JSON.parse(JSON.stringify(v));
const isErrorShape = (v) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.error === 'string';

function run(fn) {
  let result;
  try {
    result = fn();
  } catch (e) {
    return { error: e.message };
  }
  const out = json(result);
  if (isErrorShape(out)) throw new Error(`a result looks like an error record: ${JSON.stringify(out)}`);
  return out;
}

// Collects cases, skipping exact duplicates (same inputs) and refusing
// duplicate names.
function collector(keyOf) {
  const rows = [];
  const names = new Set();
  const seen = new Set();
  return {
    rows,
    add(row) {
      const k = keyOf(row);
      if (seen.has(k)) return;
      seen.add(k);
      let name = row.name;
      for (let i = 2; names.has(name); i++) name = `${row.name} #${i}`;
      names.add(name);
      rows.push({ ...row, name });
    },
  };
}

function write(file, rows) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const target = path.join(OUT_DIR, file);
  fs.writeFileSync(target, '[\n' + rows.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n');
  console.log(`${target}: ${rows.length} cases`);
}

// ---------------------------------------------------------------- parseRequest

const req = collector((r) => JSON.stringify([r.method, r.path, r.options, r.type]));

function addReq(name, method, p, options = {}, type) {
  const row = { name, method, path: p, options };
  if (type !== undefined) row.type = type;
  row.expected = run(() => parseRequest(type === undefined ? { path: p, method } : { path: p, method, type }, options));
  req.add(row);
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'];
const TYPES = ['single', 'hasOne', 'hasMany', 'belongsTo', 'belongsToMany', 'set'];

// 1. The reference's own utils.test.ts cases (spec A.5), plus the inferred ones.
addReq('spec: GET /posts', 'GET', '/posts');
addReq('spec: POST /posts', 'POST', '/posts');
addReq('spec: GET /posts/1', 'GET', '/posts/1');
addReq('spec: PUT /posts/1', 'PUT', '/posts/1');
addReq('spec: PATCH /posts/1', 'PATCH', '/posts/1');
addReq('spec: delete /posts/1', 'delete', '/posts/1');
addReq('spec: delete /posts/1,2,3,4,5,6', 'delete', '/posts/1,2,3,4,5,6');
addReq('spec: GET /posts/1/comments', 'GET', '/posts/1/comments');
addReq('spec: POST utf-8 associatedIndex', 'POST', '/posts/%E7%9A%84%E6%B3%95%E5%9B%BD%E9%98%9F/comments');
addReq('spec: POST /posts/a%2Fab/comments', 'POST', '/posts/a%2Fab/comments');
addReq('spec: POST double-encoded associatedIndex', 'POST', '/posts/%25E7%259A%2584%25E6%25B3%2595%252F%25E5%259B%25BD%25E9%2598%259F/comments');
addReq('spec: POST /posts/1/comments', 'POST', '/posts/1/comments');
addReq('spec: GET /posts/1/comments/1', 'GET', '/posts/1/comments/1');
addReq('spec: PUT /posts/1/comments/1', 'PUT', '/posts/1/comments/1');
addReq('spec: PATCH /posts/1/comments/1', 'PATCH', '/posts/1/comments/1');
addReq('spec: delete /posts/1/comments/1', 'delete', '/posts/1/comments/1');
addReq('spec: GET /posts:export', 'GET', '/posts:export');
addReq('spec: POST /posts:export', 'POST', '/posts:export');
addReq('spec: POST /posts:export/1', 'POST', '/posts:export/1');
addReq('spec: POST /posts/1/tags:attach/2', 'POST', '/posts/1/tags:attach/2');
addReq('spec: GET /api/posts prefix /api', 'GET', '/api/posts', { prefix: '/api' });
addReq('spec: GET /posts prefix /api', 'GET', '/posts', { prefix: '/api' });
addReq('spec: GET /posts accessors list=query', 'GET', '/posts', { accessors: { list: 'query' } });
addReq('spec: GET /posts:list', 'GET', '/posts:list');
addReq('spec: GET /resourcer/user.posts:list', 'GET', '/resourcer/user.posts:list');
addReq('spec: GET /api/posts/1/comments:list prefix /api', 'GET', '/api/posts/1/comments:list', { prefix: '/api' });
addReq('spec: POST /posts/1 single', 'POST', '/posts/1');
// koa.test.ts association routes.
addReq('koa: GET /users/1/settings hasOne', 'GET', '/users/1/settings', {}, 'hasOne');
addReq('koa: POST /users/1/settings hasOne', 'POST', '/users/1/settings', {}, 'hasOne');
addReq('koa: DELETE /users/1/settings hasOne', 'DELETE', '/users/1/settings', {}, 'hasOne');
addReq('koa: GET /posts/1/user belongsTo', 'GET', '/posts/1/user', {}, 'belongsTo');
addReq('koa: POST /posts/1/user/1 belongsTo', 'POST', '/posts/1/user/1', {}, 'belongsTo');
addReq('koa: DELETE /posts/1/user belongsTo', 'DELETE', '/posts/1/user', {}, 'belongsTo');
addReq('koa: POST /posts/1/tags belongsToMany', 'POST', '/posts/1/tags', {}, 'belongsToMany');
addReq('koa: POST /posts/1/tags/1 belongsToMany', 'POST', '/posts/1/tags/1', {}, 'belongsToMany');
addReq('koa: GET /tables/demos/fields', 'GET', '/tables/demos/fields');
addReq('koa: GET /users/name/posts hasMany', 'GET', '/users/name/posts', {}, 'hasMany');

// 2. Every route shape of every table, with every method, no prefix.
const SHAPES = ['/posts', '/posts/1', '/posts/1/comments', '/posts/1/comments/2'];
for (const type of TYPES) {
  for (const shape of SHAPES) {
    for (const m of METHODS) addReq(`table ${type}: ${m.toUpperCase()} ${shape}`, m.toUpperCase(), shape, {}, type);
  }
}
// The default type (no `type` key) and an unknown type.
for (const shape of SHAPES) {
  for (const m of METHODS) addReq(`table default: ${m} ${shape}`, m, shape);
  addReq(`table unknown type: GET ${shape}`, 'GET', shape, {}, 'nope');
}

// 3. Prefixes: each one with paths that carry it and paths that do not. The
// route tables themselves are covered above, so methods and types rotate.
const PREFIXES = ['', '/', 'api', '/api', '/api/', '/api/v1', ' /api ', 'api/', '/api//', '/API', '/:tenant', '/api(v1)', '/api/*'];
const ROTATE = [['post', 'single'], ['put', 'hasMany'], ['delete', 'belongsToMany'], ['patch', 'hasOne']];
PREFIXES.forEach((prefix, pi) => {
  let norm = prefix.trim().replace(/\/$/, '');
  if (norm && !norm.startsWith('/')) norm = `/${norm}`;
  // A path that carries the prefix: params and groups in the prefix need a literal stand-in.
  const carried = norm.includes(':') ? '/acme' : norm.includes('(') || norm.includes('*') ? '/api' : norm;
  const tag = `prefix ${JSON.stringify(prefix)}`;
  SHAPES.forEach((shape, si) => {
    const [m, type] = ROTATE[(pi + si) % ROTATE.length];
    addReq(`${tag}: GET ${carried}${shape}`, 'GET', `${carried}${shape}`, { prefix });
    addReq(`${tag} ${type}: ${m} ${carried}${shape}`, m, `${carried}${shape}`, { prefix }, type);
  });
  addReq(`${tag}: GET /posts/1 (no prefix in path)`, 'GET', '/posts/1', { prefix });
  addReq(`${tag}: GET ${carried || '/'}`, 'GET', carried || '/', { prefix });
  addReq(`${tag}: GET ${carried}/posts/1/comments:list`, 'GET', `${carried}/posts/1/comments:list`, { prefix });
  addReq(`${tag}: GET /resourcer/posts:list`, 'GET', '/resourcer/posts:list', { prefix });
  addReq(`${tag}: GET ${carried}/resourcer/posts:list`, 'GET', `${carried}/resourcer/posts:list`, { prefix });
  addReq(`${tag}: GET ${carried.toUpperCase()}/POSTS`, 'GET', `${carried.toUpperCase()}/POSTS`, { prefix });
});

// 4. Custom accessors (partial overrides keep the other defaults).
const ACCESSORS = [
  { list: 'index', get: 'show', create: 'store', update: 'edit', delete: 'remove' },
  { add: 'attach', set: 'sync', remove: 'detach' },
  { get: '' },
  { delete: 'destroy:all' },
  { update: undefined },
];
const ACC_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
ACCESSORS.forEach((accessors, ai) => {
  TYPES.forEach((type, ti) => {
    SHAPES.forEach((shape, si) => {
      for (const m of [ACC_METHODS[(ai + ti + si) % 5], ACC_METHODS[(ai + ti + si + 2) % 5]]) {
        addReq(`accessors#${ai} ${type}: ${m} ${shape}`, m, shape, { accessors }, type);
      }
    });
  });
  addReq(`accessors#${ai}: GET /posts:get`, 'GET', '/posts:get', { accessors });
  addReq(`accessors#${ai}: GET /api/posts prefix /api`, 'GET', '/api/posts', { prefix: '/api', accessors });
});

// Variants tried on the odd paths below, one per path in turn (plus a GET each).
const VARIANTS = [
  (n, p) => addReq(`${n}: POST ${JSON.stringify(p)}`, 'POST', p),
  (n, p) => addReq(`${n}: GET ${JSON.stringify(p)} hasMany`, 'GET', p, {}, 'hasMany'),
  (n, p) => addReq(`${n}: GET ${JSON.stringify('/api' + p)} prefix /api`, 'GET', `/api${p}`, { prefix: '/api' }),
  (n, p) => addReq(`${n}: DELETE ${JSON.stringify(p)} belongsToMany`, 'DELETE', p, {}, 'belongsToMany'),
  (n, p) => addReq(`${n}: PUT ${JSON.stringify(p)}`, 'PUT', p),
];
function addVariants(n, list) {
  list.forEach((p, i) => {
    addReq(`${n}: GET ${JSON.stringify(p)}`, 'GET', p);
    VARIANTS[i % VARIANTS.length](n, p);
  });
}

// 5. /resourcer/<resource>:<action> forms (the prefix never applies to them).
addVariants('resourcer form', [
  '/resourcer/posts:list', '/resourcer/posts:create', '/resourcer/user.posts:list', '/resourcer/users.posts:get',
  '/resourcer/posts', '/resourcer/posts:', '/resourcer/:list', '/resourcer/', '/resourcer', '/resourcer/.posts:list',
  '/resourcer/a.b.c:list', '/resourcer/a:b:c', '/resourcer/posts:list/', '/resourcer/posts:list/1',
  '/resourcer/posts/1:get', '/resourcer//posts:list', '/RESOURCER/posts:list', '/Resourcer/Posts:List',
  '/resourcer/posts:list?x=1', '/resourcer/posts:list#frag', '/resourcer/%E6%96%87%E7%AB%A0:list',
  '/resourcer/posts%3Alist', '/resourcer/posts%2Ecomments:list', '/resourcer/posts:%6Cist', '/resourcer/文章.评论:列表',
  '/resourcer/posts:list:extra', '/resourcer/user.:list', '/resourcer/.:list', '/resourcer/%ZZ:list',
  '/resourcerx/posts:list', '/resourcer.posts:list', '/api/resourcer/posts:list', 'resourcer/posts:list',
  '/resourcer/posts:list%', '/resourcer/user.posts.tags:list', '/resourcer/posts:list%2F', '/resourcer/%3A:%3A',
]);
addReq('resourcer form: GET /resourcer/posts:list prefix /resourcer', 'GET', '/resourcer/posts:list', { prefix: '/resourcer' });

// 6. resource:action overrides in every position.
addVariants('override', [
  '/posts:list', '/posts:create', '/posts:destroy', '/posts:get/1', '/posts:update/1', '/posts:', '/:list',
  '/posts:a:b', '/posts/1:get', '/posts/1/comments:list', '/posts/1/comments:create/2', '/posts:1/comments',
  '/posts/1:2/comments', '/posts/1/comments/2:get', '/posts/1/comments:list:x', '/posts/1/comments:',
  '/posts:export.csv', '/posts.comments:list', '/p:q/1/c:d/2', '/posts:export/1/comments', '/posts:list/1/comments:get/2',
]);

// 7. Odd paths: encodings, unicode, slashes, case, separators, depth.
addVariants('odd', [
  '', '/', '//', '///', 'posts', 'posts/1', '/posts/', '/posts//', '/posts/1/', '//posts', '/posts//1', '/posts/1//comments',
  '/posts/1/comments/', '/posts/1/comments/2/', '/posts/1/comments/2//',
  '/POSTS', '/Posts/1', '/posts/ABC/Comments/Def',
  '/posts?', '/posts?x=1', '/posts/1?x=1', '/posts#', '/posts#frag', '/posts/1#frag', '/posts?x/y', '/posts#a/b',
  '/po?sts', '/po#sts/1', '/?/1', '/#/1',
  '/posts.json', '/posts/1.json', '/a.b/1/c.d/2.e', '/.', '/..', '/./posts', '/posts/./1', '/posts/../1', '/...',
  '/posts:', '/:', '/::', '/posts/:', '/posts/1/:', '/posts/1/comments/:',
  '/a/b/c/d/e', '/a/b/c/d/e/f', '/a/b/c/d/e/f/g/h', '/posts/1/comments/2/likes', '/posts/1/comments/2/likes/3',
  '/posts/%31', '/posts/%31/comments', '/posts/%31/comments/%32', '/%70osts', '/posts/a%2Fb', '/posts/a%2Fb/comments',
  '/posts/a%2Fb/comments/c%2Fd', '/posts/%23/comments', '/posts/%3F/comments', '/posts/%3A/comments', '/posts/%25/comments',
  '/posts/%2525/comments', '/posts/%252F/comments', '/posts/a%3Ab/comments', '/posts%3Aexport', '/posts%2F1', '/posts%2f1',
  '/posts/%20/comments', '/posts/a+b/comments', '/posts/a%2Bb/comments', '/posts/%E2%9C%93', '/posts/%E2%9C%93/comments',
  '/posts/%e2%9c%93/comments', '/%E6%96%87%E7%AB%A0/1', '/%E6%96%87%E7%AB%A0/1/%E8%AF%84%E8%AE%BA/2',
  '/posts/%E0%A4%A', '/posts/%E0%A4%A/comments', '/posts/%ZZ', '/posts/%ZZ/comments', '/posts/%', '/posts/%/comments',
  '/posts/%C0%80/comments', '/posts/%ED%A0%80/comments', '/posts/%F4%90%80%80/comments', '/posts/%FF/comments',
  '/posts/%E7%9A/comments', '/%ZZ', '/posts/1/comments/%ZZ', '/posts/%2525E7/comments', '/posts/%25ZZ/comments',
  '/posts/%25E0%25A4%25A/comments', '/posts/%2523/comments', '/posts/%23%3F%2F%3A/comments/%23%3F%2F%3A',
  '/文章', '/文章/1', '/文章/1/评论', '/文章/1/评论/2', '/posts/😀/comments/😀', '/posts/é/comments', '/é:list',
  '/posts/ 1 /comments', '/ posts', '/posts/1,2/comments/3,4', '/posts/-1/comments', '/posts/null/comments',
  '/posts/undefined', '/posts/true/comments/false', '/posts/0/comments/0', '/posts/%00/comments',
  '/posts/1/comments/2?x=1#y', '/posts/1?a=1/comments', '/posts/\t/comments', '/posts/\n', '/posts/%0A/comments',
  '/posts/resourcer/x:y', '/a/b/c/d:list', '/posts/1/comments/2/', '/posts/1/comments/2?', '/api', '/api/',
]);

// 8. Method spellings.
for (const m of ['GET', 'get', 'Get', 'gEt', 'POST', 'Post', 'PUT', 'Put', 'PATCH', 'pAtCh', 'DELETE', 'Delete', 'OPTIONS', 'HEAD',
  'PROPFIND', 'TRACE', 'CONNECT', '', ' get', 'get ', 'GET\n', 'LIST', 'İ', 'constructor', 'toString']) {
  addReq(`method ${JSON.stringify(m)}: /posts/1`, m, '/posts/1');
  addReq(`method ${JSON.stringify(m)}: /posts/1/comments hasOne`, m, '/posts/1/comments', {}, 'hasOne');
}

// ------------------------------------------------------------------ parseQuery

const q = collector((r) => r.query);
const addQ = (name, query) => q.add({ name, query, expected: run(() => parseQuery(query)) });

// 1. The reference's own utils.test.ts cases.
addQ('spec: filter JSON', 'filter=' + encodeURIComponent(JSON.stringify({ a: 1, b: true, c: null, d: [1, 'x'], e: { f: { g: 'h' } } })) + '&sort=-col');
addQ('spec: sort=-col', 'sort=-col');
addQ('spec: filterByTk[0..119]', Array.from({ length: 120 }, (_, i) => `filterByTk[${i}]=${i}`).join('&'));

// 2. Hand-written cases by topic.
const QUERIES = {
  plain: ['a=1', 'a=1&b=2', 'a=b=c', 'a==', '=a', '=', '==', 'a', 'a&b', 'a=', 'a=&b', '&a=1', 'a=1&', '&&', '&', '&&a=1&&',
    'a=1&&b=2', '?a=1', '??a=1', 'a b=1', 'a=1 2', 'A=1&a=2', '1=a', '0=a&1=b', 'b=1&0=a', '01=a', '-1=a', '1.5=a',
    '4294967294=a&b=1', '4294967295=a&b=1', 'a=%', 'a=%2', 'a=%%', '%=a', ' =1', 'a =1', 'a= 1', 'a=\t', 'a=;b=1', 'a=1;b=2'],
  repeated: ['a=1&a=2', 'a=1&a=2&a=3', 'a=1&a', 'a&a=1', 'a&a', 'a=&a=', 'a=1&a=', 'a=&a=1', 'a[]=1&a=2', 'a=1&a[]=2',
    'a=1&a[0]=2', 'a[0]=1&a=2', 'a=1&a[b]=2', 'a[b]=2&a=1', 'a=&a[b]=1', 'a[b]=1&a=', 'a&a[b]=1', 'a[b]=1&a',
    'a=1&a=2&a[b]=3', 'a[b]=3&a=1&a=2', 'a[b]=1&a=2&a=3&a=4', 'a[b]=1&a[b]=2', 'a[b][c]=1&a[b]=2', 'a[b]=2&a[b][c]=1'],
  brackets: ['a[]=1', 'a[]=1&a[]=2', 'a[]=', 'a[]', 'a[]&a[]', 'a[]=1&a[]', 'a[0]=x', 'a[0]=x&a[1]=y', 'a[1]=y&a[0]=x',
    'a[0]=x&a[0]=y', 'a[0]=x&a[2]=z', 'a[5]=x', 'a[99]=x', 'a[100]=x', 'a[101]=x', 'a[1000]=x', 'a[5]=x&a[]=y', 'a[]=y&a[5]=x',
    'a[b]=1', 'a[b][c]=1', 'a[b][]=1', 'a[b][]=1&a[b][]=2', 'a[][b]=1', 'a[][b]=1&a[][c]=2', 'a[0][b]=1&a[0][c]=2',
    'a[0][b]=1&a[1][b]=2', 'a[][]=1', 'a[][][]=1', 'a[b]c=1', 'a[b]c[d]=1', 'a]=1', 'a]b=1', 'a[=1', 'a[b=1', 'a[b[c]]=1',
    'a[[b]]=1', 'a[[b]=1', 'a[b]]=1', 'a][b[=1', '[a]=1', '[a][b]=1', '[]=1', '[]=1&[]=2', '[0]=x', '[]', '[', ']', '[=1',
    ']=1', 'a[b]=1]=2', 'a=b]=c', 'a]=b]=c', 'a[=]=1', 'a[]=]=1', 'a[ ]=1', 'a[ b ]=1', 'a[-1]=x', 'a[01]=x', 'a[1.0]=x',
    'a[1e2]=x', 'a[+1]=x', 'a[ 1]=x', 'a[0x1]=x', 'a[NaN]=x', 'a[9007199254740993]=x', 'a[100000000000000000000]=x',
    'a[100000000000000000000]=x&a=y', 'a[4294967295]=x', 'a[b][0]=1&a[b][1]=2', 'a[0][0]=1&a[0][1]=2&a[1][0]=3'],
  depth: ['a[b][c][d][e][f]=1', 'a[b][c][d][e][f][g]=1', 'a[b][c][d][e][f][g][h]=1', 'a[1][2][3][4][5][6]=1',
    'a[][][][][][]=1', 'a[b][c][d][e][f][g]=1&a[b][c][d][e][f][h]=2', 'a[b][c][d][e][f][g]=1&a[b][c][d][e][f][g]=2',
    'a[b][c][d][e][f]g[h]=1', 'a[b][c][d][e][f][g=1', '[a][b][c][d][e][f][g]=1', 'a[b][c][d][e][f][__proto__]=1',
    'a[b][c][d][e][f][constructor]=1', 'a[b][c][d][e][f][[x]]=1'],
  proto: ['__proto__=1', '__proto__[a]=1', 'a[__proto__]=1', 'a[__proto__][b]=1', 'constructor=1', 'constructor[prototype][x]=1',
    'a[constructor]=1', 'a[constructor][prototype]=1', 'toString=1', 'a[toString]=1', 'hasOwnProperty=1', 'valueOf=1',
    'a[valueOf]=1&a[b]=2', 'isPrototypeOf=1', 'propertyIsEnumerable=1', 'toLocaleString=1', '__defineGetter__=1',
    '__lookupSetter__=1', 'prototype=1', 'a[prototype]=1', '[__proto__]=1', '[constructor]=1', 'a[__proto__=1',
    '__proto__%5Bx%5D=1', 'a%5B__proto__%5D=1', 'a=1&__proto__=2', 'a[b]=1&a[__proto__][c]=2', 'toString', 'a[toString]',
    'a=1&a=toString', 'a[b]=1&a=toString', 'a[b]=1&a=__proto__', 'a[]=hasOwnProperty&a[]=x', '__proto__', 'Constructor=1',
    'filter=' + encodeURIComponent('{"__proto__":{"x":1}}'), 'filterByTk=' + encodeURIComponent('{"__proto__":1}')],
  encoding: ['a=%41', 'a=%41%ZZ', 'a=%ZZ', 'a=%E0%A4%A', 'a=%E0%A4%A&b=%41', 'a=%E0%A4%AD', 'a=%C0%80', 'a=%ED%A0%80',
    'a=%F4%90%80%80', 'a=%FF', 'a=%E7%9A', 'a=%E7%9A%84', 'a=%e7%9a%84', 'a=%2', 'a=%', 'a=%25', 'a=%2525', 'a=%252',
    'a=%00', 'a=%0A', 'a=%26b%3D1', 'a%26b=1', 'a%3Db=1', 'a%3D=1', '%61=1', '%61%5Bb%5D=1', 'a%5Bb%5D=1', 'a%5bb%5d=1',
    'a%5B%5D=1&a%5B%5D=2', 'a%5B0%5D=1', 'a%255Bb%255D=1', 'a[b%5D=1', 'a%5Bb]=1', 'a=%5B1%5D', 'a%5D=1', 'a%5D%3D1',
    'a=1+2', 'a=1%202', 'a=1%2B2', 'a+b=1', 'a%20b=1', 'a=+', 'a=++', '+=1', 'a[b+c]=1', 'a[b%20c]=1', 'a=%2B%20+',
    'a=%ZZ+1', 'a=%41+%ZZ', 'a+%ZZ=1', '%ZZ=1', '%ZZ[a]=1', 'a[%ZZ]=1', 'a=%u0041', 'a=%%41', 'a=%4', 'a=%G1',
    'a=%E2%9C%93&b=%E2%9C%93%', 'utf8=%E2%9C%93&a=1', 'utf8=%26%2310003%3B&a=%E9', 'a=&#10003;', 'a=%C3%A9', 'a=%E9'],
  unicode: ['a=ü', 'ü=a', '文章=评论', '文章[标题]=x', 'a=😀', '😀[😀]=😀', 'a=%F0%9F%98%80', 'a[é]=1&a[é]=2', 'a=\u00a0',
    'a=\u2028', 'é', 'a=%EF%BB%BF'],
  filter: ['filter', 'filter=', 'filter=%7B%7D', 'filter=%5B%5D', 'filter=1', 'filter=-1.5e3', 'filter=1e400', 'filter=-1e400',
    'filter=1e-400', 'filter=-0', 'filter=true', 'filter=false', 'filter=null', 'filter=%22str%22', 'filter=str', 'filter=%7B',
    'filter=%7Ba%3A1%7D', 'filter=%7B%22a%22%3A1%2C%7D', 'filter=%5B1%2C%5D', 'filter=01', 'filter=1.', 'filter=.5',
    'filter=%2B1', 'filter=NaN', 'filter=Infinity', 'filter=undefined', 'filter=%7B%22a%22%3A1%7D%7B%7D', 'filter=%7B%22a%22%3A1%7D%20',
    'filter=%20%7B%22a%22%3A1%7D', 'filter=+%7B%22a%22:1%7D+', 'filter=%0A%7B%7D%0D%09', 'filter=%C2%A0%7B%7D',
    'filter=%7B%22a%22:%7B%22$eq%22:1%7D%7D', 'filter={"a":1}', 'filter={"a":"x y"}', 'filter={"a":"x+y"}',
    'filter={"a":"x%2By"}', 'filter={"a":"x&b=1"}', 'filter={"a":"%ZZ"}', 'filter=%7B%22a%22%3A%22%ZZ%22%7D',
    'filter[a]=1', 'filter[a][$eq]=1', 'filter[$and][0][a]=1&filter[$and][1][b]=2', 'filter[]=1', 'filter=1&filter=2',
    'filter=%7B%7D&filter=%7B%7D', 'filter=%7B%7D&filter[a]=1', 'filter[a]=1&filter=%7B%7D', 'filter=&filter=',
    'Filter=%7B', 'filter%5Ba%5D=1', 'filter={"a":"\\u0041"}', 'filter={"a":"\\ud800"}', 'filter={"a":"\\uD83D\\uDE00"}',
    'filter={"a":"\\x41"}', "filter={'a':1}", 'filter={"a":1,"a":2}', 'filter={"1":1,"0":0,"b":2}', 'filter={"":1}',
    'filter=[[[[[[[[[[1]]]]]]]]]]', 'filter={"a":[{"b":{"c":[null,true,false,1.5,"x"]}}]}', 'filter="\\t"',
    'filter="' + '\t' + '"', 'filter={"a":12345678901234567890}', 'filter={"a":1E2,"b":1e+2,"c":1e-2,"d":-0.0}', 'filter={"a":1E2,"b":1e%2B2,"c":1e-2,"d":-0.0,"e":2.50}',
    'filter=[1,2]&sort=-a', 'filter= ', 'filter=%20', 'filter=%7B%22a%22%3A1%7D&filter', 'filter&filter=%7B%7D'],
  filterByTk: ['filterByTk=1', 'filterByTk=1,2', 'filterByTk=%5B1%2C2%5D', 'filterByTk=[1,2]', 'filterByTk=%7B%22a%22%3A1%7D',
    'filterByTk={"a":1}', 'filterByTk={"1":"b","0":"a"}', 'filterByTk={"10":"c","2":"b","01":"a"}', 'filterByTk={"0":"a","00":"b"}',
    'filterByTk={"00":"b","0":"a"}', 'filterByTk={}', 'filterByTk=[]', 'filterByTk=[', 'filterByTk={', 'filterByTk=[1,]',
    'filterByTk= [1]', 'filterByTk=%20[1]%20', 'filterByTk=%C2%A0[1]', 'filterByTk=%E2%80%A8[1]', 'filterByTk=%EF%BB%BF[1]',
    'filterByTk=%C2%85[1]', 'filterByTk=%0B[1]', 'filterByTk=%0C[1]', 'filterByTk=%E3%80%80[1]', 'filterByTk=%E1%A0%8E[1]',
    'filterByTk=null', 'filterByTk=1e3', 'filterByTk="1"', 'filterByTk=', 'filterByTk', 'filterByTk=0',
    'filterByTk[0]=1&filterByTk[1]=2', 'filterByTk[1]=2&filterByTk[0]=1', 'filterByTk[]=1&filterByTk[]=2', 'filterByTk[]=1',
    'filterByTk=1&filterByTk=2', 'filterByTk[a]=1', 'filterByTk[0]=1&filterByTk[a]=2', 'filterByTk[5]=x',
    'filterByTk[200]=x', 'filterByTk[200]=x&filterByTk[100]=y', 'filterByTk[0]=a&filterByTk[00]=b', 'filterByTk[00]=b&filterByTk[0]=a',
    'filterByTk[10]=a&filterByTk[9]=b&filterByTk[010]=c', 'filterByTk[0][a]=1', 'filterByTk[a][0]=1', 'filterByTk=[1]&filterByTk=[2]',
    'filterByTk=%7B%220%22%3A%5B1%5D%7D', 'filterByTk={"1":1,"01":2,"1":3}', 'filterByTk={"1e2":1}', 'filterByTk={"-1":1}',
    'filterByTk={"99999999999999999999":"x","1":"y"}', 'filterByTk=[{"a":1}]', 'filterByTk=%5B%22%ZZ%22%5D', 'filterByTk=[null]',
    'filterByTk=true', 'filterByTk=["a","b"]&filter={"a":1}', 'filterbytk=[1]'],
  params: ['fields=id,title', 'fields=id&fields=title', 'fields[]=id&fields[]=title', 'fields[0]=id&fields[1]=title',
    'appends=author,tags', 'appends[]=author', 'appends[]=author&appends[]=tags.x', 'except=password', 'except[]=a&except[]=b',
    'sort=-a', 'sort=-a,b', 'sort[]=-a&sort[]=b', 'sort=+a', 'sort=%2Ba', 'page=2&pageSize=20', 'page=&pageSize', 'page=1&page=2',
    'pageSize=-1', 'paginate=false', 'values[a]=1&values[b][c]=2', 'whitelist[]=a', 'token=abc.def.ghi', 'a.b=1', 'a.b.c=1',
    'a.b[c]=1', 'a[b.c]=1', 'a.=1', '.a=1', 'a..b=1', 'a.b=1&a.b=2', 'a.b=1&a[b]=2',
    'filter=%7B%22status%22%3A%22draft%22%7D&fields=id,title&appends[]=author&sort=-createdAt&page=2&pageSize=20'],
};
for (const [topic, list] of Object.entries(QUERIES)) list.forEach((s, i) => addQ(`${topic} ${String(i).padStart(3, '0')}: ${s.slice(0, 60)}`, s));
addQ('empty query', '');

// 3. Limits: arrayLimit 100 in each place qs applies it, parameterLimit 1000.
const range = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join('&');
for (const n of [99, 100, 101, 102, 120]) {
  addQ(`limit: ${n} x a=i`, range(n, (i) => `a=${i}`));
  addQ(`limit: ${n} x a[]=i`, range(n, (i) => `a[]=${i}`));
  addQ(`limit: a[0..${n - 1}]`, range(n, (i) => `a[${i}]=${i}`));
  addQ(`limit: filterByTk[0..${n - 1}]`, range(n, (i) => `filterByTk[${i}]=${i}`));
  addQ(`limit: ${n} x filterByTk[]`, range(n, (i) => `filterByTk[]=${i}`));
  addQ(`limit: ${n} x filterByTk=`, range(n, (i) => `filterByTk=${i}`));
}
addQ('limit: a[0..119] reversed', Array.from({ length: 120 }, (_, i) => `a[${119 - i}]=${119 - i}`).join('&'));
addQ('limit: filterByTk[0..119] reversed', Array.from({ length: 120 }, (_, i) => `filterByTk[${119 - i}]=${119 - i}`).join('&'));
addQ('limit: 101 x a then a[b]', range(101, (i) => `a=${i}`) + '&a[b]=x');
addQ('limit: a[b] then 101 x a', 'a[b]=x&' + range(101, (i) => `a=${i}`));
addQ('limit: a then 101 x a[]', 'a=x&' + range(101, (i) => `a[]=${i}`));
addQ('limit: 101 x a[] then a', range(101, (i) => `a[]=${i}`) + '&a=x');
addQ('limit: 101 x a[] then a[b]', range(101, (i) => `a[]=${i}`) + '&a[b]=x');
addQ('limit: a[0..99] then a=x', range(100, (i) => `a[${i}]=${i}`) + '&a=x');
addQ('limit: a[0..99] then a[]=x', range(100, (i) => `a[${i}]=${i}`) + '&a[]=x');
addQ('limit: a[0..98] then a=x&a=y', range(99, (i) => `a[${i}]=${i}`) + '&a=x&a=y');
addQ('limit: a[150] then a=x&a=y', 'a[150]=v&a=x&a=y');
addQ('limit: a=x then a[150]', 'a=x&a[150]=v');
addQ('limit: a=x then a[150]&a[b]', 'a=x&a[150]=v&a[b]=w');
addQ('limit: 100 x a then a[0][b]', range(100, (i) => `a=${i}`) + '&a[0][b]=x');
addQ('limit: a[0][b] then 101 x a', 'a[0][b]=x&' + range(101, (i) => `a=${i}`));
addQ('limit: a[][x] x 101', range(101, (i) => `a[][x]=${i}`));
addQ('limit: a[x][] x 101', range(101, (i) => `a[x][]=${i}`));
addQ('limit: a[x][] x 101 then a[x]=y', range(101, (i) => `a[x][]=${i}`) + '&a[x]=y');
addQ('limit: a[x]=y then a[x][] x 101', 'a[x]=y&' + range(101, (i) => `a[x][]=${i}`));
addQ('limit: 60 x a[] + 60 x a[0..59]', range(60, (i) => `a[]=${i}`) + '&' + range(60, (i) => `a[${i}]=x${i}`));
addQ('limit: a[0][] x 50 and a[1][] x 60', range(50, (i) => `a[0][]=${i}`) + '&' + range(60, (i) => `a[1][]=${i}`));
addQ('limit: 1000 params', range(1000, (i) => `k${i}=${i}`));
addQ('limit: 1001 params', range(1001, (i) => `k${i}=${i}`));
addQ('limit: 1200 params', range(1200, (i) => `k${i}=${i}`));
addQ('limit: 999 empty parts then a', '&'.repeat(999) + 'a=1');
addQ('limit: 1000 empty parts then a', '&'.repeat(1000) + 'a=1');
addQ('limit: 1001 x a', range(1001, () => 'a=1'));

// 4. Merge order: every ordered pair of key shapes (qs merges keys in JS
// property order: integer-like keys first), then seeded triples.
const SHAPE_KEYS = ['a', 'a[]', 'a[0]', 'a[1]', 'a[b]', 'a[b][c]', 'a[][b]', 'a[0][b]', 'a[200]', 'a[b][]'];
for (const k1 of SHAPE_KEYS) for (const k2 of SHAPE_KEYS) addQ(`pair: ${k1}=x&${k2}=y`, `${k1}=x&${k2}=y`);
for (const k1 of SHAPE_KEYS) {
  for (const k2 of ['a', 'a[]', 'a[b]', 'a[0]']) {
    addQ(`pair null: ${k1}&${k2}=y`, `${k1}&${k2}=y`);
    addQ(`pair empty: ${k1}=&${k2}=y`, `${k1}=&${k2}=y`);
    addQ(`pair null 2nd: ${k1}=x&${k2}`, `${k1}=x&${k2}`);
  }
}
for (const [k1, k2] of [['1', '1[a]'], ['0', '0[a]'], ['1', '1[]'], ['0', '0[0]']]) {
  addQ(`int key pair: ${k1}=x&${k2}=y`, `${k1}=x&${k2}=y`);
  addQ(`int key pair: ${k2}=y&${k1}=x`, `${k2}=y&${k1}=x`);
}
// Text after a bracket group is ignored, so "a[b]" and "a[b]z" are two
// keys for one path: the only way to merge a third value into a path, which
// reaches qs's "conflict" objects and arrays grown past index 100 by pushes.
const pushes = Array.from({ length: 30 }, (_, i) => `a[99]b${i}=p${i}`).join('&');
for (const s of ['a[b][c]=1&a[b]=x&a[b][d]=2&a[b]z=y', 'a[b][c]=1&a[b]=x&a[b][d]=2&a[b]z=y&a[b]zz=w',
  'a[b]=x&a[b]z=y&a[b]zz=w', 'a[b][c]=1&a[b]z=x&a[b]zz=y', 'a[0]=x&a[0]z=y&a[0]zz=w',
  'a[b]=x&a[b]z=y&a[b]zz[c]=w&a[b]zzz=v', `a[99]=x&${pushes}&a[q]=1&a[120]=z&a=last`, `a[99]=x&${pushes}&a[120]=z&a=last`]) {
  addQ(`same path: ${s.slice(0, 60)}`, s);
}

const rnd = seededInts(20240611);
const TRIPLE_KEYS = [...SHAPE_KEYS, 'a[0][0]', 'a[][]', 'a[1][b]', 'a[b][0]', 'a[5]', '0', 'a[c]', 'a[b]z', 'a[0]z', 'a[]z'];
const TRIPLE_VALS = ['=x', '=y', '', '=', '=%ZZ', '=z'];
for (let i = 0; i < 100; i++) {
  const n = 3 + rnd(4);
  const parts = [];
  for (let j = 0; j < n; j++) parts.push(TRIPLE_KEYS[rnd(TRIPLE_KEYS.length)] + TRIPLE_VALS[rnd(TRIPLE_VALS.length)]);
  addQ(`mix ${String(i).padStart(2, '0')}: ${parts.join('&')}`, parts.join('&'));
}

write('parse_request.json', req.rows);
write('parse_query.json', q.rows);
