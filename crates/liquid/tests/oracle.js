// Renders Liquid templates through Segment's evaluateLiquid (the reference) and records the
// results, producing the fixture that tests/cases.rs checks.
//
//   TZ=UTC node crates/liquid/tests/oracle.js < inputs.json > crates/liquid/tests/cases.json
//
// Input: {"default_root": any, "cases": [{"template": string, "root"?: any}, ...]}.
// Output: the same, each case given "output" (string) or "error" (the message).
// AMPLINE_REF points at the reference install (default /tmp/ref).
const path = require('path');
const refDir = process.env.AMPLINE_REF || '/tmp/ref';
const { evaluateLiquid } = require(path.join(
  refDir,
  'node_modules/@segment/actions-core/dist/cjs/mapping-kit/liquid-directive.js'
));
if (new Date(0).getTimezoneOffset() !== 0) throw new Error('run with TZ=UTC');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const cases = input.cases.map(({ template, root }) => {
  const event = JSON.parse(JSON.stringify(root === undefined ? input.default_root : root));
  const result = { template };
  if (root !== undefined) result.root = root;
  try {
    result.output = evaluateLiquid(template, event);
  } catch (e) {
    result.error = String(e.message);
  }
  return result;
});
process.stdout.write(JSON.stringify({ default_root: input.default_root, cases }, null, 1) + '\n');
