#!/bin/sh
# Regenerates examples/*.out.json (script chosen by file-name prefix: can-, merge-, assign-, parse-).
# With --check, compares fresh output with the stored .out.json instead and exits 1 on a difference.
cd "$(dirname "$0")" || exit 1
status=0
for f in *.json; do
  case "$f" in *.out.json) continue ;; esac
  script="${f%%-*}"
  out="${f%.json}.out.json"
  if [ "$1" = "--check" ]; then
    if node "../$script.js" < "$f" | cmp -s - "$out"; then echo "ok   $f"; else echo "DIFF $f"; status=1; fi
  else
    node "../$script.js" < "$f" > "$out"; echo "$f -> $out (exit $?)"
  fi
done
exit $status
