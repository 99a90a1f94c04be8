#!/usr/bin/env node
'use strict';
// Reference oracle for ACL.can(): one JSON scenario on stdin -> one JSON object on stdout.
// See README.md for the scenario format.
const _ = require('lodash');
const { ACL } = require('@nocobase/acl');
const { printJSON, errMessage, run } = require('./lib');

run((sc) => {
  const acl = new ACL();
  const errors = [];
  const errorsAt = [];
  const fail = (at, e) => {
    errors.push(errMessage(e));
    errorsAt.push(at);
  };
  const step = (at, fn) => {
    try {
      fn();
    } catch (e) {
      fail(at, e);
    }
  };

  // 1. available actions
  for (const [name, opts] of Object.entries(sc.availableActions || {})) {
    step(`availableActions.${name}`, () => acl.setAvailableAction(name, _.cloneDeep(opts || {})));
  }

  // 2. available strategies
  for (const [name, opts] of Object.entries(sc.strategies || {})) {
    step(`strategies.${name}`, () => acl.setAvailableStrategy(name, _.cloneDeep(opts || {})));
  }

  // 3. snippets, in order
  (sc.snippets || []).forEach((snip, i) => {
    step(`snippets[${i}]`, () => acl.registerSnippet(_.cloneDeep(snip)));
  });

  // 4. strategy resources: key absent = never called; null = setStrategyResources(null)
  if (Object.prototype.hasOwnProperty.call(sc, 'strategyResources')) {
    step('strategyResources', () => acl.setStrategyResources(_.cloneDeep(sc.strategyResources)));
  }

  // 5. fixed params (merger returns a fresh deep copy on every call, like a literal would)
  (sc.fixedParams || []).forEach((fp, i) => {
    step(`fixedParams[${i}]`, () => {
      const params = fp.params;
      acl.addFixedParams(fp.resource, fp.action, () => _.cloneDeep(params));
    });
  });

  // 6. general fixed params: merger(resource, action). Optional "resource"/"action" keys
  //    restrict the entry: when they do not match, the merger returns {}.
  (sc.generalFixedParams || []).forEach((gp, i) => {
    step(`generalFixedParams[${i}]`, () => {
      if (typeof acl.addGeneralFixedParams !== 'function') {
        throw new Error('addGeneralFixedParams is not a function');
      }
      const params = gp.params;
      acl.addGeneralFixedParams((resource, action) => {
        if (gp.resource !== undefined && gp.resource !== resource) return {};
        if (gp.action !== undefined && gp.action !== action) return {};
        return _.cloneDeep(params);
      });
    });
  });

  // 7. roles
  (sc.roles || []).forEach((r, i) => {
    step(`roles[${i}]`, () => {
      const def = { role: r.role };
      if (Object.prototype.hasOwnProperty.call(r, 'strategy')) def.strategy = _.cloneDeep(r.strategy);
      if (Object.prototype.hasOwnProperty.call(r, 'actions')) def.actions = _.cloneDeep(r.actions);
      const role = acl.define(def);
      if (Object.prototype.hasOwnProperty.call(r, 'snippets')) {
        role.snippets = new Set(r.snippets || []);
      }
    });
  });

  // 8. ops, in order
  const mustRole = (name) => {
    const role = acl.getRole(name);
    if (!role) throw new Error(`role not found: ${name}`);
    return role;
  };
  (sc.ops || []).forEach((op, i) => {
    step(`ops[${i}]:${op.op}`, () => {
      switch (op.op) {
        case 'grant':
          mustRole(op.role).grantAction(op.path, _.cloneDeep(op.params));
          break;
        case 'revoke':
          mustRole(op.role).revokeAction(op.path);
          break;
        case 'revokeResource':
          mustRole(op.role).revokeResource(op.resource);
          break;
        case 'remove':
          acl.removeRole(op.role);
          break;
        case 'setStrategy':
          mustRole(op.role).setStrategy(_.cloneDeep(op.strategy));
          break;
        case 'setSnippets':
          mustRole(op.role).snippets = new Set(op.snippets || []);
          break;
        case 'registerSnippet':
          acl.registerSnippet(_.cloneDeep(op.snippet));
          break;
        case 'setStrategyResources':
          acl.setStrategyResources(_.cloneDeep(op.resources));
          break;
        case 'appendStrategyResource':
          acl.appendStrategyResource(op.resource);
          break;
        case 'removeStrategyResource':
          acl.removeStrategyResource(op.resource);
          break;
        default:
          throw new Error(`unknown op: ${op.op}`);
      }
    });
  });

  // 9. queries
  const results = (sc.queries || []).map((q) => {
    try {
      const opts = _.cloneDeep(q);
      const r = acl.can(opts);
      return r === undefined ? null : r;
    } catch (e) {
      return { error: errMessage(e) };
    }
  });

  const roles = {};
  for (const [name, role] of acl.roles) {
    try {
      roles[name] = role.toJSON();
    } catch (e) {
      roles[name] = { error: errMessage(e) };
    }
  }

  const out = { results, roles, errors };
  if (errorsAt.length) out.errorsAt = errorsAt;
  if (sc.debug) out.strategyResources = acl.getStrategyResources();
  printJSON(out);
});
