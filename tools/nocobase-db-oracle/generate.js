// Generates filters over every operator, nesting form and association path
// of the oracle's collections, from a seeded PRNG (mulberry32), so that a
// run always gives the same corpus.
'use strict';

function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Field paths per collection, with their type. The association paths cover
// belongsTo (author), hasOne (profile), hasMany (posts) and belongsToMany
// (tags), one and two levels deep.
const PATHS = {
  posts: [
    ['id', 'int'], ['title', 'string'], ['status', 'string'], ['content', 'string'], ['views', 'int'],
    ['score', 'float'], ['published', 'bool'], ['publishedAt', 'date'], ['labels', 'array'], ['authorId', 'int'],
    ['author.name', 'string'], ['author.email', 'string'], ['author.age', 'int'], ['author.id', 'int'],
    ['author.profile.bio', 'string'], ['tags.name', 'string'], ['tags.id', 'int'],
    ['author.posts.views', 'int'],
  ],
  users: [
    ['id', 'int'], ['name', 'string'], ['email', 'string'], ['age', 'int'],
    ['posts.title', 'string'], ['posts.views', 'int'], ['posts.status', 'string'], ['posts.publishedAt', 'date'],
    ['posts.tags.name', 'string'], ['profile.bio', 'string'], ['profile.id', 'int'],
  ],
};

const ASSOCIATIONS = { posts: ['author', 'tags', 'author.profile'], users: ['posts', 'profile', 'posts.tags', 'posts.author'] };

const VALUES = {
  string: ['ann', 'bob', 'go', 'sql', 'draft', 'published', '', 'hello', 'HELLO', 'héllo', 'Go_lang', 'go%', '50%', 'tips_', "O'Brien", 'back\\slash', '\\', 'x', 'Ü', 'ü', 'writes go', 'review', 'archived', 'a', 'o', '.com', 'again', '10'],
  int: [0, 1, 2, 3, 5, 7, 10, 25, 30, 41, 42, 99, 100, -1, '10', '5'],
  float: [0, 1.5, -2, 2.25, 3, 10, -0.5, '1.5'],
  bool: [true, false, 'true', 'false', 1, 0, 'yes', 'no', 'on', 'off'],
  array: ['a', 'b', 'c', 'B', '1', 1, 2, 'z'],
  date: ['2024-01-01', '2024-01-02', '2023-12-31', '2024-01', '2024-02', '2024', '2023', '2024-01-01 10:00:00', '2024-01-02 00:00:00',
    '2024-01-01T15:59:59.000Z', '2024-01-01T16:00:00.000Z', '2024-02-29', '2024-03-31', '2024-04-01', '2025-06-15', '2024-01-01 23:59:59'],
};

const OPERATORS = {
  string: ['$eq', '$ne', '$in', '$notIn', '$includes', '$notIncludes', '$startsWith', '$notStartsWith', '$endWith', '$notEndWith',
    '$like', '$notLike', '$iLike', '$notILike', '$empty', '$notEmpty', '$exists', '$notExists', '$gt', '$lt'],
  int: ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$notIn', '$between', '$empty', '$notEmpty', '$exists', '$notExists'],
  float: ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$notIn', '$between', '$exists'],
  bool: ['$eq', '$ne', '$is', '$isNot', '$isTruly', '$isFalsy', '$empty', '$notEmpty', '$in', '$exists'],
  date: ['$dateOn', '$dateNotOn', '$dateBefore', '$dateAfter', '$dateNotBefore', '$dateNotAfter', '$dateBetween', '$eq', '$ne', '$exists', '$empty'],
  array: ['$match', '$notMatch', '$anyOf', '$noneOf', '$arrayEmpty', '$arrayNotEmpty', '$empty', '$notEmpty'],
};

function generator(rand) {
  const int = (n) => Math.floor(rand() * n);
  const pick = (l) => l[int(l.length)];
  const chance = (p) => rand() < p;

  function list(type, n) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(chance(0.08) ? null : pick(VALUES[type]));
    return out;
  }

  function value(type, op) {
    switch (op) {
      case '$in': case '$notIn':
        return list(type, int(4));
      case '$between': {
        const [a, b] = [pick(VALUES[type]), pick(VALUES[type])];
        return chance(0.85) && typeof a === 'number' && typeof b === 'number' ? [Math.min(a, b), Math.max(a, b)] : [a, b];
      }
      case '$empty': case '$notEmpty': case '$arrayEmpty': case '$arrayNotEmpty':
        return chance(0.8);
      case '$exists': case '$notExists':
        return chance(0.75) ? true : false;
      case '$is': case '$isNot':
        return pick([true, false, null]);
      case '$isTruly': case '$isFalsy':
        return pick([true, false, 'true']);
      case '$match': case '$notMatch': case '$anyOf': case '$noneOf':
        return chance(0.15) ? pick(VALUES.array) : list('array', int(4)).filter((v) => v !== null);
      case '$dateBetween':
        return dateRange();
      case '$dateOn': case '$dateNotOn': case '$dateBefore': case '$dateAfter': case '$dateNotBefore': case '$dateNotAfter':
        return chance(0.2) ? dateRange() : pick(VALUES.date);
    }
    if (type === 'date') return pick(VALUES.date);
    if (chance(0.06)) return null;
    if ((op === '$eq' || op === '$ne') && chance(0.15)) return list(type, 1 + int(3));
    if (['$includes', '$notIncludes', '$startsWith', '$notStartsWith', '$endWith', '$notEndWith', '$like', '$notLike', '$iLike', '$notILike'].includes(op)) {
      if (chance(0.12)) return list('string', int(3)).filter((v) => v !== null);
      if (op.toLowerCase().includes('like')) return pick(['%o%', 'h%', '%go%', 'go_', '%\\%%', '%\\_%', 'HELLO%', '%again', '_o%', '%ü%']);
    }
    return pick(VALUES[type]);
  }

  function dateRange() {
    const [a, b] = [pick(VALUES.date), pick(VALUES.date)];
    const r = a < b ? [a, b] : [b, a];
    if (chance(0.3)) r.push(pick(['[]', '[)', '(]', '()']));
    if (r.length === 3 && chance(0.5)) r.push(pick(['+00:00', '+08:00', '-05:00']));
    return r;
  }

  // One condition on a field path, in one of NocoBase's spellings.
  function condition(collection) {
    const [path, type] = pick(PATHS[collection]);
    if (chance(0.05)) {
      const assoc = pick(ASSOCIATIONS[collection]);
      return { [`${assoc}.${pick(['$exists', '$notExists'])}`]: chance(0.8) };
    }
    const op = pick(OPERATORS[type]);
    const v = value(type, op);
    const form = int(10);
    if (form < 2 && op === '$eq') return { [path]: v };
    if (form < 4) return { [`${path}.${op}`]: v };
    if (form < 5 && path.includes('.')) {
      const [head, ...rest] = path.split('.');
      return { [head]: { [rest.join('.')]: { [op]: v } } };
    }
    if (form < 6 && ['$gt', '$gte', '$lt', '$lte', '$ne'].includes(op) && (type === 'int' || type === 'float')) {
      const other = pick(['$gt', '$lt', '$ne', '$gte', '$lte']);
      if (other !== op) return { [path]: { [op]: v, [other]: pick(VALUES[type]) } };
    }
    return { [path]: { [op]: v } };
  }

  function filter(collection, depth) {
    const r = rand();
    if (depth >= 2 || r < 0.45) return condition(collection);
    if (r < 0.62) return { $and: children(collection, depth) };
    if (r < 0.82) return { $or: children(collection, depth) };
    if (r < 0.9) return { ...condition(collection), ...condition(collection) };
    if (r < 0.95) return { $and: [{ $or: [] }, condition(collection)] };
    return { $or: [condition(collection)] };
  }

  function children(collection, depth) {
    const n = 1 + int(3);
    const out = [];
    for (let i = 0; i < n; i++) out.push(filter(collection, depth + 1));
    return out;
  }

  return { filter, condition, pick, chance };
}

// Cases every corpus holds whatever the seed: the reproductions.
const FIXED = [
  ['posts', { views: { $in: [1, null] } }],
  ['posts', { views: { $notIn: [10, null] } }],
  ['posts', { 'author.name': { $ne: 'ann' } }],
  ['posts', { $and: [{ 'tags.name': 'go' }, { 'tags.name': 'sql' }] }],
  ['posts', { 'author.$exists': true }],
  ['posts', { 'author.$notExists': true }],
  ['posts', { 'tags.$exists': true }],
  ['users', { 'posts.$exists': true }],
  ['users', { 'profile.$notExists': true }],
  ['posts', { status: { $ne: ['draft'] } }],
  ['posts', { publishedAt: { $dateOn: ['2024-01-01', '2024-01-01', '[]', '+00:00'] } }],
  ['posts', { published: 'yes' }],
  ['posts', { published: { $eq: 'on' } }],
  ['posts', { views: { $in: [true] } }],
  ['posts', { views: { $gt: 5, $ne: 10 } }],
  ['posts', { title: { $exists: false } }],
  ['posts', { 'views.$exists': true }],
  ['posts', { title: { $eq: null } }],
  ['posts', { content: { $includes: '\\' } }],
  ['posts', { $and: [{ $or: [] }, { views: 10 }] }],
  ['posts', { content: { $empty: true } }],
  ['posts', { labels: { $match: ['1', '2'] } }],
  ['posts', { views: { $lt: null } }],
  ['posts', { title: { $like: ['h%', '%go%'] } }],
  ['posts', { labels: { $match: [1, 2] } }],
  ['posts', { views: { $notIn: [] } }],
  ['posts', { published: { $isNot: true } }],
  ['posts', { $and: [{ 'author.$exists': true }] }],
  ['posts', { publishedAt: { $dateBetween: ['2024-01-01', '2024-01-01T16:00:00.000Z'] } }],
];

function* generate(seed, count) {
  const rand = mulberry32(seed);
  const g = generator(rand);
  for (const [collection, filter] of FIXED) yield { collection, filter };
  for (let i = FIXED.length; i < count; i++) {
    const collection = rand() < 0.72 ? 'posts' : 'users';
    yield { collection, filter: g.filter(collection, 0) };
  }
}

module.exports = { generate, mulberry32 };
