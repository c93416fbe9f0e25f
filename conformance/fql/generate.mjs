// Generates triggers: mostly realistic ones (conditions joined by and/or, a group now and then),
// plus a share of lexically tricky or invalid ones taken from the spec's list of quirks. Each case
// carries the feature tags it exercised, so the coverage check can prove every quirk is generated.

import { EVENT_NAMES, PROPERTY_KEYS, TRAIT_KEYS } from '../lib/events.mjs';

/** Every tag here must be generated at least once in a full round (see lib/coverage.mjs). */
export const FQL_FEATURES = [
  // realistic forms
  'type-eq', 'event-eq', 'name-cond', 'userId-cond', 'prop-cmp', 'prop-eq-number', 'prop-neq-number',
  'prop-true', 'prop-false', 'prop-null', 'prop-not-null', 'userId-null', 'userId-bool', 'name-null',
  'event-null-text', 'trait-exists-infix', 'infix-op', 'infix-swallows-connective', 'contains', 'match-prefix',
  'match-suffix', 'match-plain', 'match-star', 'not-contains', 'not-match', 'single-quoted', 'bare-word',
  'unknown-head', 'only-unknown-head', 'nested-path', 'length-path', 'digit-segment', 'and-chain', 'or-chain',
  'group', 'lt', 'le', 'gt', 'ge', 'neq-string', 'neq-true-text', 'unknown-operator', 'number-value-text',
  'context-path', 'bare-properties', 'quoted-segment', 'contains-bad-field', 'contains-number',
  // lexically tricky / invalid
  'quote-sharing', 'bang-eq-no-terminator', 'ge-no-terminator', 'cr', 'crlf-after-string', 'hash', 'backtick',
  'star', 'truncated-keyword', 'number-trailing-dot', 'number-two-dots', 'exponent', 'lone-minus', 'plus-number',
  'nested-parens', 'negated-group', 'negated-condition', 'mixed-connectives', 'trailing-connective',
  'function-in-group', 'uppercase-keyword', 'keyword-paren', 'stray-close', 'unclosed-group', 'empty-group',
  'word-bad-follower', 'escaped-word', 'bang-space-contains', 'unterminated-string', 'bracket-path',
  'contains-missing-comma', 'contains-truncated', 'tab-lf-whitespace', 'empty-trigger', 'true-false-words',
  'token-soup', 'char-mutation', 'prototype-member',
];

/** Characters that matter to the lexer, for character-level mutation of valid triggers. */
const MUTATION_CHARS = ['"', "'", ' ', '(', ')', '!', '=', '<', '>', '.', ',', '\t', '\n', '\r', '#', '-', '+', '0', '5', 'a', 'n', 'o', 'r', 'd', 'l', 'u', '_', '\\', '[', ']', '*', 'é'];

function mutate(rng, expr, tags) {
  tags.add('char-mutation');
  // Mutate whole code points: a lone surrogate cannot travel to ampline as JSON.
  let chars = [...expr];
  for (let n = rng.int(1, 3); n > 0; n--) {
    const at = rng.int(0, chars.length);
    chars = rng.weighted([
      [3, () => [...chars.slice(0, at), rng.pick(MUTATION_CHARS), ...chars.slice(at)]],
      [2, () => [...chars.slice(0, at), ...chars.slice(at + 1)]],
      [1, () => [...chars.slice(0, at), rng.pick(MUTATION_CHARS), ...chars.slice(at + 1)]],
      [1, () => chars.slice(0, at)],
    ]);
  }
  return chars.join('');
}

/** Pieces for token soup: random sequences that stress the parser beyond hand-written shapes. */
const SOUP = {
  head: ['type', 'event', 'name', 'userId', 'properties.revenue', 'properties.currency', 'properties.flag', 'traits.email', 'context.locale', 'properties', 'anonymousId', 'properties.products.length', 'properties.nested.a.b'],
  op: ['=', '!=', '<', '<=', '>', '>=', 'contains', 'exists', 'not_exists', 'is_true', 'starts_with', 'not_ends_with', '=='],
  value: ['"track"', '"Order Completed"', "'x'", '5', '10.5', '-1', '0', 'null', 'true', 'false', 'track', '""', '"USD"', '"jane@example.com"'],
  glue: ['and', 'or', 'and', 'or', '(', ')', '!', ',', 'AND'],
};

const q = (s) => `"${s}"`;

function fieldValue(event, path) {
  let v = event;
  for (const p of path) v = v == null ? undefined : v[p];
  return v;
}

function stringLiteral(rng, text) {
  return rng.chance(0.85) ? q(text) : `'${text}'`;
}

/** One condition; returns [text, tags]. */
function condition(rng, event, tags) {
  const propKey = rng.pick(PROPERTY_KEYS);
  const form = rng.weighted([
    [6, 'type'], [7, 'event'], [2, 'name'], [3, 'userId'], [10, 'prop'], [3, 'trait'], [2, 'context'], [4, 'func'], [1, 'unknown'],
  ]);
  switch (form) {
    case 'type': {
      tags.add('type-eq');
      const v = rng.chance(0.7) ? event.type ?? 'track' : rng.pick(['track', 'identify', 'page', 'Track']);
      if (rng.chance(0.15)) { tags.add('bare-word'); return `type = ${v}`; }
      if (rng.chance(0.1)) { tags.add('single-quoted'); return `type = '${v}'`; }
      return `type ${rng.pick(['=', '=', '!='])} ${q(v)}`;
    }
    case 'event': {
      tags.add('event-eq');
      const v = rng.chance(0.6) && typeof event.event === 'string' ? event.event : rng.pick(EVENT_NAMES);
      if (rng.chance(0.1)) { tags.add('event-null-text'); return `event ${rng.pick(['=', '!='])} null`; }
      if (rng.chance(0.08)) { tags.add('number-value-text'); return `event = ${rng.pick(['1.50', '5', '-2'])}`; }
      if (rng.chance(0.1)) { tags.add('single-quoted'); return `event = '${v}'`; }
      if (rng.chance(0.07)) { tags.add('infix-op'); return `event ${rng.pick(['contains', 'starts_with', 'ends_with', 'not_contains'])} ${q(v.slice(0, 3))}`; }
      if (rng.chance(0.05)) { tags.add('unknown-operator'); return `event == ${q(v)}`; }
      return `event ${rng.pick(['=', '=', '=', '!='])} ${q(v)}`;
    }
    case 'name': {
      tags.add('name-cond');
      if (rng.chance(0.3)) { tags.add('name-null'); return `name ${rng.pick(['=', '!='])} null`; }
      return `name = ${q(rng.pick(['Home', 'Cart', '', 'Checkout']))}`;
    }
    case 'userId': {
      tags.add('userId-cond');
      if (rng.chance(0.3)) { tags.add('userId-null'); return `userId ${rng.pick(['=', '!='])} null`; }
      if (rng.chance(0.2)) { tags.add('userId-bool'); return `userId = ${rng.pick(['true', 'false'])}`; }
      const v = rng.chance(0.5) && typeof event.userId === 'string' ? event.userId : rng.pick(['user-1', 'x', '', 'true']);
      return `userId ${rng.pick(['=', '!='])} ${stringLiteral(rng, v)}`;
    }
    case 'prop': return propertyCondition(rng, `properties.${propKey}`, fieldValue(event, ['properties', propKey]), tags);
    case 'trait': {
      const key = rng.pick(TRAIT_KEYS);
      if (rng.chance(0.4)) { tags.add('trait-exists-infix'); tags.add('infix-op'); return `traits.${key} ${rng.pick(['exists', 'not_exists'])} ${rng.pick(['x', '"y"', 'null'])}`; }
      return propertyCondition(rng, `traits.${key}`, fieldValue(event, ['traits', key]), tags);
    }
    case 'context': {
      tags.add('context-path');
      const path = rng.pick(['page.url', 'library.name', 'locale', 'campaign.source', 'device.type', 'os.name', 'ip', 'page.path.length', 'userAgent']);
      return propertyCondition(rng, `context.${path}`, fieldValue(event, ['context', ...path.split('.')]), tags);
    }
    case 'func': return functionCall(rng, event, tags);
    default: {
      tags.add('unknown-head');
      return `${rng.pick(['anonymousId', 'Type', 'messageId', 'Event'])} = ${q(rng.pick(['x', 'track']))}`;
    }
  }
}

function propertyCondition(rng, path, actual, tags) {
  if (rng.chance(0.15)) {
    tags.add('nested-path');
    path = rng.pick([`${path}.a`, `${path}.length`, 'properties.nested.a.b', 'properties.products.0', 'properties.products.length', 'properties.nested.c.1.d']);
    if (path.includes('.length')) tags.add('length-path');
    if (/\.\d/.test(path)) tags.add('digit-segment');
  }
  if (path.startsWith('properties.')) tags.add('prop-cmp');
  const n = typeof actual === 'number' && rng.chance(0.6) ? actual : rng.pick([0, 5, 10, 10.5, 100, -1]);
  return rng.weighted([
    [4, () => { const op = rng.pick(['<', '<=', '>', '>=']); tags.add({ '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }[op]); return `${path} ${op} ${rng.chance(0.8) ? n : q(rng.pick(['5', '', 'abc', '10']))}`; }],
    [2, () => { tags.add('prop-eq-number'); return `${path} = ${n}`; }],
    [1, () => { tags.add('prop-neq-number'); return `${path} != ${n}`; }],
    [1, () => { tags.add('prop-true'); return `${path} = true`; }],
    [1, () => { tags.add('prop-false'); return `${path} = false`; }],
    [1, () => { tags.add('prop-null'); return `${path} = null`; }],
    [1, () => { tags.add('prop-not-null'); return `${path} != null`; }],
    [1, () => { tags.add('neq-true-text'); return `${path} != true`; }],
    [3, () => { const v = typeof actual === 'string' && rng.chance(0.6) ? actual.replace(/["']/g, '') : rng.pick(['USD', 'hello', '', '5', 'Shoe']); if (rng.chance(0.3)) tags.add('neq-string'); return `${path} ${rng.pick(['=', '!='])} ${stringLiteral(rng, v)}`; }],
    [1, () => { tags.add('infix-op'); return `${path} ${rng.pick(['exists', 'not_exists', 'contains', 'is_true', 'starts_with'])} ${q(rng.pick(['U', 'x', '']))}`; }],
  ]);
}

function functionCall(rng, event, tags) {
  const field = rng.weighted([[4, 'event'], [3, 'properties.url'], [1, 'userId'], [1, 'name'], [1, 'context.page.url'], [1, 'traits.email'], [1, 'type']]);
  if (field === 'type') tags.add('contains-bad-field');
  const negate = rng.chance(0.2) ? '!' : '';
  if (rng.chance(0.5)) {
    tags.add(negate ? 'not-contains' : 'contains');
    if (rng.chance(0.1)) { tags.add('contains-number'); return `${negate}contains(${field}, ${rng.pick(['5', '1.5'])})`; }
    return `${negate}contains(${field}, ${stringLiteral(rng, rng.pick(['Order', 'order', 'https', '.com', 'user', '', 'e']))})`;
  }
  tags.add(negate ? 'not-match' : 'match-prefix');
  const pattern = rng.weighted([
    [3, () => { tags.add('match-prefix'); return rng.pick(['https*', 'Order*', 'http*', 'user*']); }],
    [2, () => { tags.add('match-suffix'); return rng.pick(['*Completed', '*.com', '*cart', '*1']); }],
    [1, () => { tags.add('match-plain'); return rng.pick(['Order', 'Completed', 'xcart']); }],
    [1, () => { tags.add('match-star'); return rng.pick(['*', '*Order*']); }],
  ]);
  return `${negate}match(${field}, ${stringLiteral(rng, pattern)})`;
}

function realistic(rng, event, tags) {
  const count = rng.weighted([[3, 1], [4, 2], [2, 3], [1, 4]]);
  const parts = Array.from({ length: count }, () => condition(rng, event, tags));
  const mixed = rng.chance(0.15);
  const conn = rng.pick(['and', 'and', 'or']);
  let expr = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const c = mixed ? rng.pick(['and', 'or']) : conn;
    tags.add(c === 'and' ? 'and-chain' : 'or-chain');
    expr += ` ${c} ${parts[i]}`;
  }
  if (mixed && /\band .* or |\bor .* and /.test(expr)) tags.add('mixed-connectives');
  if (count >= 2 && rng.chance(0.25)) {
    tags.add('group');
    const inner = Array.from({ length: rng.int(1, 3) }, () => condition(rng, event, tags)).join(` ${rng.pick(['and', 'or'])} `);
    expr = `${expr} ${rng.pick(['and', 'or'])} (${inner})`;
  }
  return expr;
}

/** Tricky or invalid triggers from the spec; `{c}` is replaced by a realistic condition. */
const QUIRKS = [
  ['quote-sharing', ['event="{E}"and type="track"', 'event = "{E}"and type = "track"', 'type="track"or event="x"']],
  ['bang-eq-no-terminator', ['userId!="x"', 'event!="{E}"']],
  ['ge-no-terminator', ['properties.revenue >=5', 'properties.revenue <=10', 'properties.revenue >5']],
  ['cr', ['type = "track"\rand event = "{E}"', 'type = "track"\r']],
  ['crlf-after-string', ['event = "{E}"\r\nand type = "track"', 'type = "track"\r\n']],
  ['hash', ['event = "{E}" # comment', '#type = "track"']],
  ['backtick', ['event = `x`', 'properties.`a` = 1']],
  ['star', ['event = *', 'properties.* = 1']],
  ['truncated-keyword', ['userId = nu', 'userId = n', 'event = "{E}" an', 'name = o', 'type = "track" and userId = nul', 'event = n', 'event = nud', 'userId = n!u', 'event = a*', 'event = "{E}" or na"', 'event = ox', 'userId = nu ']],
  ['number-trailing-dot', ['properties.revenue > 1.', 'properties.revenue = 1. and type = "track"']],
  ['number-two-dots', ['properties.revenue > 1.2.3']],
  ['exponent', ['properties.revenue > 1e3', 'properties.revenue = 1e3']],
  ['lone-minus', ['properties.revenue > -', 'properties.revenue = - and type = "track"']],
  ['plus-number', ['properties.revenue > +5', 'properties.quantity = +2']],
  ['nested-parens', ['(({c}))', '{c} and ({c} or ({c}))', '({c} and ({c}))', '(({c}) or {c})']],
  ['negated-group', ['!({c})', '!({c} or {c})', '{c} and !({c})']],
  ['negated-condition', ['!type = "track"', '!event = "{E}"', '{c} and !properties.revenue > 10', '!userId = null']],
  ['mixed-connectives', ['{c} and {c} or {c}', '{c} or {c} and {c}', '({c} and {c} or {c})']],
  ['trailing-connective', ['{c} and {c} or', '{c} and', '{c} or']],
  ['function-in-group', ['{c} and (contains(event, "Order") or {c})', '({c} or match(properties.url, "https*"))', '(contains(event, "O")) and {c}']],
  ['uppercase-keyword', ['{c} AND {c}', '{c} OR {c}', '{c} And {c}']],
  ['keyword-paren', ['{c} or({c})', '{c} and({c})']],
  ['stray-close', ['{c})', '{c}) and {c}']],
  ['unclosed-group', ['({c}', '{c} and ({c} or {c}']],
  ['empty-group', ['{c} and ()', '()', '{c} or ()']],
  ['word-bad-follower', ['properties.revenue>5', 'event<"x"', 'userId>"a"']],
  ['escaped-word', ['properties.my\\ key = "v"', 'properties.a\\.b = 1', 'ev\\ent = "{E}"']],
  ['bang-space-contains', ['! contains(event, "O")', '{c} and ! match(event, "O*")']],
  ['unterminated-string', ['event = "{E}', "event = 'x"]],
  ['bracket-path', ['properties.products[0].sku = "A"', 'properties[revenue] > 1']],
  ['contains-missing-comma', ['contains(event "Order")', 'contains(event,"Order" and {c}', 'contains(event; "O")', 'contains(event."Order")', 'contains[event, "Order"]', 'match(properties.url "https*") or {c}']],
  ['contains-truncated', ['contains(', 'contains(event', 'contains(event,']],
  ['tab-lf-whitespace', ['type\t=\t"track"', 'type = "track"\nand {c}', '\t{c}\n']],
  ['empty-trigger', ['', '   ']],
  ['true-false-words', ['properties.flag = true', 'type = true', 'userId = false', 'properties.flag = TRUE']],
  ['only-unknown-head', ['anonymousId = "x"', 'Type = "track"', 'messageId != null']],
  ['bare-properties', ['properties = null', 'properties != null', 'properties.properties = 1']],
  ['quoted-segment', ['properties."my key" = "v"', "properties.'a' = 1"]],
  ['infix-swallows-connective', ['properties.revenue exists or {c}', 'traits.email exists and {c}', 'event contains "O" or {c}']],
  ['unknown-operator', ['type == "track"', 'event === "x"', 'properties.revenue => 5']],
  // Members every JS object or string inherits are reachable in Segment's lookup.
  ['prototype-member', ['properties.constructor exists', 'properties.constructor != null', 'traits.toString = null', 'properties.__proto__ exists',
    'properties.hasOwnProperty != null and {c}', 'properties.constructor.name = "Object"', 'properties.currency.toUpperCase exists',
    'context.constructor.length = 1', 'properties.products.length > 0', 'properties.valueOf exists', 'properties.constructor.name contains "Obj"']],
];

/** Generates one trigger for `event`. Returns {expr, tags}. */
function tokenSoup(rng, tags) {
  tags.add('token-soup');
  const parts = [];
  for (let n = rng.int(1, 9); n > 0; n--) {
    parts.push(rng.weighted([
      [5, () => `${rng.pick(SOUP.head)} ${rng.pick(SOUP.op)} ${rng.pick(SOUP.value)}`],
      [3, () => rng.pick(SOUP.glue)],
      [1, () => `${rng.pick(['contains', 'match', '!contains', '!match'])}(${rng.pick(['event', 'properties.url', 'type', 'userId'])}, ${rng.pick(['"O"', '"https*"', '"*d"', '"Order"', '5'])})`],
      [1, () => rng.pick(SOUP.head)],
      [1, () => rng.pick(SOUP.value)],
    ]));
  }
  return parts.join(' ').replace(/\( /g, () => (rng.chance(0.5) ? '(' : '( ')).replace(/ \)/g, () => (rng.chance(0.5) ? ')' : ' )'));
}

export function generateTrigger(rng, event) {
  const tags = new Set();
  let expr;
  if (rng.chance(0.12)) {
    expr = tokenSoup(rng, tags);
  } else if (rng.chance(0.62)) {
    expr = realistic(rng, event, tags);
  } else {
    const [tag, templates] = rng.pick(QUIRKS);
    tags.add(tag);
    const eventName = typeof event.event === 'string' ? event.event.replace(/["']/g, '') : 'Order Completed';
    expr = rng.pick(templates).replace(/\{E\}/g, eventName).replace(/\{c\}/g, () => condition(rng, event, tags));
  }
  if (rng.chance(0.08)) expr = mutate(rng, expr, tags);
  if (rng.chance(0.03)) { tags.add('tab-lf-whitespace'); expr = expr.replace(/ /g, () => rng.pick([' ', '\t', '\n'])); }
  return { expr, tags };
}
