// Generates mappings: random trees of every mapping-kit directive (valid and invalid shapes),
// pointed mostly at fields that realistic events carry, plus whole realistic mappings such as
// Amplitude's Log Event V2 defaults. Each case carries the feature tags it exercised.

export const MAP_FEATURES = [
  'path', 'path-odd', 'path-dynamic', 'template', 'template-triple', 'template-odd', 'literal', 'literal-nested-directive',
  'if-exists', 'if-blank', 'if-then-else', 'if-falsy-else', 'if-invalid', 'case-lower', 'case-upper', 'case-bad-operator',
  'replace', 'replace-dollar', 'replace-emoji', 'replace-not-global', 'replace-ignorecase', 'replace-pattern2',
  'arrayPath-object-shape', 'arrayPath-directive-shape', 'arrayPath-no-shape', 'arrayPath-odd-shape',
  'json-encode', 'json-decode', 'json-wrong-case', 'json-falsy-value', 'flatten', 'flatten-omitArrays', 'flatten-bad-separator',
  'merge-left', 'merge-right', 'merge-odd-direction', 'merge-erase', 'transform', 'excludeWhenNull',
  'liquid-variable', 'liquid-filter', 'liquid-if', 'liquid-unless', 'liquid-assign', 'liquid-capture', 'liquid-disabled', 'liquid-syntax-error',
  'metadata', 'reserved-key', 'directive-in-array', 'invalid-two-at-keys', 'invalid-unknown-directive', 'invalid-option-type',
  'invalid-in-array', 'scalars', 'root-directive', 'path-non-string', 'template-directive', 'liquid-too-long', 'blank-literal',
  'event-not-object', 'option-soup', 'json-integer-keys', 'path-soup', 'template-soup', 'liquid-soup', 'liquid-counter-leak', 'prototype-member', 'log-event-v2', 'identify-user', 'group-identify', 'purchase',
];

const PATHS = [
  '$.userId', '$.anonymousId', '$.event', '$.type', '$.name', '$.messageId', '$.timestamp', '$.properties', '$.traits',
  '$.properties.revenue', '$.properties.price', '$.properties.quantity', '$.properties.currency', '$.properties.products',
  '$.properties.products[0].sku', '$.properties.products.0.price', '$.properties.url', '$.properties.email', '$.properties.x',
  '$.properties.nested.a.b', '$.properties.nested', '$.properties.tags', '$.properties.numstr', '$.properties.empty',
  '$.properties.zero', '$.properties.nil', '$.traits.email', '$.traits.address.city', '$.traits.name', '$.traits.age',
  '$.context.page.url', '$.context.page.referrer', '$.context.userAgent', '$.context.ip', '$.context.locale',
  '$.context.campaign.source', '$.context.device.id', '$.context.os.name', '$.context.library.name', '$.context',
  '$.integrations.Actions Amplitude.session_id', '$.properties.missing', '$.nope.deeper',
];

/** Odd paths from B.2. */
const ODD_PATHS = [
  '', '.', '$.', '$', 'properties.revenue', 'a.$.properties.revenue', '$.properties["my key"]', "$.properties['my key']",
  '$.properties.my key', '$.properties["a.b"]', '$.properties[x]', "$.properties.it's", '$.properties..revenue',
  '$.properties.zero.x', '$.properties.nil.x', '$.properties.revenue.x', '$.A', '$.properties.*', '$.properties.products[-1]',
  '$.properties.products[1].sku', '$.properties.name.length', '$.event.0', '$.properties.products]]', '$.properties.tags[0]',
  "$['properties']", '$.traits.address["city"]', '$.properties.products[0]["sku"]',
];

const TEMPLATES = [
  '{{properties.revenue}}', '{{event}} by {{userId}}', '{{ properties.currency }}', '{{properties.products[0].sku}}',
  '{{properties.products.1.name}}', '{{properties.tags}}', '{{properties}}', '{{properties.nested}}', 'Hi {{traits.name}}!',
  '{{$.userId}}', '{{missing}}', 'plain text', '', '{{}}', '{{x}', '{n}', '{{ }}', '{{properties.flag}}', '{{context.page.url}}',
];

const TRIPLE_TEMPLATES = ['{{{properties.x}}}', '{{{event}}}-{{userId}}', '{{{ traits.name }}}', '{{{properties.search}}}{{properties.currency}}'];

const LIQUID = [
  ['liquid-variable', '{{ properties.revenue }}'], ['liquid-variable', '{{ event }}'], ['liquid-variable', '{{ properties.products }}'],
  ['liquid-variable', '{{ traits.address.city }}'], ['liquid-variable', ''], ['liquid-variable', '{{ properties.tags }}'],
  ['liquid-filter', '{{ event | upcase }}'], ['liquid-filter', '{{ properties.revenue | plus: 5 }}'],
  ['liquid-filter', '{{ properties.revenue | divided_by: 2 }}'], ['liquid-filter', '{{ properties.quantity | divided_by: 2.0 }}'],
  ['liquid-filter', '{{ properties.currency | default: "USD" }}'], ['liquid-filter', '{{ properties.nested | json }}'],
  ['liquid-filter', '{{ properties.products | size }}'], ['liquid-filter', '{{ event | size }}'],
  ['liquid-filter', '{{ "a,b,c" | split: "," | join: "-" }}'], ['liquid-filter', '{{ event | replace: "Order", "Purchase" }}'],
  ['liquid-filter', '{{ traits.email | downcase | default: "none" }}'], ['liquid-filter', '{{ properties.price | times: 100 | round }}'],
  ['liquid-filter', '{{ userId | append: "-x" | prepend: "u:" }}'], ['liquid-filter', '{{ properties.numstr | plus: 1 }}'],
  ['liquid-if', '{% if properties.revenue > 10 %}big{% else %}small{% endif %}'],
  ['liquid-if', '{% if traits.email %}{{ traits.email }}{% elsif userId %}{{ userId }}{% endif %}'],
  ['liquid-if', '{% if event == "Order Completed" and properties.revenue %}yes{% endif %}'],
  ['liquid-unless', '{% unless properties.currency %}none{% endunless %}'],
  ['liquid-unless', '{% unless userId == "x" %}{{ userId | default: anonymousId }}{% endunless %}'],
  ['liquid-unless', '{% unless properties.revenue > 100 %}small{% else %}big{% endunless %}'],
  ['liquid-assign', '{% assign t = properties.revenue | times: 2 %}{{ t }}'],
  ['liquid-assign', '{% assign n = event | split: " " %}{{ n | first }}/{{ n | last }}'],
  ['liquid-capture', '{% capture c %}{{ event }}:{{ userId }}{% endcapture %}{{ c | upcase }}'],
  ['liquid-capture', '{% capture k %}{% if traits.email %}e{% else %}n{% endif %}{% endcapture %}{{ k }}-{{ k | size }}'],
  ['liquid-disabled', '{% for p in properties.products %}{{ p.sku }}{% endfor %}'], ['liquid-disabled', '{{ properties.tags | reverse }}'],
  ['liquid-disabled', '{% case event %}{% when "x" %}1{% endcase %}'], ['liquid-disabled', '{{ properties.products | map: "sku" }}'],
  ['liquid-syntax-error', '{{ event '], ['liquid-syntax-error', '{% if %}x{% endif %}'], ['liquid-syntax-error', '{% endif %}'],
];

/** Pieces for path soup: B.2's splitting rules get exercised by random concatenations. */
const PATH_PIECES = ['properties', 'products', 'traits', 'address', 'city', 'sku', 'name', 'length', 'my key', 'a', 'b', 'nested', 'tags', 'x', '0', '1', 'event', 'context', 'page', 'url'];
const PATH_GLUE = ['.', '.', '.', '[', ']', '["', '"]', "['", "']", '..', '[0]', '[1]', ']]', '"', "'", '$.', '*', '-1'];

/** Known options per directive, for option soup (random subsets with values of random types). */
const OPTIONS = {
  '@if': ['exists', 'blank', 'then', 'else'],
  '@case': ['operator', 'value'],
  '@replace': ['pattern', 'replacement', 'value', 'global', 'ignorecase', 'pattern2', 'replacement2'],
  '@json': ['mode', 'value'],
  '@flatten': ['value', 'separator', 'omitArrays'],
  '@merge': ['objects', 'direction'],
  '@transform': ['apply', 'mapping'],
};

/** Liquid soup: a variable through a chain of common filters, sometimes inside a tag. */
const LIQUID_VARIABLES = ['event', 'userId', 'properties.revenue', 'properties.currency', 'properties.products', 'properties.tags', 'properties.numstr',
  'properties.products[0].price', 'properties.products.size', 'traits.email', 'traits.age', 'context.page.url', 'properties.missing', 'properties.x', '"literal"', '5', '2.5', 'nil', 'true', 'properties.nested.a.b'];
const LIQUID_FILTERS = ['upcase', 'downcase', 'capitalize', 'strip', 'size', 'first', 'last', 'json', 'escape', 'url_encode', 'abs', 'floor', 'ceil', 'round',
  'plus: 1', 'minus: 2', 'times: 3', 'divided_by: 2', 'divided_by: 0', 'modulo: 3', 'round: 2', 'default: "none"', 'default: 0', 'append: "!"', 'prepend: "#"',
  'replace: "e", "3"', 'replace_first: "o", "0"', 'remove: " "', 'split: " "', 'join: "+"', 'truncate: 5', 'slice: 0, 3', 'at_least: 10', 'at_most: 10', 'compact', 'strip_html',
  'truncatewords: 1', 'strip_newlines', 'escape_once', 'url_decode', 'lstrip', 'rstrip', 'remove_first: "e"', 'slice: -2', 'split: ""', 'plus: 0.2', 'divided_by: 3', 'times: 1.1',
  'minus: "1"', 'default: "x", allow_false: true', 'where: "sku", "A"', 'sum', 'first | upcase', 'size | plus: 1'];
/** Liquid shapes beyond single outputs: whitespace control, raw, comment, ranges, operators. */
const LIQUID_SHAPES = [
  '{{- event -}} | {{ userId -}}', '{%- if userId -%} u {%- endif -%}', '{% raw %}{{ event }}{% endraw %}', '{% comment %}x{% endcomment %}y',
  '{% increment n %}{% increment n %}{{ n }}', '{% decrement m %}', '{% echo event | upcase %}', '{% liquid\n assign x = event | size\n echo x\n %}',
  '{{ (1..3) | join: "," }}', '{% if properties.tags contains "sale" %}sale{% endif %}', '{% if properties.revenue == "15" %}str{% endif %}',
  '{% if properties.products == empty %}none{% endif %}', '{% if traits.email == blank %}blank{% endif %}', '{{ 0.1 | plus: 0.2 }}', '{{ 10 | divided_by: 3 }}',
  '{{ 10 | divided_by: 4.0 }}', '{{ 1e21 | plus: 0 }}', '{{ properties.x }}', '{{ properties }}', '{{ properties | json }}', '{{ event[0] }}{{ event.size }}',
  '{{ properties.products.first.sku }}', '{{ properties.products[-1].name }}', '{% if 5 > "4" %}gt{% endif %}', '{% unless nil %}u{% endunless %}',
  '{% if a or b and c %}x{% endif %}', '{{ "a" | append: event | prepend: 1 }}', '{{ userId | default: anonymousId | downcase }}',
];

export function generateMapping(rng) {
  const tags = new Set();
  if (rng.chance(0.01)) tags.add('event-not-object');
  const gen = new MappingGen(rng, tags);
  const mapping = rng.weighted([
    [6, () => gen.object(0)],
    [2, () => { tags.add('root-directive'); return gen.directive(0); }],
    [1, () => gen.logEventV2()],
    [1, () => gen.identifyUser()],
    [1, () => gen.purchase()],
    [0.4, () => { tags.add('group-identify'); return { group_type: { '@path': '$.traits.plan' }, group_value: { '@template': '{{groupId}}' }, user_id: { '@path': '$.userId' } }; }],
    [0.5, () => gen.reserved()],
    // liquidjs keeps {% increment %} counters in the event itself, so later directives see them.
    [0.1, () => { tags.add('liquid-counter-leak'); return { a: { '@liquid': '{% increment n %}{% decrement d %}' }, n: { '@path': '$.n' }, t: { '@template': '{{d}}' }, b: { '@liquid': '{{ n }}' } }; }],
  ]);
  return { mapping, tags };
}

class MappingGen {
  constructor(rng, tags) { this.rng = rng; this.tags = tags; }

  tag(t) { this.tags.add(t); }

  /** A value in a mapping: scalar, plain object, array or directive. */
  value(depth) {
    const rng = this.rng;
    if (depth >= 4) return rng.chance(0.7) ? this.path() : this.scalar();
    return rng.weighted([
      [8, () => this.directive(depth)],
      [2, () => this.scalar()],
      [1.2, () => this.object(depth + 1)],
      [1, () => { const arr = Array.from({ length: rng.int(0, 3) }, () => this.value(depth + 1)); if (arr.some(isDirective)) this.tag('directive-in-array'); return arr; }],
      [0.3, () => { this.tag('invalid-in-array'); return [this.invalidDirective(depth + 1), { '@path': '$.userId', x: 1 }]; }],
    ]);
  }

  scalar() {
    this.tag('scalars');
    return this.rng.pick(['x', '', 0, 1.5, -3, true, false, null, 'ünïcode 🎉', '$.userId', '{{event}}']);
  }

  object(depth) {
    const rng = this.rng;
    const o = {};
    const keys = ['user_id', 'event_type', 'time', 'event_properties', 'price', 'a', 'b', 'nested', 'items', 'x', 'id', '0'];
    for (const key of rng.sample(keys, rng.int(1, 5))) o[key] = this.value(depth + 1);
    if (rng.chance(0.04)) { this.tag('invalid-two-at-keys'); o.bad = { '@path': '$.userId', '@template': '{{userId}}' }; }
    if (rng.chance(0.03)) { this.tag('invalid-unknown-directive'); o.bad2 = { [rng.pick(['@pathh', '@Path', '@unknown', '@'])]: '$.userId' }; }
    return o;
  }

  soupPath() {
    const rng = this.rng;
    let text = rng.chance(0.7) ? '$.' : '';
    for (let n = rng.int(1, 6); n > 0; n--) text += rng.chance(0.6) ? rng.pick(PATH_PIECES) : rng.pick(PATH_GLUE);
    return text;
  }

  path() {
    const rng = this.rng;
    if (rng.chance(0.01)) {
      this.tag('prototype-member');
      return rng.pick([
        { '@path': '$.properties.constructor' }, { '@path': '$.properties.constructor.name' }, { '@path': '$.__proto__' }, { '@path': '$.properties.toString' },
        { '@template': '{{properties.constructor.name}}-{{event.length}}' }, { '@path': '$.event.constructor.name' }, { '@path': '$.properties.hasOwnProperty.length' },
        { '@if': { exists: { '@path': '$.properties.constructor' }, then: 'inherited', else: 'own only' } }, { '@liquid': '{{ properties.constructor }}|{{ event.size }}' },
      ]);
    }
    if (rng.chance(0.08)) { this.tag('path-soup'); return { '@path': this.soupPath() }; }
    if (rng.chance(0.15)) { this.tag('path-odd'); return { '@path': rng.pick(ODD_PATHS) }; }
    this.tag('path');
    return { '@path': rng.pick(PATHS) };
  }

  invalidDirective(depth) {
    const rng = this.rng;
    return rng.weighted([
      [1, () => { this.tag('invalid-two-at-keys'); return { '@path': '$.event', '@literal': 1 }; }],
      [1, () => { this.tag('invalid-unknown-directive'); return { '@nope': '$.event' }; }],
      [3, () => { this.tag('invalid-option-type'); return this.wrongOptionType(depth); }],
    ]);
  }

  wrongOptionType() {
    return this.rng.pick([
      { '@path': 5 }, { '@path': ['$.event'] }, { '@template': true }, { '@liquid': { x: 1 } }, { '@liquid': 5 },
      { '@case': { operator: 'lower', value: 5 } }, { '@case': 'lower' }, { '@replace': { pattern: 'a' } },
      { '@replace': { pattern: 'a', replacement: null, value: 'abc' } }, { '@replace': { pattern: 'a', value: 'a', global: 'yes' } },
      { '@json': { mode: 'stringify', value: 'x' } }, { '@json': 'encode' }, { '@merge': { objects: 'x', direction: 'left' } },
      { '@merge': { objects: [1, 2], direction: 'right' } }, { '@arrayPath': '$.properties.products' }, { '@arrayPath': [5] },
      { '@flatten': { value: { '@path': '$.properties' }, separator: { '@literal': '.' } } }, { '@transform': { apply: 'x', mapping: {} } },
      { '@if': { exists: { '@path': '$.userId' }, then: 1, else: 2, extra: 3 } }, { '@if': { blank: 5, then: 1 } },
    ]);
  }

  liquidSoup() {
    const rng = this.rng;
    this.tag('liquid-soup');
    const output = () => {
      const filters = Array.from({ length: rng.int(0, 3) }, () => ` | ${rng.pick(LIQUID_FILTERS)}`).join('');
      return `{{ ${rng.pick(LIQUID_VARIABLES)}${filters} }}`;
    };
    const body = Array.from({ length: rng.int(1, 3) }, () => (rng.chance(0.7) ? output() : rng.pick(['-', ' ', 'x: ', '🎉']))).join('');
    return {
      '@liquid': rng.weighted([
        [4, body],
        [1, () => `{% if ${rng.pick(LIQUID_VARIABLES)} ${rng.pick(['==', '!=', '>', '<', 'contains'])} ${rng.pick(['"Order Completed"', '10', 'nil', 'empty', '"e"'])} %}${body}{% else %}no{% endif %}`],
        [1, () => `{% assign v = ${rng.pick(LIQUID_VARIABLES)} | ${rng.pick(LIQUID_FILTERS)} %}{{ v }}|${body}`],
        [2, () => rng.pick(LIQUID_SHAPES)],
      ]),
    };
  }

  /** A directive with a random subset of its options, each of a random type. */
  optionSoup(d) {
    const rng = this.rng;
    this.tag('option-soup');
    const name = rng.pick(Object.keys(OPTIONS));
    const o = {};
    for (const key of rng.sample(OPTIONS[name], rng.int(1, OPTIONS[name].length))) o[key] = this.soupValue(key, d);
    if (rng.chance(0.1)) o.unknown = 1;
    return { [name]: o };
  }

  soupValue(key, d) {
    const rng = this.rng;
    const typical = {
      operator: ['lower', 'upper', 'UPPER', ''], mode: ['encode', 'decode', 'Encode'], direction: ['left', 'right', 'LEFT'],
      pattern: ['a', 'e', ' ', '🎉', 'O'], replacement: ['_', '$&', ''], pattern2: ['o'], replacement2: ['0'], separator: ['.', '_', ''],
      objects: [[{ '@path': '$.properties' }, { '@path': '$.traits' }], [{ a: 1 }, 'str', null]],
      apply: [{ p: { '@path': '$.properties' } }], mapping: [{ '@path': '$.p' }, { q: { '@path': '$.p.revenue' } }],
    };
    return rng.weighted([
      [4, () => (typical[key] ? rng.pick(typical[key]) : this.path())],
      [2, () => this.path()],
      [1, () => rng.pick([5, 0, true, false, null, '', 'x', [], {}, [1, 'a'], { k: 'v' }])],
      [d < 4 ? 1 : 0, () => this.directive(d + 1)],
    ]);
  }

  stringSource(depth) {
    // A value for directives wanting a string: a path, a template, sometimes a literal.
    const rng = this.rng;
    return rng.weighted([[5, () => this.path()], [2, () => this.template()], [1, () => this.rng.pick(['Hello World', 'ß', '', 'İ'])], [depth < 3 ? 1 : 0, () => this.directive(depth + 1)]]);
  }

  template() {
    const rng = this.rng;
    if (rng.chance(0.15)) {
      this.tag('template-soup');
      let text = '';
      for (let n = rng.int(1, 5); n > 0; n--) {
        text += rng.weighted([
          [3, () => `{{${rng.pick(['', ' '])}${this.soupPath().replace(/^\$\./, rng.chance(0.9) ? '' : '$.')}${rng.pick(['', ' '])}}}`],
          [1, () => `{{{${this.soupPath().replace(/^\$\./, '')}}}}`],
          [2, () => rng.pick(['Hi ', '-', ' ', '🎉', '{', '}', '{{', '}}', 'text'])],
        ]);
      }
      return { '@template': text };
    }
    if (rng.chance(0.2)) { this.tag('template-triple'); return { '@template': rng.pick(TRIPLE_TEMPLATES) }; }
    const t = rng.pick(TEMPLATES);
    if (['{{}}', '{{x}', '{n}', '{{ }}', '{{$.userId}}'].includes(t)) this.tag('template-odd');
    this.tag('template');
    return { '@template': t };
  }

  directive(depth) {
    const rng = this.rng;
    const d = depth + 1;
    const made = rng.weighted([
      [10, () => this.path()],
      [4, () => this.template()],
      [2, () => { this.tag('literal'); if (rng.chance(0.3)) { this.tag('literal-nested-directive'); return { '@literal': { v: this.path() } }; } return { '@literal': rng.pick(['', null, false, 0, { a: 1 }, [1, 2], 'text']) }; }],
      [3, () => this.ifDirective(d)],
      [2, () => this.caseDirective(d)],
      [3, () => this.replaceDirective(d)],
      [3, () => this.arrayPath(d)],
      [2, () => this.jsonDirective(d)],
      [2, () => this.flatten(d)],
      [2, () => this.merge(d)],
      [1, () => { this.tag('transform'); return { '@transform': { apply: rng.chance(0.8) ? this.object(d + 1) : this.directive(d + 1), mapping: rng.pick([{ out: { '@path': '$.a' } }, { '@path': '$' }, { '@path': '$.' }, { n: { '@template': '{{a}}-{{b}}' } }]) } }; }],
      [1, () => { this.tag('excludeWhenNull'); return { '@excludeWhenNull': rng.pick([this.path(), { a: null, b: { c: null, d: 1 }, e: [null] }, null, this.object(d + 1)]) }; }],
      [3, () => { const [tag, source] = rng.pick(LIQUID); this.tag(tag); return { '@liquid': source }; }],
      [1.5, () => this.liquidSoup()],
      [1, () => { this.tag('path-dynamic'); return { '@path': { '@template': rng.pick(['$.properties.{{properties.currency}}', '$.{{type}}', '$.properties.{{event}}']) } }; }],
      [0.6, () => this.invalidDirective(d)],
      [0.4, () => { this.tag('path-non-string'); return { '@path': rng.pick([{ '@literal': 5 }, { '@path': '$.properties.revenue' }, { '@literal': null }, { '@path': '$.properties.missing' }]) }; }],
      [0.5, () => { this.tag('template-directive'); return { '@template': rng.pick([{ '@path': '$.properties.search' }, { '@literal': '{{event}}-{{userId}}' }, { '@path': '$.properties.revenue' }]) }; }],
      [1.5, () => this.optionSoup(d)],
      [0.3, () => { this.tag('json-integer-keys'); return { '@json': { mode: 'encode', value: rng.pick([{ '@path': '$.properties' }, { '@literal': { b: 1, 10: 'ten', 2: 'two', a: [1, { 1: 'x', z: null }] } }, { '@merge': { objects: [{ '@path': '$.event' }, { k: 1 }], direction: 'right' } }]) } }; }],
      [0.2, () => { this.tag('liquid-too-long'); return { '@liquid': '{{ event }}'.padEnd(rng.pick([1000, 1001, 1200]), 'x') }; }],
    ]);
    if (rng.chance(0.04) && isDirective(made)) { this.tag('metadata'); return { ...made, _metadata: { label: 'x', version: 2 } }; }
    return made;
  }

  ifDirective(d) {
    const rng = this.rng;
    const o = {};
    const mode = rng.weighted([[5, 'exists'], [3, 'blank'], [1, 'both'], [1, 'invalid']]);
    if (mode === 'exists' || mode === 'both') { this.tag('if-exists'); o.exists = rng.chance(0.9) ? this.path() : 'x'; }
    if (mode === 'blank' || mode === 'both') {
      this.tag('if-blank');
      if (rng.chance(0.75)) o.blank = this.path();
      else { this.tag('blank-literal'); o.blank = { '@literal': rng.pick(['', ' ', '0', 0, 1, true, false, [], [''], [null], [[]], [0], [false], [null, null], {}]) }; }
    }
    if (mode === 'invalid') { this.tag('if-invalid'); o[rng.pick(['exists', 'blank'])] = rng.pick([null, false, 0, '']); }
    if (rng.chance(0.85)) o.then = this.value(d + 1);
    if (rng.chance(0.6)) { this.tag('if-then-else'); o.else = this.value(d + 1); }
    if (rng.chance(0.15)) { this.tag('if-falsy-else'); o.else = rng.pick(['', 0, false, null]); }
    return { '@if': o };
  }

  caseDirective(d) {
    const rng = this.rng;
    const operator = rng.weighted([[4, 'lower'], [4, 'upper'], [1, 'UPPER'], [0.5, ''], [0.5, undefined]]);
    this.tag(operator === 'lower' ? 'case-lower' : operator === 'upper' ? 'case-upper' : 'case-bad-operator');
    const o = { value: this.stringSource(d) };
    if (operator !== undefined) o.operator = operator;
    if (rng.chance(0.05)) delete o.value;
    return { '@case': o };
  }

  replaceDirective(d) {
    const rng = this.rng;
    this.tag('replace');
    const o = { pattern: rng.pick(['o', 'Order', ' ', '.', 'a', '-', '🎉', 'é', 'ORDER', 'x', '$']) };
    if (o.pattern === '🎉') this.tag('replace-emoji');
    if (rng.chance(0.85)) o.replacement = rng.pick(['_', '', 'X', '$$', '$&!', '$`', "$'", '$1', '$<n>', '$', '🎉🎉', 'longer_than_10_units', '0']);
    if (/\$/.test(o.replacement ?? '')) this.tag('replace-dollar');
    if (o.replacement?.includes('🎉')) this.tag('replace-emoji');
    o.value = rng.weighted([[6, () => this.stringSource(d)], [1, () => ({ '@literal': rng.pick([5, -5, true, '', null, [1], { a: 1 }]) })], [0.3, () => ''], [0.5, () => this.path()]]);
    if (rng.chance(0.3)) { o.global = rng.chance(0.5); if (!o.global) this.tag('replace-not-global'); }
    if (rng.chance(0.2)) { this.tag('replace-ignorecase'); o.ignorecase = rng.chance(0.7); }
    if (rng.chance(0.2)) { this.tag('replace-pattern2'); o.pattern2 = rng.pick(['e', 'r', '_']); if (rng.chance(0.6)) o.replacement2 = rng.pick(['E', '$&$&', '']); }
    if (rng.chance(0.03)) o.pattern = rng.pick(['', 'abcdefghijk']);
    return { '@replace': o };
  }

  arrayPath(d) {
    const rng = this.rng;
    const source = rng.weighted([[5, '$.properties.products'], [1, '$.properties.tags'], [1, '$.traits.address'], [1, '$.properties.nested'], [1, '$.event'], [1, '$.properties.missing'], [1, () => this.path()], [0.5, '$.properties.products[0]']]);
    return rng.weighted([
      [4, () => { this.tag('arrayPath-object-shape'); return { '@arrayPath': [source, { id: { '@path': '$.sku' }, price: { '@path': '$.price' }, name: { '@template': '{{name}} x{{quantity}}' }, me: rng.chance(0.3) ? { '@path': '$.' } : 'const', outer: rng.chance(0.2) ? { '@path': '$.event' } : 1 }] }; }],
      [2, () => { this.tag('arrayPath-directive-shape'); return { '@arrayPath': [source, rng.pick([{ '@path': '$.sku' }, { '@path': '$.' }, { '@template': '{{sku}}:{{price}}' }, { '@arrayPath': ['$.c', { d: { '@path': '$.d' } }] }])] }; }],
      [1, () => { this.tag('arrayPath-no-shape'); return { '@arrayPath': [source] }; }],
      [1, () => { this.tag('arrayPath-odd-shape'); return { '@arrayPath': [source, rng.pick([{}, [], 'x', null, [{ '@path': '$.sku' }]])] }; }],
    ]);
  }

  jsonDirective(d) {
    const rng = this.rng;
    const mode = rng.weighted([[4, 'encode'], [3, 'decode'], [1, () => rng.pick(['ENCODE', 'Decode'])]]);
    this.tag(mode === 'encode' ? 'json-encode' : mode === 'decode' ? 'json-decode' : 'json-wrong-case');
    let value;
    if (rng.chance(0.08)) { this.tag('json-falsy-value'); value = rng.pick(['', 0, false, null]); }
    else if (mode.toLowerCase() === 'decode') value = rng.pick([this.path(), { '@literal': rng.pick(['{"a":1}', ' 7 ', '[1,2', 'null', '"s"', 'true', '1e400', '-0', '[1,]', '{"a":1,"b":2,"a":3}', '1.0', '0.1e1', '{"10":1,"2":2,"x":3}', '"\\u00e9\\t"', '\u00a0 5', '\t[true]\n', '01', '.5', '+1', 'NaN', '"\\ud83c\\udfb5"']) }, { '@path': '$.properties.numstr' }, { '@json': { mode: 'encode', value: this.path() } }]);
    else value = rng.chance(0.7) ? this.path() : this.object(d + 1);
    return { '@json': { mode, value } };
  }

  flatten(d) {
    const rng = this.rng;
    this.tag('flatten');
    const o = { value: rng.pick([{ '@path': '$.properties' }, { '@path': '$.context' }, { '@path': '$.properties.nested' }, { '@path': '$.traits' }, this.path(), { '@literal': 5 }]), separator: rng.pick(['.', '_', '/', '::']) };
    if (rng.chance(0.3)) { this.tag('flatten-omitArrays'); o.omitArrays = rng.chance(0.7); }
    if (rng.chance(0.1)) { this.tag('flatten-bad-separator'); o.separator = rng.pick(['', { '@literal': '.' }, 5]); }
    return { '@flatten': o };
  }

  merge(d) {
    const rng = this.rng;
    const direction = rng.weighted([[4, 'left'], [4, 'right'], [1, () => rng.pick(['LEFT', 'up', undefined])]]);
    this.tag(direction === 'left' ? 'merge-left' : direction === 'right' ? 'merge-right' : 'merge-odd-direction');
    const objects = Array.from({ length: rng.int(1, 3) }, () => rng.weighted([
      [3, () => ({ '@path': rng.pick(['$.properties', '$.traits', '$.context.page', '$.properties.nested', '$.event', '$.properties.tags', '$.properties.missing', '$.properties.revenue']) })],
      [2, () => this.object(d + 1)],
      [1, () => { this.tag('merge-erase'); return { k: { '@path': '$.none' }, email: { '@path': '$.properties.missing' } }; }],
    ]));
    const o = { objects };
    if (direction !== undefined) o.direction = direction;
    return { '@merge': o };
  }

  reserved() {
    this.tag('reserved-key');
    const rng = this.rng;
    return {
      __segment_internal_directive: rng.pick([
        { '@path': '$.properties' },
        { '@merge': { objects: [{ '@path': '$.properties' }], direction: rng.pick(['right', 'left']) } },
        { '@if': { exists: { '@path': '$.userId' }, then: 'yes', else: 'no' } },
        { '@transform': { apply: { p: { '@path': '$.properties' }, u: { '@path': '$.userId' } } } },
        { '@arrayPath': ['$.properties.products'] },
        { '@arrayPath': ['$.properties.products', { sku: { '@path': '$.sku' } }] },
        { '@excludeWhenNull': { '@path': '$.properties' } },
      ]),
      extra: { '@path': '$.userId' },
      ...(rng.chance(0.5) ? { event: { '@path': '$.event' } } : {}),
    };
  }

  logEventV2() {
    this.tag('log-event-v2');
    const p = (path) => ({ '@path': path });
    const m = {
      user_id: p('$.userId'),
      device_id: { '@if': { exists: p('$.context.device.id'), then: p('$.context.device.id'), else: p('$.anonymousId') } },
      event_type: p('$.event'),
      session_id: p('$.integrations.Actions Amplitude.session_id'),
      time: p('$.timestamp'),
      event_properties: p('$.properties'),
      user_properties: p('$.traits'),
      groups: p('$.integrations.Actions Amplitude.groups'),
      app_version: p('$.context.app.version'),
      platform: p('$.context.device.type'),
      os_name: p('$.context.os.name'),
      os_version: p('$.context.os.version'),
      device_brand: p('$.context.device.brand'),
      device_manufacturer: p('$.context.device.manufacturer'),
      device_model: p('$.context.device.model'),
      carrier: p('$.context.network.carrier'),
      country: p('$.context.location.country'),
      city: p('$.context.location.city'),
      language: p('$.context.locale'),
      location_lat: p('$.context.location.latitude'),
      location_lng: p('$.context.location.longitude'),
      ip: p('$.context.ip'),
      idfa: { '@if': { exists: p('$.context.device.advertisingId'), then: p('$.context.device.advertisingId'), else: p('$.context.device.idfa') } },
      idfv: p('$.context.device.id'),
      adid: { '@if': { exists: p('$.context.device.advertisingId'), then: p('$.context.device.advertisingId'), else: p('$.context.device.idfa') } },
      insert_id: p('$.messageId'),
      library: p('$.context.library.name'),
      products: { '@arrayPath': ['$.properties.products', { price: p('$.price'), revenue: p('$.revenue'), quantity: p('$.quantity'), productId: p('$.productId'), revenueType: p('$.revenueType') }] },
      user_agent: p('$.context.userAgent'),
      userAgentParsing: true,
      includeRawUserAgent: false,
      utm_properties: { utm_source: p('$.context.campaign.source'), utm_medium: p('$.context.campaign.medium'), utm_campaign: p('$.context.campaign.name'), utm_term: p('$.context.campaign.term'), utm_content: p('$.context.campaign.content') },
      referrer: p('$.context.page.referrer'),
      use_batch_endpoint: false,
    };
    if (this.rng.chance(0.5)) Object.assign(m, { price: p('$.properties.price'), revenue: p('$.properties.revenue'), quantity: p('$.properties.quantity') });
    if (this.rng.chance(0.3)) m.event_properties = { '@excludeWhenNull': p('$.properties') };
    return m;
  }

  identifyUser() {
    this.tag('identify-user');
    const p = (path) => ({ '@path': path });
    return {
      user_id: p('$.userId'),
      device_id: { '@if': { exists: p('$.context.device.id'), then: p('$.context.device.id'), else: p('$.anonymousId') } },
      user_properties: p('$.traits'),
      language: p('$.context.locale'),
      paying: this.rng.pick([{ '@if': { blank: p('$.traits.plan'), then: true, else: false } }, p('$.traits.vip')]),
      start_version: p('$.context.app.version'),
      utm_properties: { utm_source: p('$.context.campaign.source'), utm_medium: p('$.context.campaign.medium') },
      email: { '@case': { operator: 'lower', value: p('$.traits.email') } },
    };
  }

  purchase() {
    this.tag('purchase');
    const p = (path) => ({ '@path': path });
    return {
      event_type: p('$.event'),
      revenue: p('$.properties.revenue'),
      currency: { '@case': { operator: 'upper', value: p('$.properties.currency') } },
      products: { '@arrayPath': ['$.properties.products', { productId: p('$.product_id'), price: p('$.price'), quantity: p('$.quantity'), sku: { '@replace': { pattern: ' ', replacement: '_', value: p('$.sku') } } }] },
      trackRevenuePerProduct: false,
      summary: { '@liquid': '{{ properties.products | size }} items, {{ properties.revenue | default: 0 }} {{ properties.currency | upcase }}' },
    };
  }
}

function isDirective(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('@'));
}
