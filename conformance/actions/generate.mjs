// Cases for the actions suite: `{action, event, mapping, settings}`. Events start from
// lib/events.mjs's realistic Segment events and are then bent towards what the Amplitude actions
// read: products and revenue fields, campaign and referrer, many user agents with client hints,
// session ids in every form, short ids, set operations and groups. Mappings are the action's
// defaults (`null`), a preset's mapping, or the defaults with random edits.

import { randomEvent } from '../lib/events.mjs';
import { defaultMapping, PRESETS, ACTION_FIELDS } from '../oracles/action-destinations.mjs';

export const ACTIONS_FEATURES = [
  'action-logEventV2', 'action-logEvent', 'action-logPurchase', 'action-identifyUser', 'action-groupIdentifyUser', 'action-mapUser',
  'type-track', 'type-identify', 'type-page', 'type-screen', 'type-group', 'type-alias',
  'mapping-defaults', 'mapping-preset', 'mapping-edited',
  'edit-drop-field', 'edit-replace-path', 'edit-wrong-type-literal', 'edit-literal',
  'products', 'products-zero-revenue', 'products-numeric-strings', 'top-level-revenue', 'revenue-type',
  'utm', 'referrer', 'user-agent', 'user-agent-data', 'no-user-agent',
  'session-iso', 'session-epoch', 'session-numeric-string', 'session-garbage',
  'short-ids', 'min-id-length', 'unicode', 'region-europe', 'region-north-america', 'region-missing',
  'batch-endpoint', 'revenue-per-product', 'set-once', 'set-always', 'add', 'groups',
  'user-agent-parsing-off', 'raw-user-agent', 'library2', 'traits-set-ops',
];

// Default triggers pick the call types each action usually sees; the rest still come sometimes.
const ACTION_WEIGHTS = [[8, 'logEventV2'], [2, 'logEvent'], [2, 'logPurchase'], [2, 'identifyUser'], [1, 'groupIdentifyUser'], [1, 'mapUser']];
// Page and screen calls reach the event actions mostly through their presets (the defaults map
// `event`, which they lack), so with other mappings they are rarer.
const USUAL_TYPE = { logEventV2: ['track', 'track', 'track', 'page', 'screen'], logEvent: ['track', 'track', 'track', 'page', 'screen'], logPurchase: ['track'], identifyUser: ['identify'], groupIdentifyUser: ['group'], mapUser: ['alias'] };

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.58',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Dalvik/2.1.0 (Linux; U; Android 12; SM-A525F Build/SP1A.210812.016)',
  'Shop/3.2.1 (iPhone; iOS 17.1; Scale/3.00)',
  'okhttp/4.11.0', 'curl/8.4.0', 'analytics-node-next/latest', '', 'Mozilla/5.0', 'ユーザーエージェント 🦀',
];

const SESSION_IDS = [
  ['session-iso', () => '2024-01-15T10:00:00.000Z'], ['session-iso', () => '2024-01-15T10:00:00+01:00'], ['session-iso', () => '2024-01-15'],
  ['session-epoch', () => 1700000000000], ['session-epoch', () => 0], ['session-epoch', () => 1.5e12], ['session-epoch', () => -1], ['session-epoch', () => 1700000000123.7],
  ['session-numeric-string', () => '1700000000000'], ['session-numeric-string', () => '00012'], ['session-numeric-string', () => '99999999999999999999999'], ['session-numeric-string', () => ' 1700000000000 '],
  ['session-garbage', () => 'not a date'], ['session-garbage', () => 'Mon, 15 Jan 2024 10:00:00 GMT'], ['session-garbage', () => ''], ['session-garbage', () => null], ['session-garbage', () => true], ['session-garbage', () => { return { id: 1 }; }], ['session-garbage', () => [1700000000000]],
];

const UNICODE = ['Käse 🧀 gekauft', 'ユーザー-🦀-1', 'Ünïcödé Evént', 'Σίσυφος', '𝔘𝔫𝔦', 'e\u0301', 'zero\u200bwidth'];

function productItem(rng, tags) {
  const p = {};
  if (rng.chance(0.8)) p.productId = rng.pick(['p-1', 'p-2', 'sku-🦀', '', 7]);
  if (rng.chance(0.3)) p.product_id = rng.pick(['p-9', 'x']);
  // Mostly valid numbers: a wrong type anywhere rejects the whole event, which says little more.
  const odd = rng.chance(0.15);
  if (rng.chance(0.7)) p.price = odd ? rng.pick(['12.5', '0', 'abc', null]) : rng.pick([9.99, 0, -5, 100, 0.1, 19.999]);
  if (rng.chance(0.6)) p.quantity = odd ? rng.pick(['4', 2.5, null, '']) : rng.pick([1, 2, 3, 0, -1]);
  if (rng.chance(0.4)) p.revenue = odd ? rng.pick(['30', null]) : rng.pick([20, 0, 7.5, -3]);
  if (rng.chance(0.3)) p.revenueType = rng.pick(['Refund', 'Subscription', '', 5]);
  if (rng.chance(0.5)) p.name = rng.pick(['Thing', 'Tee 👕', '']);
  if (rng.chance(0.3)) p.category = 'Stuff';
  if (p.revenue === 0 || p.price === 0) tags.add('products-zero-revenue');
  if ([p.price, p.quantity, p.revenue].some((v) => typeof v === 'string')) tags.add('products-numeric-strings');
  return p;
}

/** Bends a realistic event towards the fields the Amplitude actions read. */
function amplitudeEvent(rng, action, tags) {
  const event = randomEvent(rng);
  const type = rng.chance(0.85) ? rng.pick(USUAL_TYPE[action]) : rng.pick(['track', 'identify', 'page', 'screen', 'group', 'alias']);
  if (rng.chance(0.97)) event.type = type;
  else delete event.type;
  if (event.type) tags.add(`type-${event.type}`);
  // An empty or missing event name rejects the event (event_type is required); keep it rarer.
  if (type === 'track' && !event.event && rng.chance(0.95)) event.event = rng.pick(['Order Completed', 'Button Clicked', 'Signed Up']);
  if ((type === 'page' || type === 'screen') && !('name' in event) && rng.chance(0.6)) event.name = rng.pick(['Home', 'Settings', 'Produkt Ü']);
  if (type === 'group' && !('groupId' in event)) event.groupId = rng.pick(['group-1', 'acme', '42', 42, '']);
  if (type === 'alias' && !('previousId' in event) && rng.chance(0.9)) event.previousId = rng.pick(['user-0001', 'u1', 'anon-123456', '']);
  if (type === 'identify' && !event.traits) event.traits = {};

  const properties = (event.properties && typeof event.properties === 'object') ? event.properties : (event.properties = {});
  if (rng.chance(0.45)) {
    properties.products = Array.from({ length: rng.int(0, 4) }, () => productItem(rng, tags));
    tags.add('products');
  }
  if (rng.chance(0.4)) {
    for (const key of rng.sample(['revenue', 'price', 'quantity', 'revenueType', 'productId'], rng.int(1, 4))) {
      properties[key] = {
        revenue: () => (rng.chance(0.15) ? rng.pick(['15', '0', 'ten', null]) : rng.pick([42, 0, 19.99, -10])),
        price: () => (rng.chance(0.15) ? rng.pick(['7', 'x']) : rng.pick([10, 2.5, -3, 0])),
        quantity: () => (rng.chance(0.15) ? rng.pick(['2', 1.5]) : rng.pick([2, 1, 0, 3])),
        revenueType: () => rng.pick(['Tax', 'Refund', '', 3]),
        productId: () => rng.pick(['p-main', 12, '']),
      }[key]();
      if (key === 'revenueType') tags.add('revenue-type');
    }
    tags.add('top-level-revenue');
  }

  const context = (event.context && typeof event.context === 'object') ? event.context : (event.context = {});
  if (rng.chance(0.4)) {
    const campaign = {};
    for (const key of rng.sample(['source', 'medium', 'name', 'term', 'content'], rng.int(0, 5))) campaign[key] = rng.pick(['google', 'cpc', 'spring_sale', '', 'Ünï', 5]);
    context.campaign = campaign;
    tags.add('utm');
  } else delete context.campaign;
  if (rng.chance(0.4)) {
    context.page = { ...(context.page ?? {}), referrer: rng.pick(['https://google.com/', 'https://example.org/a?b=1', '', 'not a url', null]) };
    tags.add('referrer');
  }
  if (rng.chance(0.8)) {
    context.userAgent = rng.pick(USER_AGENTS);
    tags.add('user-agent');
  } else {
    delete context.userAgent;
    tags.add('no-user-agent');
  }
  if (rng.chance(0.25)) {
    const data = {};
    if (rng.chance(0.6)) data.model = rng.pick(['Pixel 8', 'SM-S918B', '', 'iPhone']);
    if (rng.chance(0.7)) data.platformVersion = rng.pick(['14.0.0', '15.0.0', '10.0', '']);
    if (rng.chance(0.4)) data.platform = rng.pick(['Android', 'Windows', 'macOS']);
    if (rng.chance(0.3)) data.mobile = rng.chance(0.5);
    if (rng.chance(0.3)) data.brands = [{ brand: 'Chromium', version: '120' }];
    context.userAgentData = data;
    tags.add('user-agent-data');
  }
  if (rng.chance(0.7)) {
    const garbage = SESSION_IDS.filter(([tag]) => tag === 'session-garbage');
    const [tag, value] = rng.chance(0.2) ? rng.pick(garbage) : rng.pick(SESSION_IDS.filter(([tag]) => tag !== 'session-garbage'));
    event.integrations = { ...(event.integrations && typeof event.integrations === 'object' ? event.integrations : {}), 'Actions Amplitude': { session_id: value() } };
    tags.add(tag);
  }
  if (rng.chance(0.2)) {
    if (rng.chance(0.5)) event.userId = rng.pick(['u1', 'ab', '1', 'abcd']);
    if (rng.chance(0.5)) event.anonymousId = rng.pick(['a1', 'xy', '0']);
    if (rng.chance(0.5)) context.device = { ...(context.device ?? {}), id: rng.pick(['d1', 'dv']) };
    tags.add('short-ids');
  }
  if (rng.chance(0.15)) {
    if (event.type === 'track') event.event = rng.pick(UNICODE);
    event.userId = rng.pick(UNICODE);
    properties[rng.pick(UNICODE)] = rng.pick(UNICODE);
    tags.add('unicode');
  }
  if (rng.chance(0.1)) {
    event.traits = { ...(event.traits && typeof event.traits === 'object' ? event.traits : {}), ...rng.pick([{ $set: { k: 1 } }, { $setOnce: { first: 'x' } }, { $set: 'ab€' }, { $set: 'x🦀y' }, { $setOnce: ['x', { y: 1 }] }, { $add: { n: 1 } }, { utm_properties: { x: 1 }, referrer: 'traits-ref' }]) };
    tags.add('traits-set-ops');
  }
  if (rng.chance(0.3)) {
    if (rng.chance(0.5)) context.device = { ...(context.device ?? {}), type: rng.pick(['ios', 'IOS', 'android', 'web', 'iPadOS', 'server']), brand: rng.pick(['Apple', 'Google']), model: rng.pick(['iPhone15,2', 'Pixel 8']) };
    if (rng.chance(0.5)) context.network = { carrier: rng.pick(['T-Mobile', '']) };
    if (rng.chance(0.5)) context.location = { country: 'Germany', region: 'BE', city: 'Berlin', latitude: rng.pick([52.52, '52.5', null]), longitude: 13.405 };
  }
  return event;
}

const PATHS = [
  '$.userId', '$.anonymousId', '$.event', '$.name', '$.timestamp', '$.messageId', '$.properties', '$.properties.revenue', '$.properties.price',
  '$.properties.quantity', '$.properties.products', '$.traits', '$.context.device.id', '$.context.userAgent', '$.context.ip', '$.groupId',
  '$.integrations.Actions Amplitude.session_id', '$.properties.missing', '$.context', '$.previousId', '$.context.campaign',
];

function wrongTypeLiteral(rng) {
  return rng.pick(['text', '', 0, 1, -1, 2.5, '12', 'true', true, false, null, [], ['a', 1], {}, { a: 1 }, [{ x: 1 }], '2024-01-15T10:00:00Z', 'ユ']);
}

/** The defaults with random edits, as a user would make them (or break them). */
function editedMapping(rng, action, tags) {
  const mapping = { ...defaultMapping(action) };
  const fields = ACTION_FIELDS[action];
  const keys = Object.keys(fields);
  for (let n = rng.int(1, 4); n > 0; n--) {
    const key = rng.pick(keys);
    rng.weighted([
      [3, () => { delete mapping[key]; tags.add('edit-drop-field'); }],
      [3, () => { mapping[key] = { '@path': rng.pick(PATHS) }; tags.add('edit-replace-path'); }],
      [3, () => { mapping[key] = wrongTypeLiteral(rng); tags.add('edit-wrong-type-literal'); }],
    ]);
  }
  // Options users commonly turn on, set as literals of the right type.
  const literal = (key, value, tag) => { if (key in fields) { mapping[key] = value; tags.add(tag); tags.add('edit-literal'); } };
  if (rng.chance(0.3)) literal('use_batch_endpoint', rng.chance(0.7), 'batch-endpoint');
  if (rng.chance(0.3)) literal('min_id_length', rng.pick([1, 2, 3, 0, -1, null, 5.5, '3']), 'min-id-length');
  if (rng.chance(0.3)) literal('trackRevenuePerProduct', rng.chance(0.7), 'revenue-per-product');
  if (rng.chance(0.15)) literal('userAgentParsing', false, 'user-agent-parsing-off');
  if (rng.chance(0.2)) literal('includeRawUserAgent', true, 'raw-user-agent');
  if (rng.chance(0.15)) literal('library2', rng.pick([{ behavior: 'auto' }, { behavior: 'use_mapping', mapping: 'custom-lib' }, { behavior: 'use_mapping' }]), 'library2');
  if (rng.chance(0.25)) literal('setOnce', rng.pick([{ first_seen: { '@path': '$.timestamp' } }, { a: '' }, { a: 1, b: { '@path': '$.properties.missing' } }]), 'set-once');
  if (rng.chance(0.25)) literal('setAlways', rng.pick([{ plan: { '@path': '$.traits.plan' } }, { b: '', c: 'x' }, { utm: { '@path': '$.context.campaign' } }]), 'set-always');
  if (rng.chance(0.25)) literal('add', rng.pick([{ logins: 1 }, { score: { '@path': '$.properties.price' } }, { n: '2', m: -1 }]), 'add');
  if (rng.chance(0.2)) literal('groups', rng.pick([{ company: { '@path': '$.userId' } }, { team: ['a', 'b'] }, { org: 'acme' }]), 'groups');
  if (action === 'groupIdentifyUser') {
    if (rng.chance(0.95)) mapping.group_type = rng.pick(['company', { '@path': '$.traits.name' }, '']);
    if (rng.chance(0.95)) mapping.group_value = rng.pick([{ '@path': '$.groupId' }, 'fixed', 5]);
  }
  return mapping;
}

function settings(rng, tags) {
  const s = { apiKey: rng.pick(['api-key-123', 'k']), secretKey: 'secret-456' };
  rng.weighted([
    [4, () => { s.endpoint = 'north_america'; tags.add('region-north-america'); }],
    [4, () => { s.endpoint = 'europe'; tags.add('region-europe'); }],
    [1, () => tags.add('region-missing')],
  ]);
  return s;
}

/** One case and the features it exercises. */
export function generateActionCase(rng) {
  const tags = new Set();
  const action = rng.weighted(ACTION_WEIGHTS);
  tags.add(`action-${action}`);
  const event = amplitudeEvent(rng, action, tags);
  const presets = PRESETS.filter((p) => p.action === action);
  let mapping = rng.weighted([
    [4, () => { tags.add('mapping-defaults'); return null; }],
    [presets.length ? 3 : 0, () => { tags.add('mapping-preset'); return structuredClone(rng.pick(presets).mapping); }],
    [4, () => { tags.add('mapping-edited'); return editedMapping(rng, action, tags); }],
  ]);
  // Page and screen calls have no `event`, so the event actions' defaults reject them; Segment
  // subscribes them through the Page and Screen presets.
  const typePreset = PRESETS.find((p) => p.action === action && p.name === { page: 'Page Calls', screen: 'Screen Calls' }[event.type]);
  if (mapping === null && typePreset && rng.chance(0.85)) {
    mapping = structuredClone(typePreset.mapping);
    tags.delete('mapping-defaults');
    tags.add('mapping-preset');
  }
  // Group Identify has no usable defaults for its group; a user always fills them in.
  if (action === 'groupIdentifyUser' && mapping === null && rng.chance(0.7)) {
    mapping = { ...defaultMapping(action), group_type: 'company', group_value: { '@path': '$.groupId' } };
    tags.delete('mapping-defaults');
    tags.add('mapping-edited');
  }
  return { case: { action, event, mapping, settings: settings(rng, tags) }, tags };
}
