'use strict';
// Shared helpers for the reference harness scripts.
const fs = require('fs');

// JSON.stringify drops undefined object values and turns undefined array
// entries into null; a top-level undefined is printed as null.
function printJSON(value) {
  const s = JSON.stringify(value === undefined ? null : value);
  process.stdout.write((s === undefined ? 'null' : s) + '\n');
}

function errMessage(e) {
  return e && e.message !== undefined ? String(e.message) : String(e);
}

// Reads one JSON document from stdin and runs main(input).
//  - stdin is not valid JSON      -> prints {"fatal": message}, exit code 2
//  - main (the reference) throws  -> prints {"error": message}, exit code 0
function run(main) {
  let input;
  try {
    input = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    printJSON({ fatal: 'bad input: ' + errMessage(e) });
    process.exitCode = 2;
    return;
  }
  Promise.resolve()
    .then(() => main(input))
    .catch((e) => {
      printJSON({ error: errMessage(e) });
    });
}

module.exports = { printJSON, errMessage, run };
