#!/usr/bin/env node
'use strict';
// Reference oracle for parseJsonTemplate (exported by @nocobase/acl).
// Input:  {"filter": {...}, "state": {"currentUser": {"id": 7}, "currentRole": "r"},
//          "timezone": "+08:00" (optional), "user": {...} (optional: record returned for {{$user.*}};
//          default state.currentUser; null = no user found)}
// Output: the parsed filter (a top-level undefined prints as null).
const _ = require('lodash');
const { parseJsonTemplate } = require('@nocobase/acl');
const { printJSON, run } = require('./lib');

run(async (input) => {
  const state = input.state || {};
  const user = input.user !== undefined ? input.user : state.currentUser;
  // Minimal stand-in for createUserProvider: returns the requested fields of the user record.
  const userProvider = async ({ fields }) => (user ? _.pick(user, fields) : undefined);
  const parsed = await parseJsonTemplate(input.filter, {
    state,
    timezone: input.timezone,
    userProvider,
  });
  printJSON(parsed);
});
