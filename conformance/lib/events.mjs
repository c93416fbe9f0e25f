// Realistic Segment events, shaped like what analytics.js and the mobile libraries send, with the
// awkward values real traffic carries: nulls, empty strings, zeros, numeric strings, unicode,
// nested objects, product arrays and missing fields. Field names come from a shared vocabulary
// so that generated triggers and mappings usually point at something that exists.

export const EVENT_NAMES = [
  'Order Completed', 'Order Refunded', 'Product Viewed', 'Product Added', 'Checkout Started',
  'Signed Up', 'Logged In', 'Video Played', 'order completed', 'Ordered', 'Song Played 🎵',
  'Cart Viewed', '', 'Page Viewed', 'Button Clicked',
];

export const PROPERTY_KEYS = [
  'revenue', 'price', 'quantity', 'currency', 'total', 'discount', 'url', 'path', 'title',
  'name', 'email', 'sku', 'category', 'products', 'coupon', 'order_id', 'plan', 'flag', 'x',
  'count', 'tags', 'nested', 'empty', 'zero', 'nil', 'numstr', 'session_id', 'referrer', 'search',
];

export const TRAIT_KEYS = ['email', 'name', 'firstName', 'lastName', 'age', 'plan', 'company', 'address', 'vip', 'phone', 'createdAt'];

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36',
];

const STRINGS = [
  'hello', 'Hello World', '', ' ', '0', '5', '10.5', '-3', 'true', 'null', 'Order', 'order',
  'ß straße', 'héllo wörld', '日本語', 'emoji 🎉🎉', 'a.b', 'a,b', '{{x}}', '$&', 'https://example.com/a?b=c',
  'USD', 'line\nbreak', 'tab\there', 'quote"s', "it's", '*', 'ORDER-123', 'İstanbul', 'sep\u2028arator', 'ctl\u0001\u001f',
  'back\\slash', '<b>&amp;</b>', 'ﬁ ligature', 'Σίσυφος', '  padded  ',
];

function randomScalar(rng) {
  return rng.weighted([
    [5, () => rng.pick(STRINGS)],
    [3, () => rng.int(-5, 200)],
    [2, () => rng.pick([0, 1, 5, 10, 10.5, 99.99, -1, 0.1, 1e21, 1.5e-7, 123456789, 2.5, 0.30000000000000004, 1e-7, 123456789012345680000, 4.35, -0.5, 9007199254740991, 1.7976931348623157e308, 5e-324])],
    [0.5, () => rng.pick([[[1, 2], [3]], [null, 1], [[]], [''], [null], [null, null], [0], [false], { b: 1, 10: 'ten', 2: 'two' }])],
    [2, () => rng.chance(0.5)],
    [1, null],
  ]);
}

function randomValue(rng, depth = 0) {
  if (depth >= 3) return randomScalar(rng);
  return rng.weighted([
    [10, () => randomScalar(rng)],
    [2, () => Array.from({ length: rng.int(0, 3) }, () => randomValue(rng, depth + 1))],
    [2, () => randomObject(rng, depth + 1)],
  ]);
}

function randomObject(rng, depth) {
  const o = {};
  const keys = ['a', 'b', 'c', 'k', 'x', 'y', 'my key', 'length', '0', 'ä'];
  for (let i = rng.int(0, 3); i > 0; i--) o[rng.pick(keys)] = randomValue(rng, depth);
  return o;
}

function product(rng, i) {
  const p = {
    product_id: `p${rng.int(100, 999)}`,
    sku: rng.pick(['A', 'B', 'SKU-1', 'sku 2', '']),
    name: rng.pick(['Shoe', 'Hat', 'Tee 👕', '']),
    price: rng.pick([9.99, 10, 0, 25.5, '12.00', null]),
    quantity: rng.pick([1, 2, 0, 3, '2']),
  };
  if (rng.chance(0.3)) p.category = rng.pick(['Apparel', 'Games', '']);
  if (rng.chance(0.2)) delete p.sku;
  if (rng.chance(0.1)) p.position = i;
  return p;
}

function properties(rng) {
  const props = {};
  if (rng.chance(0.15)) Object.assign(props, rng.pick([{ 'my key': 'spaced' }, { 'a.b': 'dotted', a: { b: 'nested' } }, { its: 'quoteless', "it's": 'quoted' }, { '*': 'star', '-1': 'minus' }, { '$': 'dollar' }]));
  const count = rng.int(0, 9);
  for (const key of rng.sample(PROPERTY_KEYS, count)) {
    props[key] = propertyValue(rng, key);
  }
  return props;
}

function propertyValue(rng, key) {
  switch (key) {
    case 'revenue': case 'price': case 'total': case 'discount':
      return rng.weighted([[6, () => rng.pick([0, 5, 10, 10.5, 11, 19.99, 100, 250.75, -4])], [1, '15'], [1, null], [1, ''], [1, '12.5']]);
    case 'quantity': case 'count':
      return rng.weighted([[6, () => rng.int(0, 5)], [1, '3'], [1, null]]);
    case 'currency': return rng.pick(['USD', 'EUR', 'usd', '', null]);
    case 'url': return rng.pick(['https://shop.example.com/cart', 'http://example.com', 'https://www.example.org/p?q=1', 'ftp://x', '', 'shop.example.com']);
    case 'products': return Array.from({ length: rng.int(0, 3) }, (_, i) => product(rng, i));
    case 'flag': return rng.pick([true, false, 'true', 1, 0, null]);
    case 'x': return randomValue(rng);
    case 'tags': return Array.from({ length: rng.int(0, 3) }, () => rng.pick(['a', 'b', 'sale', '', null, 1]));
    case 'nested': return { a: { b: rng.pick([1, 0, 'deep', null, false, '']), c: [10, { d: 2 }] }, e: null, f: {} };
    case 'empty': return '';
    case 'zero': return 0;
    case 'nil': return null;
    case 'numstr': return rng.pick(['42', '0', '3.14', ' 7 ', '1e3', 'abc']);
    case 'session_id': return rng.pick([1700000000000, '1700000000000', -1]);
    case 'email': return rng.pick(['jane@example.com', 'JOHN@EXAMPLE.COM', '', 'ünï@example.de']);
    default: return randomValue(rng);
  }
}

function traits(rng) {
  const t = {};
  for (const key of rng.sample(TRAIT_KEYS, rng.int(0, 6))) {
    switch (key) {
      case 'email': t.email = rng.pick(['jane@example.com', 'bob@example.org', '', null]); break;
      case 'age': t.age = rng.pick([0, 31, 45, '29', null]); break;
      case 'vip': t.vip = rng.pick([true, false, 'yes']); break;
      case 'address': t.address = { city: rng.pick(['Berlin', 'São Paulo', '']), country: 'DE', postalCode: rng.pick(['10115', 10115]) }; break;
      case 'createdAt': t.createdAt = rng.pick(['2024-01-02T03:04:05.000Z', '2024-01-02', 1704164645000]); break;
      default: t[key] = rng.pick(['Jane', 'Doe', 'Acme Inc', 'pro', 'free', '', 'Ñandú']);
    }
  }
  return t;
}

function context(rng) {
  const ctx = {};
  if (rng.chance(0.9)) ctx.library = rng.pick([{ name: 'analytics.js', version: 'next-1.64.0' }, { name: 'analytics-ios', version: '4.1.8' }, { name: 'analytics-node', version: '2.0.0' }]);
  if (rng.chance(0.7)) {
    const path = rng.pick(['/', '/cart', '/products/shoe', '/search']);
    ctx.page = { path, referrer: rng.pick(['', 'https://google.com/', 'https://news.ycombinator.com/']), search: rng.pick(['', '?q=shoes', '?utm_source=x']), title: rng.pick(['Shop', 'Cart – Shop', '']), url: `https://shop.example.com${path}` };
  }
  if (rng.chance(0.7)) ctx.userAgent = rng.pick(USER_AGENTS);
  if (rng.chance(0.6)) ctx.ip = rng.pick(['8.8.8.8', '2001:db8::1', '203.0.113.7']);
  if (rng.chance(0.6)) ctx.locale = rng.pick(['en-US', 'de-DE', 'pt-BR', 'ja']);
  if (rng.chance(0.4)) ctx.campaign = { name: rng.pick(['spring_sale', 'TPS Innovation Newsletter']), source: rng.pick(['Newsletter', 'google', '']), medium: rng.pick(['email', 'cpc']), term: rng.pick(['tps reports', '']), content: 'image link' };
  if (rng.chance(0.4)) ctx.device = { id: rng.uuid(), manufacturer: rng.pick(['Apple', 'Google', 'samsung']), model: rng.pick(['iPhone15,2', 'Pixel 8', 'SM-G991B']), type: rng.pick(['ios', 'android']), advertisingId: rng.uuid(), adTrackingEnabled: rng.chance(0.5) };
  if (rng.chance(0.4)) ctx.os = { name: rng.pick(['iOS', 'Android', 'Mac OS X']), version: rng.pick(['17.1', '14', '10.15.7']) };
  if (rng.chance(0.3)) ctx.app = { name: 'Shop', version: '3.2.1', build: rng.pick(['321', 321]) };
  if (rng.chance(0.3)) ctx.location = { city: 'Berlin', country: 'Germany', latitude: 52.52, longitude: 13.405 };
  if (rng.chance(0.2)) ctx.timezone = 'Europe/Berlin';
  if (rng.chance(0.1)) ctx.traits = traits(rng);
  return ctx;
}

/** One Segment event. */
export function randomEvent(rng) {
  const type = rng.weighted([[10, 'track'], [3, 'identify'], [3, 'page'], [1, 'screen'], [1, 'group'], [1, 'alias']]);
  const e = { type };
  if (rng.chance(0.95)) e.messageId = `ajs-next-${rng.hex(32)}`;
  if (rng.chance(0.9)) e.timestamp = `2024-0${rng.int(1, 9)}-1${rng.int(0, 9)}T1${rng.int(0, 9)}:3${rng.int(0, 9)}:00.${rng.int(100, 999)}Z`;
  if (rng.chance(0.5)) e.receivedAt = '2024-05-01T12:00:00.123Z';
  if (rng.chance(0.8)) e.anonymousId = rng.pick([rng.uuid(), '', 'anon-1']);
  e.userId = rng.weighted([[6, () => `user-${rng.int(1, 50)}`], [1, null], [1, ''], [2, undefined], [1, 'x'], [1, 'true']]);
  if (e.userId === undefined) delete e.userId;
  if (type === 'track') {
    if (rng.chance(0.97)) e.event = rng.pick(EVENT_NAMES);
    e.properties = properties(rng);
  } else if (type === 'page' || type === 'screen') {
    if (rng.chance(0.7)) e.name = rng.pick(['Home', 'Cart', 'Checkout', '', 'Produkt Übersicht']);
    e.properties = properties(rng);
    if (type === 'page' && rng.chance(0.5)) Object.assign(e.properties, { path: '/cart', url: 'https://shop.example.com/cart', title: 'Cart' });
  } else if (type === 'identify') {
    e.traits = traits(rng);
  } else if (type === 'group') {
    e.groupId = `g${rng.int(1, 9)}`;
    e.traits = { name: rng.pick(['Acme', '']), employees: rng.pick([10, '100', null]), plan: 'enterprise' };
  } else if (type === 'alias') {
    e.previousId = rng.uuid();
  }
  if (rng.chance(0.15) && !e.traits) e.traits = traits(rng);
  if (rng.chance(0.1) && !e.properties) e.properties = properties(rng);
  if (rng.chance(0.92)) e.context = context(rng);
  if (rng.chance(0.5)) {
    e.integrations = rng.pick([
      { All: true },
      { 'Actions Amplitude': { session_id: rng.pick([1700000000000, '1700000000000', -1, null]) } },
      { 'Actions Amplitude': { session_id: 1700000123456 }, 'Google Analytics': false },
      {},
    ]);
  }
  if (rng.chance(0.05)) delete e.type;
  return e;
}
