// Writes the golden file for crates/amplitude's field validation: seeded (fields, payload) cases,
// each run through actions-core's removeEmptyValues + validateSchema exactly as Action#execute
// does (prune at the root, then validate with throwIfInvalid). Deterministic: same seed, same bytes.
//
// Usage: TZ=UTC node generate.js OUT.json
'use strict'

const fs = require('fs')
const path = require('path')
const core = require('@segment/actions-core')
// removeEmptyValues is not in the package's exports map; load the file itself.
const coreDir = path.dirname(require.resolve('@segment/actions-core'))
const { removeEmptyValues } = require(path.join(coreDir, 'remove-empty-values.js'))
const { fieldsToJsonSchema, validateSchema } = core
// Ajv's strict-mode notes about union types are noise here.
console.warn = () => {}

// mulberry32
let seed = 0x5eed1e55
function random() {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = (list) => list[Math.floor(random() * list.length)]
const chance = (p) => random() < p

const KINDS = ['string', 'text', 'password', 'number', 'integer', 'boolean', 'datetime', 'object']

const STRINGS = [
  'abc', '', ' ', ' 7 ', '7', '5', '5.0', '5.5', '-3', '0', '1', '0x10', '0b11', '0o7', '1e3', '.5',
  'Infinity', '-Infinity', 'NaN', 'true', 'false', 'TRUE', 'yes', 'null', 'europe', 'north_america',
  'Europe', '2024-01-02', '12/25/2024', 'Tue, 02 Jan 2024 10:00:00 GMT', '2024-13-45',
  '2024-01-02T03:04:05.678Z', '2024-01-02 03:04', '2024-01-02T10:00:00+05:00', '1700000000',
  '1700000000000', '-1.5', 'tomorrow', 'a\u{1F600}b', 'hello world', '\n', 'x'
]
// More date forms, for datetime fields: dayjs's own pattern, V8's legacy parser, epoch strings.
const DATES = [
  '2024-01-02T03:04:05', '2024/01/02', '20240102', '2024-1-2', 'Jan 2 2024', '2 January 2024',
  '2024-01-02Z', '2024-01-02T03:04:05.123456', '2024-02-30', '2024-00-10', '1700000000.5', '-1',
  '9999999999999', '8.64e15', 'Tuesday', '2024-01-02T25:00:00Z', '  2024-01-02', '1e12'
]
const NUMBERS = [0, 1, 7, 5, 16, 5.5, -3, 0.5, 2, 10, 11, 1e21, 1700000000000, 123456789012, -0.25]
const SCALARS = [...STRINGS, ...NUMBERS, true, false, null]
const ARRAYS = [
  [], ['a'], [5], [null], [''], [true], ['5'], ['7'], ['europe'], ['a', 'b'], [1, 2], [[1]], [['a']],
  [{}], [{ a: 1 }], ['1', 2, null, '', true], [null, null], ['2024-01-02'], ['tomorrow'], [false],
  [0], ['x', ''], [1.5, '2.5']
]
const OBJECTS = [{}, { a: 1 }, { a: null, b: '' }, { k: 'v', n: 5 }]

function anyValue() {
  const r = random()
  if (r < 0.62) return pick(SCALARS)
  if (r < 0.9) return clone(pick(ARRAYS))
  return clone(pick(OBJECTS))
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}

const STRING_CHOICES = [
  ['europe', 'north_america', '7', '5', 'true'],
  [{ label: 'Auto', value: 'auto' }, { label: 'Five', value: '5' }, { label: 'Empty', value: '' }]
]
const NUMBER_CHOICES = [[{ label: 'Seven', value: 7 }, { label: 'Sixteen', value: 16 }, { label: 'One', value: 1 }]]
const LIMITS = [
  [2, 5],
  [0, 3],
  [3, 0],
  [1, 10],
  [-5, 0],
  [0, 0],
  [6, 100]
]

// A field for one point of the grid; decorations (choices, limits) are drawn at random.
function makeField(kind, { multiple, allowNull, required }, depth) {
  const field = { type: kind }
  if (multiple) field.multiple = true
  if (allowNull) field.allowNull = true
  if (required) field.required = true
  if (['string', 'text', 'password'].includes(kind) && chance(0.3)) field.choices = pick(STRING_CHOICES)
  if (['number', 'integer'].includes(kind) && chance(0.2)) field.choices = pick(NUMBER_CHOICES)
  if (kind !== 'object' && chance(0.4)) {
    const [min, max] = pick(LIMITS)
    // Ajv rejects a negative minLength at compile time; string limits are lengths.
    const usable = !['string'].includes(kind) || min >= 0
    if (usable) {
      if (min !== 0 || chance(0.5)) field.minimum = min
      if (max !== 0 || chance(0.5)) field.maximum = max
    }
  }
  if (kind === 'object' && depth < 2 && chance(0.55)) {
    field.properties = makeProperties(depth + 1)
    if (chance(0.3)) field.additionalProperties = true
  }
  return field
}

const SUB_KEYS = ['name', 'price', 'qty', 'when', 'flag', 'tags', 'meta']
function makeProperties(depth) {
  const properties = {}
  const count = 1 + Math.floor(random() * 4)
  for (let i = 0; i < count; i++) {
    const key = SUB_KEYS[i]
    properties[key] = makeField(pick(KINDS), randomFlags(), depth)
  }
  return properties
}

function randomFlags() {
  return { multiple: chance(0.3), allowNull: chance(0.3), required: chance(0.25) }
}

// A value shaped for a field, or anything at all, so both passes and failures are common.
function valueFor(field, depth = 0) {
  const r = random()
  if (r < 0.12) return undefined
  if (r < 0.2) return pick([null, ''])
  if (r < 0.45) return anyValue()
  if (field.multiple && chance(0.6)) {
    const n = Math.floor(random() * 4)
    const items = []
    for (let i = 0; i < n; i++) items.push(chance(0.15) ? pick([null, '']) : singleFor(field, depth))
    return items
  }
  return singleFor(field, depth)
}

function singleFor(field, depth) {
  if (field.choices && chance(0.4)) {
    const choice = pick(field.choices)
    return typeof choice === 'object' ? choice.value : choice
  }
  switch (field.type) {
    case 'string':
    case 'text':
    case 'password':
      return pick([...STRINGS, 5, true, ['a']])
    case 'number':
    case 'integer':
      return pick([...NUMBERS, '5', ' 7 ', '0x10', '5.0', '5.5', 'Infinity', 'abc', true, [3]])
    case 'boolean':
      return pick([true, false, 'true', 'false', 0, 1, 2, 'TRUE', '1', [true]])
    case 'datetime':
      return pick([...STRINGS.slice(26), ...DATES, 1700000000000, 0, true, ['2024-01-02']])
    case 'object':
      if (field.properties && depth < 3) {
        const obj = {}
        for (const [key, sub] of Object.entries(field.properties)) {
          const v = valueFor(sub, depth + 1)
          if (v !== undefined) obj[key] = v
        }
        if (chance(0.3)) obj.extra = pick(SCALARS)
        return obj
      }
      return clone(pick(OBJECTS))
  }
}

function run(fields, payload, index) {
  const schema = fieldsToJsonSchema(fields)
  let data = removeEmptyValues(clone(payload), schema, true)
  try {
    validateSchema(data, schema, { schemaKey: `case-${index}`, exempt: ['dynamicAuthSettings'] })
    return { ok: true, output: JSON.parse(JSON.stringify(data)) }
  } catch (error) {
    if (error.name !== 'AggregateAjvError') throw error
    return { ok: false, errors: error.message }
  }
}

const cases = []
function addCase(fields, payload) {
  const index = cases.length
  cases.push({ fields, payload, ...run(fields, payload, index) })
}

// 0. Exhaustive: simple field shapes against every value of the catalogue, at the top level
// and (for a seeded third of the values) as a declared property of an object.
const CATALOGUE = [...SCALARS, ...DATES, ...ARRAYS, ...OBJECTS]
const SHAPES = []
for (const kind of KINDS) {
  for (const multiple of [false, true]) {
    for (const allowNull of [false, true]) {
      const field = { type: kind }
      if (multiple) field.multiple = true
      if (allowNull) field.allowNull = true
      SHAPES.push(field)
    }
  }
}
SHAPES.push(
  { type: 'string', choices: STRING_CHOICES[0] },
  { type: 'string', allowNull: true, choices: STRING_CHOICES[1] },
  { type: 'number', allowNull: true, choices: NUMBER_CHOICES[0] },
  { type: 'integer', multiple: true, choices: NUMBER_CHOICES[0] },
  { type: 'string', minimum: 2, maximum: 5 },
  { type: 'text', minimum: 2, maximum: 5 },
  { type: 'number', minimum: 1, maximum: 10 },
  { type: 'integer', minimum: 1, maximum: 10 },
  { type: 'object', allowNull: true, properties: { name: { type: 'string' } } },
  { type: 'object', multiple: true, properties: { name: { type: 'string' }, price: { type: 'number' } } }
)
for (const shape of SHAPES) {
  for (const value of CATALOGUE) {
    addCase({ f: shape }, { f: clone(value) })
    if (chance(0.33)) addCase({ o: { type: 'object', properties: { f: shape } } }, { o: { f: clone(value) } })
  }
}

// 1. Every kind x multiple x allowNull x required, each with many payload values.
for (const kind of KINDS) {
  for (const multiple of [false, true]) {
    for (const allowNull of [false, true]) {
      for (const required of [false, true]) {
        for (let i = 0; i < 25; i++) {
          const field = makeField(kind, { multiple, allowNull, required }, 1)
          const payload = {}
          const value = valueFor(field)
          if (value !== undefined) payload.f = value
          if (chance(0.2)) payload.undeclared = anyValue()
          addCase({ f: field }, payload)
        }
      }
    }
  }
}

// 2. Object fields with declared properties, single and multiple, nested.
for (let i = 0; i < 600; i++) {
  const flags = randomFlags()
  const field = makeField('object', flags, 0)
  if (!field.properties) {
    field.properties = makeProperties(1)
    if (chance(0.3)) field.additionalProperties = true
  }
  const payload = {}
  const value = valueFor(field)
  if (value !== undefined) payload.obj = value
  addCase({ obj: field }, payload)
}

// 3. Several fields at once, with undeclared keys.
const TOP_KEYS = ['event_type', 'user_id', 'time', 'revenue', 'products', 'extra_a', 'flag']
for (let i = 0; i < 400; i++) {
  const fields = {}
  const payload = {}
  const count = 1 + Math.floor(random() * 4)
  for (let j = 0; j < count; j++) {
    const key = TOP_KEYS[j]
    fields[key] = makeField(pick(KINDS), randomFlags(), 1)
    const value = valueFor(fields[key])
    if (value !== undefined) payload[key] = value
  }
  if (chance(0.5)) payload.not_a_field = anyValue()
  addCase(fields, payload)
}

const out = process.argv[2]
if (!out) throw new Error('usage: node generate.js OUT.json')
const lines = cases.map((c) => JSON.stringify(c))
fs.writeFileSync(out, `[\n${lines.join(',\n')}\n]\n`)
const passed = cases.filter((c) => c.ok).length
console.log(`${cases.length} cases (${passed} pass, ${cases.length - passed} fail) -> ${out}`)
