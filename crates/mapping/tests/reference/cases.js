// Cases checked against Segment's reference `transform` (@segment/actions-core 3.170.0).
//
// Regenerate the expectations with:
//   NODE_PATH=conformance/node_modules node crates/mapping/tests/reference/cases.js \
//     > crates/mapping/tests/reference/expected.json
// Each case records the reference's output (`output`, absent when it is undefined) or its error
// message (`error`), or its static validation messages (`validation`). The Rust test `tests/reference.rs` replays every case.

const { transform } = require('@segment/actions-core')

const ev = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  anonymousId: 'anon',
  n0: 0,
  nNull: null,
  n1: 1,
  f: false,
  empty: '',
  s: 'hello',
  arr: [1, 2],
  items: [
    { sku: 'A', price: 5 },
    { sku: 'B', price: 6.5 }
  ],
  properties: {
    'my key': 'spaced',
    a: { b: 'ab' },
    k: 'kv',
    name: 'Name',
    num: -5,
    obj: { x: 1, y: null, z: { w: null, v: 2 } },
    list: [1, null, 'x'],
    json: ' {"a":[1,2],"b":"c"} ',
    bad: '{nope',
    "it's": 'quoted',
    mixed: 'aAaA',
    german: 'straße',
    sigma: 'ΣΑΣ'
  },
  context: { device: { id: 'dev1' }, page: { url: 'https://x.test/?a=1' } },
  v: { '@path': '$.s' }
}

const cases = []
function c(name, mapping, event = ev) {
  cases.push({ name, mapping, event })
}

// B.1 model and cleanup
c('doc example missing removal', { a: { b: { '@path': '$.m' } }, c: [{ '@path': '$.m' }], e: null }, {})
c('directive root returns its value', { '@path': '$.properties' })
c('directive root missing', { '@path': '$.nope' })
c('metadata ignored', { x: { '@path': '$.userId', _metadata: { label: 'x' } } })
c('scalars copied', { a: 1, b: 'two', c: true, d: null, e: [], f: {}, g: '' })
c('event array rejected', { a: 1 }, [1])
c('event string rejected', { a: 1 }, 'x')
c('integer-like keys first', { b: 1, 2: 'two', a: { '@path': '$.s' }, 1: 'one' })
c('top-level array mapping', [{ '@path': '$.s' }, 5])
c('top-level string mapping', 'ab')
c('top-level number mapping', 5)

// B.2 paths
c('path index', { a: { '@path': '$.items[1].sku' }, b: { '@path': '$.items.1.sku' } })
c('path quoted keys', {
  a: { '@path': '$.properties["my key"]' },
  b: { '@path': "$.properties['my key']" },
  c: { '@path': '$.properties.my key' }
})
c('path dotted key', { a: { '@path': '$.properties["a.b"]' } })
c('path brackets kept', { a: { '@path': '$.properties[x]' } }, { properties: { 'properties[x]': 1, 'p[x]': 2 } })
c('path bracket key', { a: { '@path': '$.p[x]' } }, { 'p[x]': 2 })
c('path apostrophe removed', { a: { '@path': "$.properties.it's" } }, { properties: { its: 'yes' } })
c('path double dot', { a: { '@path': '$.a..b' } }, { a: { b: 'ab' } })
c('path falsy stops', {
  a: { '@path': '$.n0.x' },
  b: { '@path': '$.nNull.x' },
  c: { '@path': '$.n1.x' },
  d: { '@path': '$.f.x' },
  e: { '@path': '$.empty.x' }
})
c('path missing forms', {
  a: { '@path': '$.A' },
  b: { '@path': '$.p.*' },
  c: { '@path': '$.items[-1]' },
  d: { '@path': '$' }
}, { p: { x: 1 }, items: [1] })
c('path roots', { a: { '@path': '' }, b: { '@path': '.' }, c: { '@path': '$.' } }, { k: 1 })
c('path first $. only', { a: { '@path': 'a.$.b' }, b: { '@path': '$.$.b' } }, { a: { b: 1 }, $: { b: 2 } })
c('path dollar key', { a: { '@path': '$' } }, { $: 7 })
c('path string index and length', {
  a: { '@path': '$.s.length' },
  b: { '@path': '$.s.1' },
  c: { '@path': '$.arr.length' },
  d: { '@path': '$.s.9' }
})
c('path leading zero index', { a: { '@path': '$.arr.01' }, b: { '@path': '$.arr[0]' } })
c('path on number', { a: { '@path': '$.n1.length' } })
c('dynamic path', { a: { '@path': { '@template': '$.properties.{{properties.k}}' } } }, { properties: { k: 'kv', kv: 'dyn' } })
c('path not string', { a: { '@path': { '@literal': 5 } } })
c('path resolves undefined', { a: { '@path': { '@path': '$.nope' } } })
c('path resolves null', { a: { '@path': { '@path': '$.nNull' } } })
c('path object value', { a: { '@path': { '@path': '$.properties.a' } } })
c('path value from event is not a directive', { a: { '@path': '$.v' } })

// B.3 @template
c('template basic', { a: { '@template': 'Hi {{properties.name}}!' } })
c('template triple first', { a: { '@template': '{{{x}}}' } }, { x: '{{y}}', y: 'why' })
c('template forms', { a: { '@template': '{{n1}}|{{nNull}}|{{nope}}|{{f}}|{{arr}}|{{properties.a}}|{{items.1.sku}}|{{arr[0]}}' } })
c('template no dollar strip', { a: { '@template': '{{$.n1}}' } })
c('template left alone', { a: { '@template': '{{}} {{x} {n} {{ }}' } })
c('template trims', { a: { '@template': '{{  s  }}' } })
c('template floats', { a: { '@template': '{{x}}' } }, { x: 1.5 })
c('template list with null', { a: { '@template': '{{properties.list}}' } })
c('template not string', { a: { '@template': { '@literal': 5 } } })
c('template dynamic', { a: { '@template': { '@path': '$.t' } } }, { t: 'x={{x}}', x: 3 })
c('template no html escaping', { a: { '@template': '{{x}}' } }, { x: '<b>&' })
c('template nested braces', { a: { '@template': '{{{{s}}}}' } }, { s: 'S', '{s': 'brace' })
c('template triple then double joined', { a: { '@template': '{{{o}}}s}}' } }, { o: '{{', s: 'S' })

// @literal
c('literal runs nested directives', { a: { '@literal': { '@path': '$.s' } } })
c('literal scalars', { a: { '@literal': '' }, b: { '@literal': null }, c: { '@literal': false }, d: { '@literal': { x: 1 } } })
c('directive-looking object in array', { a: [{ '@path': '$.a', x: 1 }] })
c('directive-looking object in array with nested', { a: [{ '@path': '$.a', x: { '@path': '$.s' } }] })

// @if
c('if exists then else', {
  a: { '@if': { exists: { '@path': '$.s' }, then: 'yes', else: 'no' } },
  b: { '@if': { exists: { '@path': '$.nope' }, then: 'yes', else: 'no' } },
  c: { '@if': { exists: { '@path': '$.nNull' }, then: 'yes', else: 'no' } },
  d: { '@if': { exists: { '@path': '$.n0' }, then: 'yes', else: 'no' } }
})
c('if literal exists', { a: { '@if': { exists: 'x', then: 1 } } })
c('if exists precedes blank', { a: { '@if': { exists: { '@path': '$.nope' }, blank: 'x', then: 1, else: 2 } } })
c('if exists null present', { a: { '@if': { exists: null, blank: 'x', then: 1, else: 2 } } })
c('if neither', { a: { '@if': { then: 1 } } })
c('if neither truthy', { a: { '@if': { exists: 0, blank: '', then: 1 } } })
for (const [i, v] of ['', 0, false, [], [''], [null], [[]], ' ', '0', true, 1, {}, [0], [false], [null, null]].entries()) {
  c(`if blank ${i} ${JSON.stringify(v)}`, { a: { '@if': { blank: { '@path': '$.v' }, then: 'content', else: 'none' } } }, { v })
}
c('if else falsy', {
  a: { '@if': { exists: { '@path': '$.nope' }, then: 1, else: '' } },
  b: { '@if': { exists: { '@path': '$.nope' }, then: 1, else: 0 } },
  c: { '@if': { exists: { '@path': '$.nope' }, then: 1, else: null } },
  d: { '@if': { exists: { '@path': '$.s' }, then: '' } },
  e: { '@if': { exists: { '@path': '$.s' } } }
})
c('if not object', { a: { '@if': 'x' } })
c('if branch not taken never runs', { a: { '@if': { exists: 'x', then: 1, else: { '@case': { value: 'x' } } } } })

// @case
c('case lower upper', {
  a: { '@case': { operator: 'lower', value: 'ABC' } },
  b: { '@case': { operator: 'upper', value: { '@path': '$.properties.german' } } },
  c: { '@case': { operator: 'lower', value: { '@path': '$.properties.sigma' } } }
})
c('case absent value', { a: { '@case': { operator: 'lower' } }, b: { '@case': { operator: 'lower', value: '' } } })
c('case non-string passes', { a: { '@case': { operator: 'UPPER', value: { '@path': '$.n1' } } } })
c('case bad operator on string', { a: { '@case': { operator: 'UPPER', value: 'x' } } })
c('case missing operator', { a: { '@case': { value: 'x' } } })
c('case empty operator', { a: { '@case': { operator: '', value: 'x' } } })
c('case missing value from event', { a: { '@case': { operator: 'upper', value: { '@path': '$.nope' } } } })

// @replace
c('replace literal global', { a: { '@replace': { pattern: '.', replacement: '-', value: 'a.b.c' } } })
c('replace first only', { a: { '@replace': { pattern: 'a', replacement: 'x', value: 'aAa', global: false } } })
c('replace ignorecase', { a: { '@replace': { pattern: 'a', replacement: 'x', value: 'aAa', ignorecase: true } } })
c('replace dollar sequences', {
  a: { '@replace': { pattern: '-', replacement: '[$&]', value: 'a-b' } },
  b: { '@replace': { pattern: '-', replacement: '$`', value: 'a-b' } },
  c: { '@replace': { pattern: '-', replacement: "$'", value: 'a-b' } },
  d: { '@replace': { pattern: '-', replacement: '$$', value: 'a-b' } },
  e: { '@replace': { pattern: '-', replacement: '$1$<n>$', value: 'a-b' } }
})
c('replace default replacement', { a: { '@replace': { pattern: 'b', value: 'abc' } } })
c('replace pattern2', { a: { '@replace': { pattern: 'a', replacement: 'b', pattern2: 'b', replacement2: 'c', value: 'ab' } } })
c('replace pattern2 default', { a: { '@replace': { pattern: 'a', replacement: 'x', pattern2: 'b', value: 'ab' } } })
c('replace number', { a: { '@replace': { pattern: '-', replacement: '_', value: { '@path': '$.properties.num' } } } })
c('replace boolean', { a: { '@replace': { pattern: 'ru', replacement: 'RU', value: { '@literal': true } } } })
c('replace non-scalars', {
  a: { '@replace': { pattern: 'a', value: { '@path': '$.nope' } } },
  b: { '@replace': { pattern: 'a', value: { '@path': '$.nNull' } } },
  c: { '@replace': { pattern: 'a', value: { '@path': '$.arr' } } },
  d: { '@replace': { pattern: 'a', value: { '@path': '$.properties' } } }
})
c('replace empty literal value', { a: { '@replace': { pattern: 'a', value: '' } } })
c('replace emoji lengths', { a: { '@replace': { pattern: '😀😀😀😀😀', replacement: 'x', value: 'a😀😀😀😀😀b' } } })
c('replace pattern too long', { a: { '@replace': { pattern: '12345678901', value: 'x' } } })
c('replace replacement too long', { a: { '@replace': { pattern: 'a', replacement: '12345678901', value: 'x' } } })
c('replace regex chars literal', { a: { '@replace': { pattern: '.*', replacement: '!', value: 'a.*b.*' } } })
c('replace case-insensitive unicode', { a: { '@replace': { pattern: 'ß', replacement: 'ss', value: 'STRASSE straße ẞ', ignorecase: true } } })
c('replace null replacement', { a: { '@replace': { pattern: 'a', replacement: null, value: 'abc' } } })
c('replace in array runtime too long', { a: [{ '@replace': { pattern: '12345678901', value: 'x' } }] })
c('replace in array bad types', { a: [{ '@replace': { pattern: 'a', replacement: 5, value: 'abc' } }] })

// @arrayPath
const shape = { id: { '@path': '$.sku' } }
c('arrayPath shape over array', { a: { '@arrayPath': ['$.v', shape] } }, { v: [{ sku: 'A' }, {}] })
c('arrayPath object wrapped', { a: { '@arrayPath': ['$.v', shape] } }, { v: { sku: 'S' } })
c('arrayPath null item', { a: { '@arrayPath': ['$.v', shape] } }, { v: [null] })
for (const [i, v] of ['s', 5, null, [], undefined].entries()) {
  c(`arrayPath unchanged ${i}`, { a: { '@arrayPath': ['$.v', shape] } }, v === undefined ? {} : { v })
}
c('arrayPath no shape', { a: { '@arrayPath': ['$.items'] } })
c('arrayPath empty shape', { a: { '@arrayPath': ['$.items', {}] } })
c('arrayPath array shape', { a: { '@arrayPath': ['$.items', [1]] } })
c('arrayPath directive shape', { a: { '@arrayPath': ['$.items', { '@path': '$.sku' }] } })
c('arrayPath item itself', { a: { '@arrayPath': ['$.arr', { '@path': '$.' }] } })
c('arrayPath item root only', { a: { '@arrayPath': ['$.items', { sku: { '@path': '$.sku' }, user: { '@path': '$.userId' } }] } })
c('arrayPath nested relative', {
  a: { '@arrayPath': ['$.orders', { lines: { '@arrayPath': ['$.lines', { s: { '@path': '$.sku' } }] } }] }
}, { orders: [{ lines: [{ sku: 'x' }, { sku: 'y' }] }, { lines: { sku: 'z' } }] })
c('arrayPath directive source', { a: { '@arrayPath': [{ '@path': '$.items' }, { s: { '@path': '$.sku' } }] } })
c('arrayPath source with holes', { a: { '@arrayPath': [{ '@literal': [{ '@path': '$.nope' }, null] }, { s: { '@path': '$.x' } }] } })
c('arrayPath not array', { a: { '@arrayPath': [] } })
c('arrayPath in-array not array', { a: [{ '@arrayPath': 'x' }] })
c('arrayPath string items with template', { a: { '@arrayPath': ['$.v', { t: { '@template': '<{{ }}>' } }] } }, { v: ['x', 'y'] })

// @json
c('json encode', { a: { '@json': { mode: 'encode', value: { '@path': '$.properties.obj' } } } })
c('json encode built', {
  a: { '@json': { mode: 'encode', value: { x: { '@path': '$.nope' }, y: [{ '@path': '$.nope' }, 1.0, '\u0001\u2028'] } } }
})
c('json encode missing', { a: { '@json': { mode: 'encode', value: { '@path': '$.nope' } } } })
c('json decode', {
  a: { '@json': { mode: 'decode', value: { '@path': '$.properties.json' } } },
  b: { '@json': { mode: 'decode', value: { '@path': '$.properties.bad' } } },
  c: { '@json': { mode: 'decode', value: { '@path': '$.arr' } } },
  d: { '@json': { mode: 'decode', value: ' 7 ' } }
})
c('json mode case at run time', { a: { '@json': { mode: 'ENCODE', value: { '@path': '$.s' } } } })
c('json falsy value literal', { a: { '@json': { mode: 'encode', value: '' } } })
c('json bad mode', { a: { '@json': { mode: 'other', value: 'x' } } })
c('json decode integer keys', { a: { '@json': { mode: 'decode', value: '{"b":1,"1":2}' } } })

// @flatten
c('flatten doc example', { a: { '@flatten': { value: { '@path': '$.v' }, separator: '.' } } }, { v: { a: { b: 1, c: [10, { d: 2 }] }, e: null, f: {} } })
c('flatten omitArrays', { a: { '@flatten': { value: { '@path': '$.v' }, separator: '_', omitArrays: true } } }, { v: { a: { b: [1, 2] } } })
c('flatten scalar', { a: { '@flatten': { value: 5, separator: '.' } } })
c('flatten missing', { a: { '@flatten': { value: { '@path': '$.nope' }, separator: '.' } } })
c('flatten collision', { a: { '@flatten': { value: { '@path': '$.v' }, separator: '.' } } }, { v: { 'a.b': 1, a: { b: 2 } } })
c('flatten empty key prefix', { a: { '@flatten': { value: { '@path': '$.v' }, separator: '.' } } }, { v: { '': { x: 1 } } })
c('flatten no separator', { a: { '@flatten': { value: 5 } } })
c('flatten empty separator in array', { a: [{ '@flatten': { value: 5, separator: '' } }] })
c('flatten directive separator in array', { a: [{ '@flatten': { value: { x: { y: 1 } }, separator: { '@literal': '/' } } }] })
c('flatten top-level array', { a: { '@flatten': { value: [3, [4]], separator: '.' } } })
c('flatten holes', { a: { '@flatten': { value: [{ '@path': '$.nope' }, null], separator: '.' } } })

// @merge
c('merge right', { a: { '@merge': { objects: [{ k: 1, a: 1 }, { k: 2, b: 2 }], direction: 'right' } } })
c('merge left', { a: { '@merge': { objects: [{ k: 1, a: 1 }, { k: 2, b: 2 }], direction: 'left' } } })
c('merge LEFT behaves right', { a: { '@merge': { objects: [{ k: 1 }, { k: 2 }], direction: 'LEFT' } } })
c('merge shallow', { a: { '@merge': { objects: [{ o: { x: 1 } }, { o: { y: 2 } }], direction: 'right' } } })
c('merge strings arrays scalars', {
  a: { '@merge': { objects: [{ '@path': '$.s' }, { '@path': '$.nope' }, { '@path': '$.nNull' }, { '@path': '$.n1' }, { '@path': '$.arr' }, { z: 1 }], direction: 'right' } }
})
c('merge missing erases', { a: { '@merge': { objects: [{ k: 'v' }, { k: { '@path': '$.none' } }], direction: 'right' } } })
c('merge no direction', { a: { '@merge': { objects: [{ k: 1 }] } } })
c('merge directive objects', { a: { '@merge': { objects: [{ '@path': '$.properties.a' }, { '@path': '$.properties.obj' }], direction: 'right' } } })
c('merge bad objects in array', { a: [{ '@merge': { objects: 'x', direction: 'right' } }] })
c('merge excludeWhenNull erases', { a: { '@merge': { objects: [{ y: 'keep?' }, { '@excludeWhenNull': { '@path': '$.properties.obj' } }], direction: 'right' } } })

// @transform
c('transform basic', {
  a: { '@transform': { apply: { n: { '@path': '$.properties.name' }, m: { '@path': '$.nope' } }, mapping: { x: { '@path': '$.n' }, y: { '@path': '$.userId' }, z: { '@path': '$.m' } } } }
})
c('transform directive apply', { a: { '@transform': { apply: { '@path': '$.properties' }, mapping: { '@path': '$.name' } } } })
c('transform holes stay undefined', {
  a: { '@transform': { apply: { l: [{ '@path': '$.nope' }, null] }, mapping: { h: { '@path': '$.l.0' }, n: { '@path': '$.l.1' }, len: { '@path': '$.l.length' } } } }
})
c('transform nested', {
  a: { '@transform': { apply: { p: { '@transform': { apply: { q: { '@path': '$.s' } }, mapping: { '@path': '$.q' } } } }, mapping: { r: { '@path': '$.p' } } } }
})
c('transform apply in array invalid', { a: [{ '@transform': { apply: { x: { '@path': 5 } }, mapping: { y: 1 } } }] })
c('transform string payload in arrayPath', { a: { '@arrayPath': ['$.arr', { t: { '@transform': { apply: { a: 1 }, mapping: { '@path': '$.a' } } } }] } })
c('transform no mapping', { a: [{ '@transform': { apply: { a: 1 } } }] })
c('transform apply not object', { a: [{ '@transform': { apply: [1], mapping: { a: 1 } } }] })
c('reserved key', {
  __segment_internal_directive: { '@transform': { apply: { uid: { '@path': '$.userId' } } } },
  out: { '@path': '$.uid' }
})
c('reserved key two directives', { __segment_internal_directive: { '@path': {}, '@literal': {} }, x: 1 })
c('reserved key not object', { __segment_internal_directive: { '@path': 'x' }, x: 1 })

// @excludeWhenNull
c('excludeWhenNull', {
  a: { '@excludeWhenNull': { '@path': '$.nNull' } },
  b: { '@excludeWhenNull': { '@path': '$.properties.obj' } },
  c: { '@excludeWhenNull': { '@path': '$.properties.list' } },
  d: { '@excludeWhenNull': 5 }
})

// @liquid (validation side)
c('liquid empty', { a: { '@liquid': '' } })
c('liquid too long', { a: { '@liquid': 'x'.repeat(1001) } })
c('liquid not string in array', { a: [{ '@liquid': 5 }] })

// unknown directives
c('unknown directive in array', { a: [{ '@nope': 1 }] })
c('two directives in array', { a: [{ '@path': '$.s', '@literal': 'x' }] })
c('invalid items in arrays fail at run time', { a: [{ x: { '@path': 5 } }] })

// B.4 validation
c('validation case value number', { a: { '@case': { operator: 'lower', value: 5 } } })
c('validation many errors', {
  a: { '@case': { operator: 'lower', value: 5 } },
  b: { '@path': 5 },
  c: { '@foo': 1 },
  d: { '@path': '$.x', y: 1 },
  e: { '@replace': { pattern: '', value: 'x', global: 'yes' } },
  f: { '@json': { mode: 'yaml' } },
  g: { '@if': { exists: 'x', blank: { '@path': 5 } } },
  h: { '@merge': { objects: ['x', { '@path': 5 }] } },
  i: { '@transform': { apply: 5 } },
  j: { '@arrayPath': 'x' },
  k: { '@arrayPath': [5] },
  l: { '@liquid': 5 },
  m: { '@flatten': { value: 1, separator: { '@literal': '.' } } },
  n: { '@replace': { pattern: 'a', replacement: null, value: 'x' } },
  o: { '@json': { mode: 'ENCODE', value: 1 } },
  p: { '@merge': { objects: [], direction: 'LEFT' } }
})
c('validation literal object not checked', { a: { '@literal': { x: { '@path': 5 } } } })
c('validation if blank checked', { a: { '@if': { blank: { '@path': 5 } } } })
c('validation root unknown', { '@foo': 1 })

// Corners: built values read back, ordering, unusual options
c('transform payload read back', {
  a: { '@transform': { apply: { o: { b: 1, 2: { '@path': '$.s' } }, e: { '@excludeWhenNull': { x: null, y: 1 } } }, mapping: { j: { '@json': { mode: 'encode', value: { '@path': '$.' } } }, t: { '@template': '{{o.2}}/{{e.y}}/{{o}}' } } } }
})
c('transform reserved key inside apply', {
  a: { '@transform': { apply: { __segment_internal_directive: { '@transform': { apply: { u: { '@path': '$.userId' } } } }, v: { '@path': '$.u' } }, mapping: { '@path': '$.v' } } }
})
c('template in arrayPath holes', { a: { '@arrayPath': [{ '@literal': [{ '@path': '$.nope' }] }, { t: { '@template': '[{{ }}|{{x}}]' }, p: { '@path': '' } }] } })
c('merge integer keys order', { a: { '@merge': { objects: [{ b: 1, 10: 'ten' }, { '@literal': 'xy' }, { 2: 'two', a: 0 }], direction: 'right' } } })
c('flatten integer keys order', { a: { '@flatten': { value: { '@path': '$.v' }, separator: '.' } } }, { v: { b: 1, 3: [7], 1: 'x' } })
c('case numeric operator', { a: [{ '@case': { operator: 5, value: 'x' } }] })
c('case numeric operator number value', { a: [{ '@case': { operator: 5, value: 7 } }] })
c('replace kelvin and dotted', { a: { '@replace': { pattern: 'k', replacement: '_', value: 'kK\u212a', ignorecase: true } }, b: { '@replace': { pattern: 'i', replacement: '_', value: 'iI\u0130\u0131', ignorecase: true } } })
c('replace first only specials', { a: { '@replace': { pattern: 'b', replacement: "<$`|$'>", value: 'abcabc', global: false } } })
c('top-level holes', { a: [{ '@path': '$.nope' }, { '@path': '$.s' }, [{ '@path': '$.nope' }]] })
c('string char then length', { a: { '@path': '$.s.0.length' }, b: { '@template': '{{arr.length}}-{{s.length}}' } })
c('path stops at null inside', { a: { '@path': '$.properties.list.1.x' } })
c('if blank on built array', { a: { '@if': { blank: [{ '@path': '$.nope' }], then: 'content', else: 'none' } }, b: { '@if': { blank: [{ '@path': '$.nope' }, { '@path': '$.nope' }], then: 'content', else: 'none' } } })
c('if blank on built object', { a: { '@if': { blank: { '@literal': { x: { '@path': '$.nope' } } }, then: 'content', else: 'none' } } })
c('if then null', { a: { '@if': { exists: 'x', then: null } } })
c('json encode transform holes', { a: { '@json': { mode: 'encode', value: [{ '@path': '$.nope' }, { k: { '@path': '$.nope' } }] } } })
c('json decode invalid number text', { a: { '@json': { mode: 'decode', value: '01' } }, b: { '@json': { mode: 'decode', value: '"\\u00e9"' } }, c: { '@json': { mode: 'decode', value: 'null' } } })
c('merge direction from event', { a: { '@merge': { objects: [{ k: 1 }, { k: 2 }], direction: { '@path': '$.d' } } } }, { d: 'left' })
c('merge arrays with holes', { a: { '@merge': { objects: [{ 0: 'keep' }, [{ '@path': '$.nope' }, 'b']], direction: 'right' } } })
c('excludeWhenNull on built object', { a: { '@excludeWhenNull': { x: null, y: { z: null, w: [null] }, u: { '@path': '$.nope' } } } })
c('literal array of directives', { a: { '@literal': [{ '@path': '$.s' }, { x: { '@path': '$.n1' } }] } })
c('arrayPath source number literal', { a: { '@arrayPath': [5, { x: 1 }] } })
c('arrayPath source object literal', { a: { '@arrayPath': [{ '@literal': { sku: 'L' } }, { id: { '@path': '$.sku' } }] } })
c('arrayPath shape with metadata only', { a: { '@arrayPath': ['$.items', { _metadata: 1 }] } })
c('flatten string value', { a: { '@flatten': { value: 'ab', separator: '.' } } })
c('flatten built object with missing', { a: { '@flatten': { value: { x: { '@path': '$.nope' }, y: { z: null } }, separator: '-' } } })
c('unknown key metadata only', { a: { _metadata: 1 } })
c('liquid empty in array', { a: [{ '@liquid': '' }] })
c('template dynamic triple', { a: { '@template': { '@literal': '{{{t}}}' } } }, { t: '{{u}}', u: 'U' })
c('merge direction from event in array', { a: [{ '@merge': { objects: [{ k: 1 }, { k: 2 }], direction: { '@path': '$.d' } } }] }, { d: 'left' })
c('merge arrays with holes in array', { a: [{ '@merge': { objects: [{ 0: 'keep', 1: 'x' }, [{ '@path': '$.nope' }, 'b']], direction: 'right' } }] })
c('arrayPath source number literal in array', { a: [{ '@arrayPath': [5, { x: 1 }] }] })
c('transform reserved key inside apply with mapping', {
  a: { '@transform': { apply: { __segment_internal_directive: { '@transform': { apply: { u: { '@path': '$.userId' } }, mapping: {} } }, v: { '@path': '$.u' } }, mapping: { '@path': '$.v' } } }
})
c('liquid renders against the root', { a: { '@liquid': '{{ properties.name | upcase }}-{{ arr }}-{{ nope }}' } })
c('liquid in arrayPath item root', { a: { '@arrayPath': ['$.items', { l: { '@liquid': '{{ sku }}' } }] } })
c('liquid disabled tag', { a: { '@liquid': '{% for x in arr %}{{ x }}{% endfor %}' } })
c('liquid disabled filter', { a: { '@liquid': '{{ arr | reverse }}' } })

const out = []
for (const { name, mapping, event } of cases) {
  const record = { name, mapping, event }
  try {
    const result = transform(JSON.parse(JSON.stringify(mapping)), event)
    if (result !== undefined) record.output = result
  } catch (e) {
    const inner = e.errors ?? (typeof e[Symbol.iterator] === 'function' ? [...e] : null)
    if (inner) record.validation = inner.map((x) => x.message)
    else if (e.constructor.name === 'ValidationError') record.validation = [e.message]
    else record.error = String(e.message)
  }
  out.push(record)
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n')
