// Records what NocoBase 2.2.15's own database layer (@nocobase/database on
// PostgreSQL) returns for generated filters, and writes the corpus that
// filterop/nocobase_test.go replays on SQLite and PostgreSQL.
//
//   npm ci
//   node record.js > ../../filterop/testdata/nocobase/corpus.json
//
// Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres); the
// script creates (and drops first) the database gh_nocobase_oracle. It runs
// with TZ and the database timezone both set to the corpus's timezone, the
// way gatehouse's filterop.WithTimezone is used for a request.
'use strict';

const TIMEZONE = '+08:00';
process.env.TZ = 'Asia/Shanghai'; // +08:00 all year, as TIMEZONE

const { Client } = require('pg');
const { Database } = require('@nocobase/database');
const { ROWS } = require('./rows');
const { generate } = require('./generate');

const SEED = 20261130;
const COUNT = 2400;
const DBNAME = 'gh_nocobase_oracle';

const pgConfig = {
  host: process.env.PGHOST || '127.0.0.1',
  port: Number(process.env.PGPORT || 5432),
  user: process.env.PGUSER || 'postgres',
};

async function freshDatabase() {
  const admin = new Client({ ...pgConfig, database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DBNAME}`);
  await admin.query(`CREATE DATABASE ${DBNAME}`);
  await admin.end();
}

function defineCollections(db) {
  db.collection({
    name: 'users',
    timestamps: false,
    fields: [
      { type: 'bigInt', name: 'id', primaryKey: true, autoIncrement: true },
      { type: 'string', name: 'name' },
      { type: 'string', name: 'email' },
      { type: 'integer', name: 'age' },
      { type: 'hasMany', name: 'posts', target: 'posts', foreignKey: 'authorId', sourceKey: 'id' },
      { type: 'hasOne', name: 'profile', target: 'profiles', foreignKey: 'userId', sourceKey: 'id' },
    ],
  });
  db.collection({
    name: 'profiles',
    timestamps: false,
    fields: [
      { type: 'bigInt', name: 'id', primaryKey: true, autoIncrement: true },
      { type: 'bigInt', name: 'userId' },
      { type: 'string', name: 'bio' },
    ],
  });
  db.collection({
    name: 'tags',
    timestamps: false,
    fields: [
      { type: 'bigInt', name: 'id', primaryKey: true, autoIncrement: true },
      { type: 'string', name: 'name' },
    ],
  });
  db.collection({
    name: 'postsTags',
    timestamps: false,
    autoGenId: false,
    fields: [
      { type: 'bigInt', name: 'postId', primaryKey: true },
      { type: 'bigInt', name: 'tagId', primaryKey: true },
    ],
  });
  db.collection({
    name: 'posts',
    timestamps: false,
    fields: [
      { type: 'bigInt', name: 'id', primaryKey: true, autoIncrement: true },
      { type: 'string', name: 'title' },
      { type: 'string', name: 'status' },
      { type: 'text', name: 'content' },
      { type: 'integer', name: 'views' },
      { type: 'double', name: 'score' },
      { type: 'boolean', name: 'published' },
      { type: 'date', name: 'publishedAt' },
      { type: 'array', name: 'labels' },
      { type: 'bigInt', name: 'authorId' },
      { type: 'belongsTo', name: 'author', target: 'users', foreignKey: 'authorId', targetKey: 'id' },
      { type: 'belongsToMany', name: 'tags', target: 'tags', through: 'postsTags', foreignKey: 'postId', otherKey: 'tagId', sourceKey: 'id', targetKey: 'id' },
    ],
  });
}

async function seed(db) {
  for (const [name, rows] of Object.entries(ROWS)) {
    const model = db.getModel(name);
    await model.bulkCreate(rows.map((r) => ({ ...r, publishedAt: r.publishedAt ? new Date(r.publishedAt) : r.publishedAt })));
  }
}

async function answer(db, collection, filter) {
  try {
    const rows = await db.getRepository(collection).find({ filter: JSON.parse(JSON.stringify(filter)) });
    const ids = [...new Set(rows.map((r) => Number(r.get('id'))))].sort((a, b) => a - b);
    return { ids };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e).split('\n')[0].slice(0, 200) };
  }
}

async function main() {
  await freshDatabase();
  const db = new Database({
    dialect: 'postgres',
    ...pgConfig,
    username: pgConfig.user,
    password: '',
    database: DBNAME,
    timezone: TIMEZONE,
    logging: false,
  });
  defineCollections(db);
  await db.sync();
  await seed(db);
  const cases = [];
  for (const c of generate(SEED, COUNT)) {
    cases.push({ collection: c.collection, filter: c.filter, ...(await answer(db, c.collection, c.filter)) });
  }
  await db.close();
  // One case a line, so that a regenerated corpus diffs case by case.
  const head = {
    reference: '@nocobase/database@2.2.15 on PostgreSQL (Sequelize)',
    generator: 'tools/nocobase-db-oracle (mulberry32)',
    seed: SEED,
    timezone: TIMEZONE,
    rows: ROWS,
  };
  const lines = Object.entries(head).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  lines.push(' "cases": [', cases.map((c) => '  ' + JSON.stringify(c)).join(',\n'), ' ]');
  process.stdout.write('{\n' + lines.join('\n') + '\n}\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
