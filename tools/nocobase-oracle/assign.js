#!/usr/bin/env node
'use strict';
// Reference oracle for @nocobase/utils assign(target, source, strategies).
// Input:  {"target": {...}, "source": {...}, "strategies": {"filter": "andMerge", ...}}
// Strategy names are passed to assign() as strings; it resolves them through its own
// mergeStrategies map: overwrite, andMerge, orMerge, deepMerge, merge, union, intersect.
// An unknown name behaves like "no strategy" (deepMerge, only for keys present in source).
// Output: the mutated target that assign() returns.
const { assign, mergeStrategies } = require('@nocobase/utils');
const { printJSON, run } = require('./lib');

run((input) => {
  if (input.listStrategies) {
    printJSON([...mergeStrategies.keys()]);
    return;
  }
  const target = input.target === undefined ? {} : input.target;
  const source = input.source === undefined ? {} : input.source;
  printJSON(assign(target, source, input.strategies || {}));
});
