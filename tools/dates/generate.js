// Differential oracle for crates/js/src/date.rs.
//
// Generates a few thousand date inputs from a seeded generator (dayjs regex forms, ISO forms,
// V8 legacy forms, numbers, other JSON values, near-misses and garbage) and records what the
// reference computes for each: dayjs.utc(x).isValid() / valueOf() (the Amplitude destination's
// `time`), formatSessionId(x) and actions-core's ajv "date-like" format.
//
// Usage: TZ=UTC node generate.js <output.json> [scale] [seed]     (npm run golden)
// The committed golden uses scale 1 and the default seed; larger scales and other seeds are for
// local stress runs (DATES_GOLDEN=<file> cargo test -p ampline-js --test dates).
'use strict'

if (process.env.TZ !== 'UTC') {
  console.error('run with TZ=UTC: forms without a zone are read in local time')
  process.exit(1)
}

const fs = require('fs')
const dayjs = require('dayjs')
dayjs.extend(require('dayjs/plugin/utc'))
dayjs.extend(require('dayjs/plugin/advancedFormat'))

// --- the reference functions, as the destination and actions-core call them ---

// @segment/action-destinations amplitude/convert-timestamp.js
function formatSessionId(sessionId) {
  if (typeof sessionId === 'string' && /^\d+$/.test(sessionId)) return Number(sessionId)
  return dayjs.utc(sessionId).valueOf()
}

// @segment/actions-core schema-validation.js, ajv format "date-like" (strings only)
function dateLike(data) {
  let date = dayjs(data)
  if (String(Number(data)) === data) {
    if (data.length === 13) date = dayjs(Number(data))
    date = dayjs.unix(Number(data))
  }
  return date.isValid()
}

const DAYJS_REGEX = /^(\d{4})[-/]?(\d{1,2})?[-/]?(\d{0,2})[Tt\s]*(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?$/

// --- seeded generator ---

let seed = Number(process.argv[4] || 0x5eed2024)
function random() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1))
const pick = (items) => items[int(0, items.length - 1)]
const chance = (p) => random() < p
const pad = (n, width) => String(n).padStart(width, '0')

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December']
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const ZONES = ['GMT', 'UTC', 'UT', 'Z', 'EST', 'EDT', 'CST', 'CDT', 'MST', 'MDT', 'PST', 'PDT', 'gmt',
  'utc', 'z', 'CET', 'BST', 'GMT+0200', 'GMT-0800', 'GMT+2', 'GMT-12', 'GMT+05:30', 'UTC+1', '+0000',
  '-0500', '+02:00', '(Central European Summer Time)', '(UTC)']

function year() {
  return pick([
    () => int(1970, 2035), () => int(1900, 2100), () => int(0, 9999), () => int(0, 99),
    () => pick([0, 1, 99, 100, 999, 1000, 1600, 1900, 2000, 2024, 2100, 9999]),
  ])()
}
function fraction() {
  return String(int(0, 999999999)).padStart(9, '0').slice(0, int(1, 9))
}
function overflowDay() { return pick([0, 29, 30, 31, 32, 45, 99]) }
function overflowMonth() { return pick([0, 13, 19, 99]) }

function dayjsForm() {
  const sep = pick(['-', '/', '', '-', '-'])
  const sep2 = chance(0.8) ? sep : pick(['-', '/', ''])
  const month = chance(0.85) ? int(1, 12) : overflowMonth()
  const day = chance(0.85) ? int(1, 28) : overflowDay()
  const width = () => (chance(0.8) ? 2 : 1)
  let s = pad(year(), 4)
  const parts = int(0, 3)
  if (parts >= 1) s += sep + pad(month, width())
  if (parts >= 2) s += sep2 + pad(day, width())
  if (parts >= 3 || chance(0.5)) {
    s += pick(['T', 't', ' ', '  ', 'T ', '\t', ''])
    s += pad(chance(0.9) ? int(0, 23) : pick([24, 25, 99]), width())
    if (chance(0.85)) s += pick([':', ':', '']) + pad(chance(0.9) ? int(0, 59) : pick([60, 99]), width())
    if (chance(0.7)) s += pick([':', ':', '']) + pad(int(0, 59), width())
    if (chance(0.5)) s += pick(['.', '.', ':', '']) + fraction()
  }
  return s
}

function isoForm() {
  let y = year()
  let ys = pad(y, 4)
  if (chance(0.15)) ys = pick(['+', '-']) + pad(int(0, 275760), 6)
  if (chance(0.03)) ys = '-000000'
  const month = chance(0.9) ? int(1, 12) : overflowMonth()
  const day = chance(0.9) ? int(1, 28) : overflowDay()
  let s = ys
  const dateParts = int(0, 2)
  if (dateParts >= 1) s += '-' + pad(month, 2)
  if (dateParts >= 2) s += '-' + pad(day, 2)
  if (chance(0.85)) {
    s += pick(['T', 'T', 't', ' '])
    const hour = chance(0.93) ? int(0, 23) : pick([24, 25])
    s += pad(hour, 2) + ':' + pad(chance(0.95) ? int(0, 59) : pick([0, 60]), 2)
    if (chance(0.8)) {
      s += ':' + pad(chance(0.95) ? int(0, 59) : 60, 2)
      if (chance(0.6)) s += '.' + fraction()
    }
  }
  s += pick(['Z', 'Z', 'z', '', '+00:00', '-05:00', '+05:30', '+0530', '-08', '+24:00', '+23:59', '-12:60',
    ' Z', 'ZZ', '+1:00', '+01:0'])
  return s
}

function time12or24() {
  const hasSeconds = chance(0.6)
  if (chance(0.3)) {
    const h = int(0, 13)
    return `${h}:${pad(int(0, 59), 2)}${hasSeconds ? ':' + pad(int(0, 59), 2) : ''}${pick([' ', ''])}${pick(['AM', 'PM', 'am', 'pm', 'a.m.'])}`
  }
  const frac = chance(0.15) ? '.' + fraction() : ''
  return `${pad(int(0, 24), pick([1, 2]))}:${pad(int(0, 59), 2)}${hasSeconds ? ':' + pad(int(0, 59), 2) + frac : ''}`
}

function legacyForm() {
  const y = chance(0.8) ? int(1950, 2050) : pick([int(0, 99), int(100, 9999), int(10000, 300000)])
  const m = int(0, 11)
  const d = chance(0.92) ? int(1, 31) : pick([0, 32, 99])
  const mon = chance(0.8) ? MONTHS[m] : pick([LONG_MONTHS[m], MONTHS[m].toUpperCase(), MONTHS[m].toLowerCase(), LONG_MONTHS[m] + '.'])
  const dow = chance(0.7) ? DAYS[int(0, 6)] : LONG_DAYS[int(0, 6)]
  const t = time12or24()
  const z = pick(ZONES)
  const forms = [
    () => `${dow}, ${pad(d, 2)} ${mon} ${y} ${t} ${z}`, // RFC 1123
    () => `${dow} ${mon} ${pad(d, 2)} ${y} ${t} ${pick(['GMT+0000 (Coordinated Universal Time)', 'GMT-0500 (Eastern Standard Time)', 'GMT+0100'])}`, // toString
    () => `${m + 1}/${d}/${y}`,
    () => `${pad(m + 1, 2)}/${pad(d, 2)}/${y} ${t}`,
    () => `${m + 1}-${d}-${y}`,
    () => `${mon} ${d}, ${y}`,
    () => `${mon} ${d} ${y} ${t}`,
    () => `${d} ${mon} ${y}`,
    () => `${d}-${mon}-${y}`,
    () => `${y} ${mon} ${d}`,
    () => `${mon} ${d}`,
    () => `${mon}-${d}-${y} ${t} ${z}`,
    () => `${dow} ${mon} ${d} ${t} ${z} ${y}`,
    () => `${y}/${m + 1}/${d} ${t}`,
    () => `${y}-${m + 1}-${d}`,
    () => `${pad(y, 4)}-${pad(m + 1, 2)}-${pad(d, 2)} ${t}${pick(['', ' ', 'Z', ' GMT', ' +0200', '+02:00', ' UTC-7'])}`,
    () => `${m + 1}/${d}/${pad(y % 100, 2)}`,
    () => `${t} ${m + 1}/${d}/${y}`,
    () => `${d}.${m + 1}.${y}`,
    () => `${mon}${d} ${y}`,
    () => `${dow}${d} ${mon} ${y}`,
    () => `(${pick(['note', 'a (nested) note', 'x'])}) ${mon} ${d} ${y}`,
    () => `${mon} ${d} ${y} (${pick(['PST', 'open', 'un(bal'])}`,
    () => `${y}`,
    () => `${pick(['on', 'date:', 'Date', 'x'])} ${m + 1}/${d}/${y}`,
  ]
  return pick(forms)()
}

const GARBAGE_ALPHABET = '0123456789-/:.+ TtZz()aAmMpPJjnNuUeEcCsSdDgGrRyYlLoObvVkK,\u00a0_@#\t\u3000é'
function garbage() {
  const len = int(0, 24)
  let s = ''
  for (let i = 0; i < len; i++) s += GARBAGE_ALPHABET[int(0, GARBAGE_ALPHABET.length - 1)]
  return s
}

function mutate(s) {
  const ops = int(1, 5)
  for (let i = 0; i < ops; i++) {
    const at = int(0, s.length)
    const op = int(0, 2)
    const c = GARBAGE_ALPHABET[int(0, GARBAGE_ALPHABET.length - 1)]
    if (op === 0) s = s.slice(0, at) + c + s.slice(at)
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1)
    else s = s.slice(0, at) + c + s.slice(at + 1)
  }
  return s
}

function numericString() {
  return pick([
    () => String(int(0, 99999999999999)),
    () => String(int(0, 9999)),
    () => String(int(0, 999)),
    () => String(int(1000000000, 1999999999)),
    () => String(int(1000000000000, 1999999999999)),
    () => String(random() * 1e10),
    () => '-' + String(int(0, 1e12)),
    () => String(int(0, 1e6)) + '.' + String(int(0, 999)),
    () => pick(['0', '00', '-0', '1e3', '1e12', '0x10', 'NaN', 'Infinity', '-Infinity', '', ' ', ' 1700000000', '1700000000 ', '17e8', '+1700000000', '1'.repeat(25), '9'.repeat(400), '01700000000']),
  ])()
}

function numberValue() {
  return pick([
    () => int(0, 2e12), () => int(-2e12, 2e12), () => random() * 2e12, () => -random() * 1e15,
    () => int(0, 1e10) + pick([0.1, 0.5, 0.9, 0.999]),
    () => pick([0, -0, 1, -1, 0.5, -0.5, 8.64e15, -8.64e15, 8.64e15 + 1, -8.64e15 - 1, 8.64e15 + 0.5, 1e16, -1e300, 1e300, 1700000000, 1700000000000, Number.MAX_SAFE_INTEGER, 5e-324]),
  ])()
}

function otherValue() {
  return pick([null, true, false, [], [2024], ['2024-01-01'], [2024, 1, 5], ['Jan 5 2024'], [1700000000000], [null], {}, { a: 1 }, [[2024, 1], 5], '', ' '])
}

const FIXED = [
  '2024-01-01', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z', '2024-01-01T10:20:30.123+02:00',
  '2024-13-45', '2024-02-30', '2023-02-29', '2024-02-29', '2024-00-00', '2024-01-00', '2024-00-10',
  '+002024-01-01', '-002024-01-01', '+002024-01-01T00:00:00Z', '-000000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z', '-271821-04-20T00:00:00.000Z', '-271821-04-19T23:59:59.999Z', '-271821-04-19T23:00:00-01:00',
  '2024-01-01T24:00:00Z', '2024-01-01T24:00:01Z', '2024-01-01t10:00:00z', '2024-01-01 10:00:00Z', '20240101', '202401011230',
  '1700000000000', '1700000000', '123', '12', '13', '0', '99', '1234', '12345', '0000', '0050', '0099', '0100',
  'Tue, 05 Mar 2024 10:00:00 GMT', 'Tue Mar 05 2024 10:00:00 GMT+0200 (Central European Summer Time)', '12/25/2024',
  'December 25, 2024', 'Dec 25 2024 10:00 PM EST', '25 Dec 2024', 'Jan 5', '12/25', '5 Jan', 'Jan 2024', 'now', 'today',
  'Invalid Date', 'null', 'undefined', 'true', '2024-01-01T10:00', '2024-01-01T10:00:00.5', '2024-01-01T10:00:00.5Z',
  '2024-01-01T10:00:00.123456789', '2024-01-01T10:00:00.123456789Z', '2024-1-5', '2024/01/05', '2024/01/05 10:00:00Z',
  'Jan 5 2024\u0000xx', '\u00a02024-01-01', '2024-01-01\u00a0', '2024-01-01\u3000 10:00', '2024-01-01T10:00:00+0530',
  '2024-01-01T10:00:00+05', '2024-01-01T10:00:00 +05:30', 'Mon, 01 Jan 2024 00:00:00 +0000', 'Jan 5 10:00 GMT+05:',
  '1/2/3/4', '10:00', 'T10:00', '2024-01-01T', '2024-01-01TZ', '2024-06-15T12:00:00.000-07:00',
]

const scale = Number(process.argv[3] || 1)
// Random sequences of the tokens V8's legacy grammar distinguishes.
function tokenSoup() {
  const tokens = [
    () => String(int(0, 9)), () => pad(int(0, 99), 2), () => String(int(0, 999)), () => pad(int(0, 9999), 4),
    () => pad(int(0, 999999), 6), () => String(int(0, 1e9)), () => '0'.repeat(int(1, 12)) + int(1, 9),
    () => pick([':', '::', '-', '+', '.', ')', '(', '/', ',', ' ', ' ', ' ', '\t', '\n']),
    () => pick(MONTHS), () => pick(LONG_MONTHS), () => pick(DAYS), () => pick(['T', 't', 'Z', 'z', 'am', 'PM', 'a.m.']),
    () => pick(['GMT', 'UTC', 'UT', 'utc', 'EST', 'pdt', 'CET', 'Mayday', 'Janx', 'ja', 'de', 'ma', 'xyz', 'Tt', 'ZZ']),
    () => pick(['(comment)', '(a(b)c)', '(', '((', ')(', '()']),
    () => pick(['\u00a0', '\u3000', '\u2028', '\u2029', '\u0085', '\u1680', '\u000b', '\u200b', '\ufeff', 'é', '日本', '😀', '２０２４', '\u0000', '[', '_', '~', '@']),
  ]
  let s = ''
  const n = int(1, 10)
  for (let i = 0; i < n; i++) s += pick(tokens)()
  return s
}

function trickyForm() {
  const y = pick([int(1900, 2100), int(0, 99), int(100, 999), int(10000, 300000), 275760, 271821])
  const m = int(1, 12)
  const d = int(1, 31)
  const t = time12or24()
  return pick([
    () => `${y}-${pad(m, 2)}-${pad(d, 2)} ${t} ${pick(['+0530', '-08:00', 'GMT+99', '+9999', '-12:', 'UTC+', 'Z', 'z', '+1', '-123', '+12345', 'PST', 'GMT-0800 (PST)'])}`,
    () => `-${y}-${pad(m, 2)}-${pad(d, 2)}`,
    () => `${pick(['+', '-'])}${pad(y, 6)}-${pad(m, 2)}-${pad(d, 2)}T${t}${pick(['', 'Z', '+01:00'])}`,
    () => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${t}${pick(['', 'Z', '+01:00', ' ', 'Z ', '.', 'GMT', ' GMT'])}`,
    () => `${pick(MONTHS)} ${d} ${y} ${pick(['10::', '10:20::', '10:20:30.', '10:20:30.5 pm', '24:00', '24:01', '12:00 am', '0:00 pm', '13:00 pm', '10:20:30:40', '10.20.30', '10:20.5'])}`,
    () => `${d} ${m} ${y}`,
    () => `${m}/${d}/${y}/${int(1, 9)}`,
    () => `${pick(MONTHS)} ${pick(MONTHS)} ${d} ${y}`,
    () => `${y} ${d} ${pick(MONTHS)}`,
    () => `${d}${pick(['st', 'nd', 'th'])} ${pick(MONTHS)} ${y}`,
    () => `${pick(MONTHS)}-${d}-${y}`,
    () => `${pad(y, 4)}${pad(m, 2)}${pad(d, 2)}Z`,
    () => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(int(0, 23), 2)}${pad(int(0, 59), 2)}Z`,
    () => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)},${int(0, 999)}Z`,
    () => `${pad(y, 4)}-W${pad(int(1, 53), 2)}-${int(1, 7)}`,
    () => `${pad(y, 4)}-${pad(int(1, 366), 3)}`,
    () => ` ${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)} `,
    () => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}\n`,
    () => `${pad(y, 4)}.${pad(m, 2)}.${pad(d, 2)}`,
    () => `${pad(y, 4)}_${pad(m, 2)}_${pad(d, 2)}`,
  ])()
}

function printable() {
  let s = ''
  const n = int(0, 16)
  for (let i = 0; i < n; i++) s += String.fromCharCode(chance(0.5) ? int(0x30, 0x3a) : int(0x20, 0x7e))
  return s
}

const inputs = []
const add = (category, input) => inputs.push({ category, input })
for (const s of FIXED) add('fixed', s)
for (let i = 0; i < 1200 * scale; i++) add('dayjs', dayjsForm())
for (let i = 0; i < 900 * scale; i++) add('iso', isoForm())
for (let i = 0; i < 1400 * scale; i++) add('legacy', legacyForm())
for (let i = 0; i < 400 * scale; i++) add('mutated', mutate(pick([dayjsForm, isoForm, legacyForm])()))
for (let i = 0; i < 300 * scale; i++) add('garbage', garbage())
for (let i = 0; i < 500 * scale; i++) add('token-soup', tokenSoup())
for (let i = 0; i < 500 * scale; i++) add('tricky', trickyForm())
for (let i = 0; i < 300 * scale; i++) add('printable', printable())
for (let i = 0; i < 300 * scale; i++) add('numeric-string', numericString())
for (let i = 0; i < 250 * scale; i++) add('number', numberValue())
for (let i = 0; i < 40 * scale; i++) add('other', otherValue())

const encode = (n) => (Number.isNaN(n) ? null : Number.isFinite(n) ? n : String(n))
const seen = new Set()
const cases = []
for (const { category, input } of inputs) {
  const key = JSON.stringify(input)
  if (seen.has(key)) continue
  seen.add(key)
  const viaRegex = typeof input === 'string' && !/Z$/i.test(input) && DAYJS_REGEX.test(input)
  const d = dayjs.utc(input)
  cases.push({
    category,
    input,
    path: viaRegex ? 'regex' : 'date',
    // ISO: what V8 accepts through its ES date-time format (no legacy fallback).
    valid: d.isValid(),
    value: encode(d.valueOf()),
    session: encode(formatSessionId(input)),
    date_like: typeof input === 'string' ? dateLike(input) : null,
  })
}

fs.writeFileSync(process.argv[2] || 'dates_golden.json', JSON.stringify(cases, null, 0).replace(/\},\{/g, '},\n{') + '\n')
console.error(`${cases.length} cases`)
