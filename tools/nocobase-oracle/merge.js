#!/usr/bin/env node
'use strict';
// Reference oracle for the core-middleware merge of ACL params into request params.
//
// Input:  {"rawParams": {...}, "aclParams": {...},
//          "mode": "resolve" | "pure" | "role"   (default "resolve"),
//          "state": {...}          (ctx.state, default {currentUser:{id:1}, currentRole:"r"}),
//          "resource": "posts", "action": "list",   (defaults)
//          "hasCreatedById": true  (does the mocked collection have a createdById field; default true),
//          "fixedParams": [{"resource","action","params"}] (registered with acl.addFixedParams; only
//                          reached when aclParams is null/absent, i.e. can has no params -- like root),
//          "full": false}          (true: print the whole resolve result instead of mergedParams)
// Output: the merged params (or, with "full", the whole result object).
//
// mergeActionParams is a module-private function in @nocobase/acl/lib/acl.js (not exported).
//  - "resolve": calls the real ACL#resolvePermissionParams(ctx, {can:{params: aclParams}, params: rawParams})
//               = exactly what the core middleware calls: checkFilterParams -> parseJsonTemplate(filter)
//               -> mergeActionParams(rawParams, parsedParams).
//  - "pure":    runs the real mergeActionParams source text, extracted from the installed acl.js,
//               on (rawParams, aclParams) directly (no template parsing, no flatten/unflatten).
//  - "role":    defines role "r" with {"<resource>:<action>": aclParams} (so beforeGrantAction listeners
//               run: own -> createdById filter, fields -> whitelist for create/update) and calls
//               acl.resolveActionParams(ctx, {resourceName, actionName, params: rawParams}),
//               the way the reference's own test does.
const fs = require('fs');
const path = require('path');
const _ = require('lodash');
const utils = require('@nocobase/utils');
const { ACL } = require('@nocobase/acl');
const { printJSON, run } = require('./lib');

function loadPureMergeActionParams() {
  const file = path.join(path.dirname(require.resolve('@nocobase/acl')), 'acl.js');
  const src = fs.readFileSync(file, 'utf8');
  const start = src.indexOf('function mergeActionParams(');
  const endMarker = '__name(mergeActionParams, "mergeActionParams");';
  const end = src.indexOf(endMarker, start);
  if (start < 0 || end < 0) throw new Error('mergeActionParams not found in ' + file);
  const body = src.slice(start, end);
  const __name = (target, value) => Object.defineProperty(target, 'name', { value, configurable: true });
  // eslint-disable-next-line no-new-func
  const factory = new Function('import_lodash', 'import_utils', '__name', `${body}\nreturn mergeActionParams;`);
  return factory({ default: _ }, utils, __name);
}

function makeCtx(input) {
  const state = _.cloneDeep(input.state || { currentUser: { id: 1 }, currentRole: 'r' });
  const hasCreatedById = input.hasCreatedById !== false;
  const user = input.user !== undefined ? input.user : state.currentUser;
  const db = {
    getCollection: () => ({ getField: (name) => (name === 'createdById' && hasCreatedById ? { name } : undefined) }),
    // used by createUserProvider for {{$user.x}} templates
    getFieldByPath: () => true,
    getRepository: (name) => {
      if (name === 'users') {
        return { findOne: async ({ fields }) => (user ? _.pick(user, fields) : null) };
      }
      throw new Error('no repository ' + name);
    },
  };
  return { state, db, action: { params: {} }, permission: {} };
}

run(async (input) => {
  const mode = input.mode || 'resolve';
  const resource = input.resource || 'posts';
  const action = input.action || 'list';
  const rawParams = input.rawParams;
  const aclParams = input.aclParams;

  if (mode === 'pure') {
    const mergeActionParams = loadPureMergeActionParams();
    printJSON(mergeActionParams(_.cloneDeep(rawParams), _.cloneDeep(aclParams || {})));
    return;
  }

  const acl = new ACL();
  for (const fp of input.fixedParams || []) {
    acl.addFixedParams(fp.resource, fp.action, () => _.cloneDeep(fp.params));
  }
  const ctx = makeCtx(input);
  let result;
  if (mode === 'resolve') {
    const can = { role: 'r', resource, action };
    if (aclParams !== undefined && aclParams !== null) can.params = _.cloneDeep(aclParams);
    result = await acl.resolvePermissionParams(ctx, {
      actionName: action,
      can,
      params: _.cloneDeep(rawParams),
      rawResourceName: resource,
      resourceName: resource,
      skip: false,
    });
  } else if (mode === 'role') {
    const roleName = (ctx.state && ctx.state.currentRole) || 'r';
    ctx.state.currentRole = roleName;
    delete ctx.state.currentRoles;
    acl.define({ role: roleName, actions: { [`${resource}:${action}`]: _.cloneDeep(aclParams || {}) } });
    result = await acl.resolveActionParams(ctx, { resourceName: resource, actionName: action, params: _.cloneDeep(rawParams) });
  } else {
    throw new Error('unknown mode ' + mode);
  }
  printJSON(input.full ? result : result.mergedParams);
});
