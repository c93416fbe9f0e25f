// Writes crates/amplitude/tests/actions_golden.json: Segment's Amplitude (Actions) destination run on
// hand-written and seeded events, with the requests it would send captured instead of sent.
//
//   cd crates/amplitude/tests/reference
//   TZ=UTC NODE_PATH=/tmp/ad/node_modules node actions-oracle.js ../actions_golden.json
//
// NODE_PATH must hold @segment/action-destinations and @segment/actions-core (the versions the
// crate follows). Nothing leaves the machine: actions-core's fetch is replaced by a stub that
// records each request and answers 200.
//
// The golden file keeps the reference's requests except for the deviations documented on the
// crate (see `normalise`): `use_batch_endpoint` leaking into events, the form field
// `options=undefined`, and Group Identify's `time` when there is none to send.
'use strict'

const path = require('path')
const fs = require('fs')
const core = require('@segment/actions-core')
const fetchModule = require(path.join(path.dirname(require.resolve('@segment/actions-core')), 'fetch.js'))
const definition = require('@segment/action-destinations/dist/destinations/amplitude').default

// dayjs.utc(undefined) is "now"; a fixed sentinel makes that visible so it can be normalised.
const NOW_SENTINEL = 4102444800000
const RealDate = Date
global.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(NOW_SENTINEL)
    else super(...args)
  }
}

let captured = []
fetchModule.default = async (request) => {
  captured.push({
    method: request.method,
    url: request.url,
    contentType: request.headers.get('content-type'),
    body: await request.text()
  })
  return new fetchModule.Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
}

const destination = new core.Destination(definition)

function normalise(raw) {
  if (raw.contentType && raw.contentType.startsWith('application/json')) {
    const body = JSON.parse(raw.body)
    for (const event of body.events || []) delete event.use_batch_endpoint
    return { method: raw.method, url: raw.url, content_type: 'json', body }
  }
  const form = []
  for (const [key, value] of new URLSearchParams(raw.body)) {
    if (key === 'options' && value === 'undefined') continue
    if (key === 'identification' && raw.url.endsWith('/identify')) {
      const parsed = JSON.parse(value)
      if (Array.isArray(parsed)) {
        for (const item of parsed) {
          if (item.time === null || item.time === NOW_SENTINEL) delete item.time
        }
        form.push([key, JSON.stringify(parsed)])
        continue
      }
    }
    form.push([key, value])
  }
  return { method: raw.method, url: raw.url, content_type: 'form', body: form }
}

// ---------------------------------------------------------------- seeded generation
let seed = 20261128
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}
const pick = (items) => items[Math.floor(random() * items.length)]
const maybe = (p, value) => (random() < p ? value() : undefined)
function clean(object) {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key]
  return object
}

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.4.0',
  ''
]
const SESSION_IDS = [
  1700000000000, '1700000000123', '2024-01-15T10:00:00.000Z', '2024-01-15', 'not a date', 0, 1.5e12, '00012', 'not a date',
  '99999999999999999999999', 'Mon, 15 Jan 2024 10:00:00 GMT'
]
const TIMESTAMPS = ['2024-01-15T10:00:00.000Z', '2024-02-29T23:59:59.999+02:00', 1700000000000, '2024-01-15 10:00', '2024-03-01T00:00:00Z']
const IDS = ['user-0001', 'u1', 'ユーザー-🦀-1', 'abc', 'user@example.com', '12345']
const PLATFORMS = ['ios', 'IOS', 'android', 'Android', 'web', 'iPadOS', 'my-ios-android', 'server']
const LIBRARIES = ['analytics.js', 'analytics-ios', 'analytics-kotlin', 'analytics-node', 'Analytics.js']

function campaign() {
  return clean({
    source: maybe(0.8, () => pick(['google', 'newsletter', 'twitter'])),
    medium: maybe(0.6, () => pick(['cpc', 'email', ''])),
    name: maybe(0.6, () => pick(['spring_sale', 'launch'])),
    term: maybe(0.3, () => 'shoes'),
    content: maybe(0.3, () => pick(['banner', 'link']))
  })
}

function context() {
  const library = pick(LIBRARIES)
  return clean({
    library: clean({ name: maybe(0.9, () => library), version: '1.0.0' }),
    userAgent: maybe(0.6, () => pick(USER_AGENTS)),
    userAgentData: maybe(0.2, () => clean({ model: maybe(0.5, () => 'Pixel 8'), platformVersion: maybe(0.7, () => '14.0.0') })),
    campaign: maybe(0.4, campaign),
    page: maybe(0.5, () => clean({ referrer: maybe(0.7, () => pick(['https://google.com/', 'https://example.org/a?b=1'])), url: 'https://shop.example/' })),
    device: maybe(0.6, () =>
      clean({
        id: maybe(0.5, () => pick(['dev-123456', 'd1'])),
        type: maybe(0.7, () => pick(PLATFORMS)),
        brand: maybe(0.3, () => 'Apple'),
        manufacturer: maybe(0.3, () => 'Samsung'),
        model: maybe(0.3, () => 'iPhone15,2'),
        advertisingId: maybe(0.2, () => 'ad-id-1'),
        idfa: maybe(0.2, () => 'idfa-1')
      })
    ),
    os: maybe(0.4, () => clean({ name: pick(['iOS', 'Android', 'Mac OS X']), version: maybe(0.7, () => '17.1') })),
    app: maybe(0.3, () => ({ version: pick(['1.2.3', '2.0']) })),
    network: maybe(0.2, () => ({ carrier: 'T-Mobile' })),
    location: maybe(0.3, () => clean({ country: 'Germany', region: 'BE', city: 'Berlin', latitude: 52.52, longitude: maybe(0.5, () => 13.405) })),
    locale: maybe(0.5, () => pick(['en-US', 'de-DE'])),
    ip: maybe(0.5, () => pick(['203.0.113.7', '2001:db8::1']))
  })
}

function product() {
  return clean({
    productId: maybe(0.8, () => pick(['p-1', 'p-2', 'sku-🦀'])),
    price: maybe(0.7, () => pick([9.99, 0, -5, 100, '12.5'])),
    quantity: maybe(0.6, () => pick([1, 2, 3, 0, '4'])),
    revenue: maybe(0.4, () => pick([20, 0, 7.5])),
    revenueType: maybe(0.3, () => pick(['Refund', 'Subscription'])),
    name: maybe(0.5, () => 'Thing'),
    category: maybe(0.3, () => 'Stuff')
  })
}

function common(type) {
  const event = clean({
    type,
    messageId: `msg-${Math.floor(random() * 1e6)}`,
    userId: maybe(0.7, () => pick([...IDS, null])),
    anonymousId: maybe(0.7, () => pick(['anon-123456', 'a1', '507f191e810c19729de860ea'])),
    timestamp: maybe(0.9, () => (random() < 0.03 ? 'garbage' : pick(TIMESTAMPS))),
    context: maybe(0.9, context),
    integrations: maybe(0.5, () => ({ 'Actions Amplitude': clean({ session_id: maybe(0.9, () => pick(SESSION_IDS)) }) }))
  })
  return event
}

function trackEvent() {
  const event = common('track')
  event.event = random() < 0.03 ? '' : pick(['Button Clicked', 'Order Completed', 'Signed Up', 'Ünïcödé Evént 🦀'])
  event.properties = clean({
    plan: maybe(0.5, () => 'pro'),
    price: maybe(0.4, () => pick([10, 2.5, -3, 0, '7'])),
    quantity: maybe(0.4, () => pick([2, 1, 0, 3])),
    revenue: maybe(0.5, () => pick([42, 0, 19.99, -10])),
    revenueType: maybe(0.3, () => 'Tax'),
    productId: maybe(0.3, () => 'p-main'),
    products: maybe(0.5, () => Array.from({ length: Math.floor(random() * 4) }, product)),
    nested: maybe(0.3, () => ({ a: [1, 2, { b: null }], c: '' }))
  })
  return event
}

function identifyEvent() {
  const event = common('identify')
  event.traits = clean({
    email: maybe(0.7, () => 'jane@example.com'),
    name: maybe(0.5, () => 'Jane Ø'),
    plan: maybe(0.4, () => 'enterprise'),
    logins: maybe(0.3, () => 5),
    utm_properties: maybe(0.1, () => ({ x: 1 })),
    referrer: maybe(0.1, () => 'traits-ref'),
    $set: maybe(0.1, () => ({ existing: true }))
  })
  return event
}

function groupEvent() {
  const event = common('group')
  event.groupId = pick(['group-1', 'acme', '42'])
  event.traits = clean({ name: maybe(0.7, () => 'Acme Inc'), employees: maybe(0.5, () => 100) })
  return event
}

function aliasEvent() {
  const event = common('alias')
  event.previousId = maybe(0.9, () => pick(IDS))
  return event
}

function pageEvent(type) {
  const event = common(type)
  event.name = maybe(0.8, () => pick(['Home', 'Checkout', 'Produkt Ü']))
  event.properties = clean({ path: maybe(0.6, () => '/home'), title: maybe(0.5, () => 'Home') })
  return event
}

const defaults = (slug) => core.defaultValues(definition.actions[slug].fields)
const presetMapping = (name) => definition.presets.find((p) => p.name === name).mapping

const REGIONS = [{}, { endpoint: 'north_america' }, { endpoint: 'europe' }]
function settings() {
  return { apiKey: 'api-key-123', secretKey: 'secret-456', ...pick(REGIONS) }
}

// Custom mappings: the defaults with a few fields changed, as a user would edit them.
function customise(slug, base) {
  const mapping = { ...base }
  if ('use_batch_endpoint' in mapping && random() < 0.3) mapping.use_batch_endpoint = true
  if ('min_id_length' in definition.actions[slug].fields && random() < 0.3) mapping.min_id_length = pick([1, 3, 0, null, -1])
  if ('userAgentParsing' in mapping && random() < 0.2) mapping.userAgentParsing = false
  if ('includeRawUserAgent' in mapping && random() < 0.3) mapping.includeRawUserAgent = true
  if ('library2' in mapping && random() < 0.2) mapping.library2 = pick([{ behavior: 'auto' }, { behavior: 'use_mapping', mapping: 'custom-lib' }, { behavior: 'use_mapping' }])
  if ('trackRevenuePerProduct' in mapping && random() < 0.4) mapping.trackRevenuePerProduct = true
  if ('insert_id' in definition.actions[slug].fields && random() < 0.4) mapping.insert_id = { '@path': '$.messageId' }
  if ('event_id' in definition.actions[slug].fields && random() < 0.1) mapping.event_id = 7
  if ('groups' in definition.actions[slug].fields && random() < 0.2) mapping.groups = { company: { '@path': '$.userId' } }
  if (slug === 'logEventV2' && random() < 0.3) mapping.add = { logins: 1, score: { '@path': '$.properties.price' } }
  if (slug === 'identifyUser' && random() < 0.2) mapping.paying = true
  if (slug === 'groupIdentifyUser') {
    mapping.group_type = pick(['company', { '@path': '$.traits.name' }])
    mapping.group_value = pick([{ '@path': '$.groupId' }, 'fixed'])
    if (random() < 0.3) mapping.insert_id = { '@path': '$.messageId' }
  }
  return mapping
}

const cases = []
// `mapping` null means the action's default field values.
async function run(name, action, event, mapping, customSettings) {
  captured = []
  const settingsValue = customSettings || settings()
  let result
  try {
    await destination.executeAction(action, { event, mapping: mapping || defaults(action), settings: settingsValue })
    result = { requests: captured.map(normalise) }
  } catch (error) {
    result = { error: `${error.constructor.name}: ${error.message}`, requests_before_error: captured.map(normalise) }
  }
  cases.push({ name, action, event, mapping, settings: settingsValue, ...result })
}

// ---------------------------------------------------------------- hand-written cases
const FULL_TRACK = {
  type: 'track',
  event: 'Product Viewed',
  userId: 'user-0001',
  anonymousId: 'anon-123456',
  messageId: 'ajs-next-abc',
  timestamp: '2024-01-15T10:00:00.000Z',
  properties: { product_id: 'p1', price: 9.99, quantity: 2, revenue: 30 },
  context: {
    library: { name: 'analytics.js', version: 'next-1.62.0' },
    userAgent: USER_AGENTS[0],
    campaign: { source: 'google', medium: 'cpc', name: 'spring', term: 'shoes', content: 'banner' },
    page: { referrer: 'https://google.com/', url: 'https://shop.example/p1' },
    locale: 'en-US',
    ip: '203.0.113.7'
  },
  integrations: { 'Actions Amplitude': { session_id: '1705312800000' } }
}
const ORDER = {
  ...FULL_TRACK,
  event: 'Order Completed',
  properties: {
    order_id: 'o-1',
    revenue: 50,
    products: [
      { productId: 'p1', price: 10, quantity: 2, name: 'A' },
      { productId: 'p2', revenue: 30, name: 'B' },
      { productId: 'p3', price: 4.5, quantity: 3 }, { productId: 'p4', price: 0, quantity: 2, revenue: 8 }
    ]
  }
}

async function main() {
  const out = process.argv[2] || '../actions_golden.json'
  const hand = [
    ['track full analytics.js', 'logEventV2', FULL_TRACK],
    ['track full v1', 'logEvent', FULL_TRACK],
    ['order default', 'logPurchase', ORDER],
    ['order per product', 'logPurchase', ORDER, { ...defaults('logPurchase'), trackRevenuePerProduct: true, insert_id: { '@path': '$.messageId' } }],
    ['order no products', 'logPurchase', { ...ORDER, properties: { price: 3, quantity: 2, revenue: 1 } }],
    ['order zero revenue', 'logPurchase', { ...ORDER, properties: { revenue: 0 } }],
    ['order only revenue', 'logPurchase', { ...ORDER, properties: { revenue: 12, revenueType: 'Refund' } }],
    ['identify full', 'identifyUser', { ...FULL_TRACK, type: 'identify', traits: { email: 'a@b.c', $set: { x: 1 } } }],
    ['identify short ids', 'identifyUser', { type: 'identify', userId: 'u1', anonymousId: 'a1' }, { ...defaults('identifyUser'), min_id_length: 1 }],
    ['group with user', 'groupIdentifyUser', { type: 'group', userId: 'user-0001', groupId: 'g-1', traits: { name: 'Acme' }, timestamp: '2024-01-15T10:00:00.000Z' }, { ...defaults('groupIdentifyUser'), group_type: 'company', group_value: { '@path': '$.groupId' }, min_id_length: 2 }],
    ['group without ids', 'groupIdentifyUser', { type: 'group', groupId: 'g-1', traits: { name: 'Acme' } }, { ...defaults('groupIdentifyUser'), group_type: 'company', group_value: { '@path': '$.groupId' } }],
    ['group missing type', 'groupIdentifyUser', { type: 'group', groupId: 'g-1' }, defaults('groupIdentifyUser')],
    ['alias', 'mapUser', { type: 'alias', userId: 'user-0002', previousId: 'user-0001' }],
    ['alias min id', 'mapUser', { type: 'alias', userId: 'u2', previousId: 'u1' }, { ...defaults('mapUser'), min_id_length: 2 }],
    ['alias null min id', 'mapUser', { type: 'alias', userId: 'u2', previousId: 'u1' }, { ...defaults('mapUser'), min_id_length: null }],
    ['track missing event', 'logEventV2', { type: 'track', userId: 'user-0001' }],
    ['page preset', 'logEventV2', { ...FULL_TRACK, type: 'page', name: 'Home', event: undefined }, presetMapping('Page Calls')],
    ['screen preset ios', 'logEventV2', { type: 'screen', name: 'Settings', userId: 'user-0001', context: { device: { type: 'ios' }, library: { name: 'analytics-ios' } } }, presetMapping('Screen Calls')],
    ['eu batch', 'logEventV2', FULL_TRACK, { ...defaults('logEventV2'), use_batch_endpoint: true }, { apiKey: 'k', secretKey: 's', endpoint: 'europe' }],
    ['eu batch v1', 'logEvent', FULL_TRACK, { ...defaults('logEvent'), use_batch_endpoint: true }, { apiKey: 'k', secretKey: 's', endpoint: 'europe' }],
    ['raw ua no parsing', 'logEventV2', FULL_TRACK, { ...defaults('logEventV2'), userAgentParsing: false, includeRawUserAgent: true }],
    ['identify $set string and array', 'identifyUser', { ...FULL_TRACK, type: 'identify', traits: { $set: 'ab€', $setOnce: ['x', { y: 1 }], plan: 'pro' } }],
    ['log event $set string', 'logEvent', { ...FULL_TRACK, traits: { $set: 'hé', other: 1 } }],
    ['empty utm with referrer', 'logEvent', { ...FULL_TRACK, context: { ...FULL_TRACK.context, campaign: {} } }],
    ['utm without referrer', 'identifyUser', { type: 'identify', userId: 'user-0001', context: { campaign: { source: 'x', medium: 'y' } } }],
    ['client hints android', 'logEventV2', { ...FULL_TRACK, context: { ...FULL_TRACK.context, userAgent: USER_AGENTS[2], userAgentData: { model: 'Pixel 8', platformVersion: '14.0.0' } } }],
    ['mapped device fields next to ua', 'logEventV2', { ...FULL_TRACK, context: { ...FULL_TRACK.context, device: { manufacturer: 'Acme', model: 'X1', type: 'android' }, os: { name: 'Android', version: '14' } } }],
    ['batch purchase no insert id', 'logPurchase', ORDER, { ...defaults('logPurchase'), use_batch_endpoint: true, trackRevenuePerProduct: true }, { apiKey: 'k', secretKey: 's', endpoint: 'europe' }],
    ['purchase library2 without mapping', 'logPurchase', ORDER, { ...defaults('logPurchase'), library2: { behavior: 'use_mapping' } }],
    ['group device only invalid time', 'groupIdentifyUser', { type: 'group', anonymousId: 'anon-123456', groupId: 'g-1', timestamp: 'garbage' }, { ...defaults('groupIdentifyUser'), group_type: 'org', group_value: { '@path': '$.groupId' } }],
    ['group null user id', 'groupIdentifyUser', { type: 'group', userId: null, anonymousId: 'anon-123456', groupId: 'g-1', traits: {} }, { ...defaults('groupIdentifyUser'), group_type: 'org', group_value: { '@path': '$.groupId' } }],
    ['min id length zero', 'logEventV2', FULL_TRACK, { ...defaults('logEventV2'), min_id_length: 0 }],
    ['min id length negative identify', 'identifyUser', { type: 'identify', userId: 'u1' }, { ...defaults('identifyUser'), min_id_length: -1 }],
    ['session id zero', 'logEventV2', { ...FULL_TRACK, integrations: { 'Actions Amplitude': { session_id: 0 } } }],
    ['session id epoch number', 'logEvent', { ...FULL_TRACK, integrations: { 'Actions Amplitude': { session_id: 1705312800000 } } }],
    ['session id iso', 'logPurchase', { ...ORDER, integrations: { 'Actions Amplitude': { session_id: '2024-01-15T10:00:00+01:00' } } }],
    ['unicode everywhere', 'logEventV2', { ...FULL_TRACK, event: 'Käse 🧀 gekauft', userId: 'ユーザー', properties: { 'ключ': 'значение', emoji: '👍🏽' } }],
    ['v2 set ops with empty strings', 'logEventV2', FULL_TRACK, { ...defaults('logEventV2'), setOnce: { a: '' }, setAlways: { b: '', c: 'x' }, add: { n: 2 } }],
    ['v2 user properties with ops', 'logEventV2', { ...FULL_TRACK, traits: { $set: { k: 1 }, plan: 'pro' } }],
    ['platform ios twice', 'identifyUser', { type: 'identify', userId: 'user-0001', context: { device: { type: 'ios-IOS' }, library: { name: 'analytics.js' } } }]
  ]
  for (const [name, action, event, mapping, customSettings] of hand) {
    await run(name, action, JSON.parse(JSON.stringify(event)), mapping || null, customSettings)
  }

  const PLAN = [
    ['logEventV2', trackEvent, 'Track Calls', 70],
    ['logEvent', trackEvent, null, 50],
    ['logPurchase', trackEvent, 'Order Completed Calls', 60],
    ['logEventV2', () => pageEvent('page'), 'Page Calls', 20],
    ['logEventV2', () => pageEvent('screen'), 'Screen Calls', 20],
    ['identifyUser', identifyEvent, 'Identify Calls', 50],
    ['groupIdentifyUser', groupEvent, null, 40],
    ['mapUser', aliasEvent, null, 25]
  ]
  for (const [action, make, preset, count] of PLAN) {
    for (let i = 0; i < count; i++) {
      const base = preset ? presetMapping(preset) : defaults(action)
      const custom = random() < 0.4 || action === 'groupIdentifyUser'
      // null stands for the action's default field values, which the Rust side builds itself.
      const mapping = custom ? customise(action, base) : preset ? base : null
      await run(`${action} ${preset || 'default'} #${i}${custom ? ' custom' : ''}`, action, make(), mapping)
    }
  }
  const presets = definition.presets.map((p) => ({ name: p.name, trigger: p.subscribe, action: p.partnerAction, mapping: p.mapping }))
  const actions = Object.entries(definition.actions).map(([id, a]) => ({
    id,
    title: a.title,
    description: a.description,
    trigger: a.defaultSubscription,
    fields: Object.entries(a.fields).map(([key, f]) => ({
      key,
      label: f.label,
      description: f.description ?? '',
      type: f.type,
      multiple: !!f.multiple,
      required: f.required === true,
      allowNull: !!f.allowNull,
      properties: Object.keys(f.properties || {}),
      additionalProperties: !!f.additionalProperties
    })),
    defaults: defaults(id)
  }))
  fs.writeFileSync(out, JSON.stringify({ presets, actions, cases }, null, 1) + '\n')
  console.log(`wrote ${cases.length} cases to ${out}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
