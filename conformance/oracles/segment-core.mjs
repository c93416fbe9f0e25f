// The reference side, run in-process: Segment's published packages, pinned in package.json.
// Results use the same shapes as ampline's NDJSON contract so the two can be compared directly.
// Each call works on a deep copy of the case: the reference can mutate its input (liquidjs's
// `{% increment %}` writes its counter into the event), and the same case object is later sent
// to ampline.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseFql, validate } = require('@segment/destination-subscriptions');
const { transform } = require('@segment/actions-core');

/**
 * `{matches}` or `{error}`. A trigger that parses but throws during evaluation (`a and ()`) is,
 * per the spec, a non-match; it is marked `threw` so the comparison can accept either a parse
 * error or `false` from ampline for it.
 */
export function referenceFql(testCase) {
  const { expr, event } = structuredClone(testCase);
  const ast = parseFql(expr);
  if (ast.error) return { error: String(ast.error.message ?? ast.error) };
  try {
    return { matches: validate(ast, event) === true };
  } catch (e) {
    return { matches: false, threw: String(e?.message ?? e) };
  }
}

/** `{output}` (null for an undefined root, JSON round-tripped) or `{error}`. */
export function referenceMap(testCase) {
  const { mapping, event } = structuredClone(testCase);
  let output;
  try {
    output = transform(mapping, event);
  } catch (e) {
    return { error: errorText(e) };
  }
  // JSON semantics: undefined members vanish and array holes become null, as on the wire.
  // A root that is a function (`$.properties.constructor`) stringifies to nothing, like undefined.
  const text = JSON.stringify(output);
  return { output: text === undefined ? null : JSON.parse(text) };
}

/** The message without the stack trace some validation errors carry inside it. */
function errorText(e) {
  return String(e?.message ?? e).split(/\n\s+at /)[0].replace(/\s+/g, ' ').trim();
}
