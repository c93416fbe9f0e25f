// Every deliberate difference between ampline and Segment's reference, in one place. A case a
// predicate accepts is still run and compared; when the results differ, the difference is
// counted under the deviation's id instead of failing the round. Predicates read a structural
// analysis of the case (fql/tokens.mjs for triggers), not a regex over its text, so that they
// cover only what they claim to.

import { pathNamesInheritedMember, strings } from './lib/inherited.mjs';

const LIQUID_COUNTER = /\{%-?[^%]*\b(increment|decrement)\b/;
// A number literal beyond the double range (e.g. 1e400), which JSON.parse reads as Infinity.
const OUT_OF_RANGE_NUMBER = /\d(\.\d*)?[eE]\+?\d{3,}|\d{309,}/;
const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;

function directives(value, name) {
  const found = [];
  (function walk(v) {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (name in v) found.push(v[name]);
      Object.values(v).forEach(walk);
    }
  })(value);
  return found;
}

export const DEVIATIONS = {
  fql: [
    {
      id: 'fql-precedence',
      description: 'A level mixing `and` and `or` without parentheses: ampline gives `and` precedence over `or`; Segment applies the level\'s last connective to all of it.',
      applies: (facts) => facts.mixedConnectives,
    },
    {
      id: 'fql-negation',
      description: '`!` before a group or a condition: ampline negates it; Segment drops the `!` (it only negates contains/match).',
      applies: (facts) => facts.negations.length > 0,
    },
    {
      id: 'fql-nested-groups',
      description: 'Parentheses inside parentheses: ampline matches them properly; Segment closes a group at the first `)` (so `((a))` is invalid there).',
      applies: (facts) => facts.nestedGroup,
    },
    {
      id: 'fql-function-in-group',
      description: 'contains()/match() inside a group: ampline closes the group at its own `)`; Segment closes it at the function\'s `)`.',
      applies: (facts) => facts.functionInGroup,
    },
    {
      id: 'js-inherited-members',
      description: 'A field path through a member every JavaScript value inherits (`properties.constructor.name`): the member exists, but ampline reads what lies inside it as missing.',
      applies: (facts) => facts.tokens.some((t) => t.kind === 'word' && t.text.includes('.') && pathNamesInheritedMember(t.text.slice(t.text.indexOf('.') + 1))),
    },
  ],
  map: [
    {
      id: 'liquid-counters',
      description: '{% increment %} / {% decrement %} keep their counters inside the template; liquidjs writes them into the event, where later fields can read them.',
      applies: ({ mapping }) => directives(mapping, '@liquid').some((t) => typeof t === 'string' && LIQUID_COUNTER.test(t)),
    },
    {
      id: 'js-inherited-members',
      description: 'Members every JavaScript value inherits (`$.properties.constructor`, `hasOwnProperty`) read as missing in ampline; the reference finds them on the prototype.',
      applies: ({ mapping }) => [...strings(mapping)].some(pathNamesInheritedMember),
    },
    {
      id: 'json-decode-out-of-range',
      description: '@json decode of a number beyond the double range (1e400): ampline returns the original string; JSON.parse gives Infinity, written as null.',
      applies: ({ mapping, event }) =>
        directives(mapping, '@json').some((o) => o && o.mode === 'decode') &&
        [...strings(event), ...strings(mapping)].some((s) => OUT_OF_RANGE_NUMBER.test(s)),
    },
    {
      id: 'lone-surrogates',
      description: 'Cutting a character outside the BMP in half (an emoji spread by @merge, indexed, sliced): JavaScript keeps a lone UTF-16 surrogate, which a Rust string cannot hold, so ampline writes U+FFFD.',
      applies: ({ mapping, event }) =>
        (directives(mapping, '@merge').length > 0 ||
          directives(mapping, '@liquid').some((t) => typeof t === 'string' && /\b(slice|truncate|truncatewords|split)\b/.test(t))) &&
        [...strings(event), ...strings(mapping)].some((s) => ASTRAL.test(s)),
    },
  ],
  // crates/amplitude's crate doc lists its deviations; items 1-3 are normalised on the reference's
  // requests in oracles/action-destinations.mjs, 4 (unknown regions) is not generated, and 6 (key
  // order) is invisible to a JSON comparison.
  actions: [
    {
      id: 'amplitude-astral-set-spread',
      description: 'A string under `$set`/`$setOnce` in mapped user properties is spread into an object by index: JavaScript splits a character outside the BMP into two lone surrogates, ampline keeps it under one index (crates/amplitude deviation 5).',
      applies: ({ event, mapping }) => setOperationStrings(event).concat(setOperationStrings(mapping)).some((s) => ASTRAL.test(s)),
    },
  ],
};

/** Strings held directly under a `$set` or `$setOnce` key anywhere in a value. */
function setOperationStrings(value) {
  const found = [];
  (function walk(v) {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if ((k === '$set' || k === '$setOnce') && typeof inner === 'string') found.push(inner);
        walk(inner);
      }
    }
  })(value);
  return found;
}

/** The deviations that apply to a case, given its analysis. */
export function deviationsFor(lang, facts) {
  if (!facts) return [];
  return (DEVIATIONS[lang] ?? []).filter((d) => d.applies(facts)).map((d) => d.id);
}
