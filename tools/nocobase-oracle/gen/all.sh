#!/bin/sh
# Regenerates the Go reference corpora (acl/testdata, internal/jsonval/testdata,
# internal/toposort/testdata, resourcer/testdata) from the reference
# (run `npm ci` in tools/nocobase-oracle first).
set -e
cd "$(dirname "$0")"
node spec.js
node edge.js
node random.js 400 20240611
node merge_gen.js ../../../acl/testdata/merge.json
node parse_gen.js ../../../acl/testdata/templates.json
node assign_gen.js ../../../internal/jsonval/testdata/assign.json
node topo_gen.js ../../../internal/toposort/testdata/topo.json
node resourcer_gen.js ../../../resourcer/testdata
