// @segment/analytics-node, unmodified, pointed at `ampline serve`: its events must reach the mock
// Amplitude as Segment's Amplitude (Actions) destination would send them.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import { assertJoinedGroup, assertNumberedEventsOnce, onTheWire, presetRoutes, verifyRouted } from '../lib/checks.mjs';
import { assertFields } from '../lib/expect.mjs';
import { AWKWARD_TEXT, CHROME_MAC_UA, MAPPED_ROUTES, songProperties, stackConfig } from '../lib/fixtures.mjs';
import { countAt, mockQuery, projectCounts, startStack, until } from '../lib/stack.mjs';

const require = createRequire(import.meta.url);
const CLIENT_VERSION = require('@segment/analytics-node/package.json').version;
const LIBRARY = '@segment/analytics-node';

/** An analytics-node client that records every request it makes and the statuses it gets back. */
function client(host, writeKey, options = {}) {
  const analytics = new Analytics({
    writeKey,
    host,
    flushAt: 50,
    flushInterval: 60_000,
    maxRetries: 1,
    httpRequestTimeout: 10_000,
    ...options,
  });
  const requests = [];
  const responses = [];
  const errors = [];
  analytics.on('http_request', (request) => requests.push({ ...request, body: JSON.parse(request.body) }));
  analytics.on('http_response', (response) => responses.push(response));
  analytics.on('error', (error) => errors.push(error));
  /** Calls `method(params)` and resolves, once delivered or failed, to {err, event}. */
  const call = (method, params) =>
    new Promise((resolve) => analytics[method](params, (err, ctx) => resolve({ err, event: ctx?.event })));
  /** Flushes the client and resolves to the outcome ({err, event}) of each of `calls`. */
  const flushed = async (calls) => {
    await analytics.closeAndFlush({ timeout: 20_000 });
    return Promise.all(calls);
  };
  return { requests, responses, errors, call, flushed };
}

function assertDelivered(outcomes) {
  for (const { err } of outcomes) assert.equal(err, undefined, `delivery to ampline failed: ${err}`);
}

describe(`${LIBRARY} ${CLIENT_VERSION} → ampline serve → Amplitude`, () => {
  const run = randomUUID().slice(0, 8);
  const userId = `node-user-${run}`;
  const anonymousId = `node-anon-${run}`;
  const pageAnonymousId = `node-page-anon-${run}`;
  let stack;

  before(async () => {
    stack = await startStack(stackConfig('node'));
  });
  after(async () => {
    await stack?.stop();
  });

  test('the client is the pinned release', () => {
    assert.equal(CLIENT_VERSION, '3.1.0');
  });

  test('track, Order Completed, identify, page and screen arrive as the presets send them', async (t) => {
    const { requests, responses, errors, call, flushed } = client(stack.servers.presets, 'node-presets-write-key');
    const ids = Object.fromEntries(
      ['track', 'order', 'identify', 'page', 'screen', 'group', 'alias'].map((k) => [k, `node-${k}-${run}`]),
    );
    const calls = [
      call('track', {
        messageId: ids.track,
        userId,
        anonymousId,
        event: 'Song Played',
        properties: songProperties(),
        context: {
          userAgent: CHROME_MAC_UA,
          locale: 'en-GB',
          app: { version: '4.2.0' },
          location: { country: 'France', city: 'Lyon' },
        },
        integrations: { 'Actions Amplitude': { session_id: 1704164600000 } },
        timestamp: new Date('2024-01-02T03:04:05.678Z'),
      }),
      call('track', {
        messageId: ids.order,
        userId,
        event: 'Order Completed',
        properties: {
          order_id: 'order-0042',
          revenue: 42.5,
          currency: 'EUR',
          products: [
            { productId: 'sku-00001', name: 'Mug', price: 20, quantity: 1 },
            { productId: 'sku-00002', name: 'Tea', price: 11.25, quantity: 2 },
          ],
        },
        timestamp: '2024-01-02T03:05:00.000Z',
      }),
      call('identify', {
        messageId: ids.identify,
        userId,
        anonymousId,
        traits: { email: 'ada@example.com', plan: 'pro', logins: 3 },
        context: { campaign: { source: 'newsletter', medium: 'email', name: 'winter' } },
        timestamp: '2024-01-02T03:06:00.000Z',
      }),
      call('page', {
        messageId: ids.page,
        anonymousId: pageAnonymousId,
        category: 'Docs',
        name: 'Pricing',
        properties: { url: 'https://example.com/pricing', path: '/pricing', title: 'Pricing' },
        timestamp: '2024-01-02T03:07:00.000Z',
      }),
      call('screen', {
        messageId: ids.screen,
        userId,
        name: 'Settings',
        properties: { tab: 'privacy' },
        context: {
          device: { id: 'node-device-0001', type: 'ios', manufacturer: 'Apple', model: 'iPhone15,2' },
          os: { name: 'iOS', version: '17.2' },
        },
        timestamp: '2024-01-02T03:08:00.000Z',
      }),
      // No preset routes group or alias: accepted, and nothing reaches Amplitude.
      call('group', {
        messageId: ids.group,
        userId,
        groupId: 'node-acme-0001',
        traits: { name: 'Acme' },
        timestamp: '2024-01-02T03:09:00.000Z',
      }),
      call('alias', { messageId: ids.alias, userId, previousId: anonymousId, timestamp: '2024-01-02T03:10:00.000Z' }),
    ];
    assertDelivered(await flushed(calls));
    assert.deepEqual(errors, []);
    assert.ok(
      responses.length > 0 && responses.every((r) => r.status === 200),
      `ampline answered ${responses.map((r) => r.status)}`,
    );

    // What the client sent: its own library, our messageIds, Basic auth with the write key.
    assert.equal(new URL(requests[0].url).pathname, '/v1/batch');
    assert.equal(
      requests[0].headers.Authorization ?? requests[0].headers.authorization,
      `Basic ${Buffer.from('node-presets-write-key:').toString('base64')}`,
    );
    const wire = onTheWire(requests, ids);
    assert.deepEqual(wire.track.item.context.library, { name: LIBRARY, version: CLIENT_VERSION });
    const records = await verifyRouted(stack, 'presets', wire, await presetRoutes());

    await t.test('track → Log Event V2', () => {
      const [record] = records.get(ids.track);
      assert.equal(record.endpoint, '/2/httpapi');
      assertFields(record.item, {
        event_type: 'Song Played',
        user_id: userId,
        device_id: anonymousId,
        event_properties: songProperties(),
        session_id: 1704164600000,
        library: LIBRARY,
        ip: '127.0.0.1',
        language: 'en-GB',
        app_version: '4.2.0',
        country: 'France',
        city: 'Lyon',
        os_name: 'Mac OS', // parsed from context.userAgent
      });
      assert.match(record.item.insert_id, new RegExp(`^${ids.track}-[0-9a-f]{8}-0$`));
    });

    await t.test('Order Completed → Log Purchase: the order and one Product Purchased per product', () => {
      const events = records.get(ids.order).map((r) => r.item);
      assert.deepEqual(
        events.map((e) => e.event_type),
        ['Order Completed', 'Product Purchased', 'Product Purchased'],
      );
      const [order, first, second] = events;
      assert.equal(order.revenue, 42.5);
      assert.equal(order.user_id, userId);
      assert.equal(order.event_properties.order_id, 'order-0042');
      assert.equal(order.revenueType, 'Purchase');
      assert.deepEqual(
        order.event_properties.products.map((p) => p.productId),
        ['sku-00001', 'sku-00002'],
      );
      // Without trackRevenuePerProduct the product events carry the product as event properties.
      assert.deepEqual(first.event_properties, { price: 20, quantity: 1, productId: 'sku-00001' });
      assert.deepEqual(second.event_properties, { price: 11.25, quantity: 2, productId: 'sku-00002' });
      assert.equal(new Set(events.map((e) => e.insert_id)).size, 3, 'each item has its own insert_id');
      for (const event of events) assert.ok(event.insert_id.startsWith(`${ids.order}-`));
    });

    await t.test('identify → Identify User with the traits as user properties', () => {
      const [record] = records.get(ids.identify);
      assert.equal(record.endpoint, '/identify');
      assertFields(record.item, {
        user_id: userId,
        device_id: anonymousId,
        library: 'segment',
        // The traits as they are (Amplitude sets them), the campaign as $set and first-touch $setOnce.
        user_properties: {
          email: 'ada@example.com',
          plan: 'pro',
          logins: 3,
          $set: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'winter' },
          $setOnce: { initial_utm_source: 'newsletter', initial_utm_medium: 'email', initial_utm_campaign: 'winter' },
        },
      });
    });

    await t.test('page → "Viewed {name}", anonymous', () => {
      const [{ item: event }] = records.get(ids.page);
      assertFields(event, {
        event_type: 'Viewed Pricing',
        user_id: undefined,
        device_id: pageAnonymousId,
        // analytics-node itself copies the category into the page's properties.
        event_properties: { url: 'https://example.com/pricing', path: '/pricing', title: 'Pricing', category: 'Docs' },
        library: LIBRARY,
      });
    });

    await t.test('screen → "Viewed {name}", device fields from context', () => {
      const [{ item: event }] = records.get(ids.screen);
      assertFields(event, {
        event_type: 'Viewed Settings',
        user_id: userId,
        device_id: 'node-device-0001', // context.device.id wins over anonymousId
        platform: 'iOS', // the destination normalises the device type
        os_name: 'iOS',
        os_version: '17.2',
        device_manufacturer: 'Apple',
        device_model: 'iPhone15,2',
        event_properties: { tab: 'privacy' },
      });
    });

    await t.test('nothing else reached the project: no preset routes group or alias', async () => {
      const counts = await projectCounts(stack.mock, 'presets');
      assert.deepEqual(counts, { events: 1 + 3 + 1 + 1, identifies: 1, groupidentifies: 0, usermaps: 0 });
    });
  });

  test('group and alias through their mappings → Group Identify User and Map User', async (t) => {
    const { requests, call, flushed } = client(stack.servers.mapped, 'node-mapped-write-key');
    const ids = { group: `node-mgroup-${run}`, alias: `node-malias-${run}` };
    const groupId = `node-acme-${run}`;
    const calls = [
      call('group', {
        messageId: ids.group,
        userId,
        anonymousId,
        groupId,
        traits: { name: 'Acme', employees: 42, plan: 'enterprise' },
        timestamp: '2024-01-03T10:00:00.000Z',
      }),
      call('alias', {
        messageId: ids.alias,
        userId,
        previousId: `node-prev-${run}`,
        timestamp: '2024-01-03T10:01:00.000Z',
      }),
    ];
    assertDelivered(await flushed(calls));
    const records = await verifyRouted(stack, 'mapped', onTheWire(requests, ids), MAPPED_ROUTES);

    await t.test('group: the user joins the group, and the group gets its properties', () => {
      const properties = { name: 'Acme', employees: 42, plan: 'enterprise' };
      assertJoinedGroup(records.get(ids.group), { userId, deviceId: anonymousId, groupId, properties });
    });

    await t.test('alias: previousId is mapped to userId', () => {
      const [mapping] = records.get(ids.alias);
      assert.equal(mapping.endpoint, '/usermap');
      assert.deepEqual(mapping.item, { user_id: `node-prev-${run}`, global_user_id: userId });
    });
  });

  test("120 events in the client's own batches of 15: each arrives once, text intact, opted-out ones not at all", async () => {
    const { requests, call, flushed } = client(stack.servers.presets, 'node-presets-write-key', { flushAt: 15 });
    const user = `node-volume-${run}`;
    const optedOut = `node-optout-${run}`;
    const calls = [
      // Disabled for this destination under either of its names: routed to nothing.
      call('track', { userId: optedOut, event: 'Opted Out', integrations: { 'Actions Amplitude': false } }),
      call('track', { userId: optedOut, event: 'Opted Out', integrations: { All: false } }),
    ];
    for (let i = 0; i < 120; i++) {
      calls.push(
        call('track', {
          messageId: `node-volume-${run}-${i}`,
          userId: user,
          event: 'Item Viewed',
          properties: { i, text: AWKWARD_TEXT },
        }),
      );
    }
    assertDelivered(await flushed(calls));
    assert.ok(requests.length >= 3, `the client sent ${requests.length} requests`);

    await assertNumberedEventsOnce(stack.mock, {
      userId: user,
      count: 120,
      text: AWKWARD_TEXT,
      messageIdPrefix: `node-volume-${run}-`,
    });
    // Queued and routed in order: the opted-out calls, sent first, were routed before these arrived.
    assert.equal(await countAt(stack.mock, 'events', { user_id: optedOut }), 0);
  });

  test('a message sent twice (same messageId) counts once: both copies carry the same insert_id', async () => {
    const user = `node-resent-${run}`;
    const message = {
      messageId: `node-resent-${run}`,
      userId: user,
      event: 'Song Played',
      timestamp: '2024-01-05T00:00:00.000Z',
    };
    for (let copy = 0; copy < 2; copy++) {
      // Two separate requests, as a client retry would make.
      const { call, flushed } = client(stack.servers.presets, 'node-presets-write-key');
      assertDelivered(await flushed([call('track', message)]));
    }
    const second = await until(
      async () => {
        const log = await mockQuery(stack.mock, '/_mock/requests?path=/2/httpapi');
        return log.items.find((r) => r.duplicates > 0);
      },
      { what: 'the second copy to reach the mock as a duplicate' },
    );
    assert.equal(second.status, 200);
    const events = await mockQuery(stack.mock, `/_mock/events?user_id=${user}`);
    assert.equal(events.count, 1);
    assert.ok(events.items[0].item.insert_id.startsWith(`${message.messageId}-`));
  });

  test('an event over 32 KB that the client lets through is dropped alone; its batch is delivered', async () => {
    // analytics-node 3.1.0 sizes events with encodeURI(json).split(/%..|i/), which counts only
    // escaped bytes and the letter "i": a 40 KB ASCII event passes its check and is sent.
    const { responses, call, flushed } = client(stack.servers.presets, 'node-presets-write-key');
    const big = `node-big-${run}`;
    const small = `node-small-${run}`;
    const calls = [
      call('track', { userId: big, event: 'Too Big', properties: { blob: 'x'.repeat(40 * 1024) } }),
      call('track', { userId: small, event: 'Fits', properties: { n: 1 } }),
    ];
    for (const { err } of await flushed(calls)) assert.equal(err, undefined, 'the client counts both as delivered');
    assert.deepEqual(
      responses.map((r) => r.status),
      [200],
    );
    // (The client's http_response event carries its own request body, not ampline's answer, so the
    // rejected index is not visible here; ampline's ingest tests cover the answer.)

    await until(async () => ((await countAt(stack.mock, 'events', { user_id: small })) === 1 ? true : undefined), {
      what: `the event of ${small}`,
    });
    // Refused at ingest, so it was never queued: nothing can arrive later.
    assert.equal(await countAt(stack.mock, 'events', { user_id: big }), 0);
  });

  test('an unknown write key is refused, and the client reports the failure', async () => {
    const { responses, call, flushed } = client(stack.servers.presets, 'node-not-a-configured-key');
    const user = `node-refused-${run}`;
    const [{ err }] = await flushed([
      call('track', { userId: user, event: 'Should Not Arrive', timestamp: '2024-01-04T00:00:00.000Z' }),
    ]);
    assert.ok(err, 'the callback reports a failed delivery');
    assert.deepEqual(
      responses.map((r) => r.status),
      [401],
    );
    assert.equal(await countAt(stack.mock, 'events', { user_id: user }), 0);
  });

  test('a destination key Amplitude does not know: the mock refuses it and stores nothing', async () => {
    const { call, flushed } = client(stack.servers.unknownkey, 'node-unknownkey-write-key');
    const user = `node-unknownkey-${run}`;
    const [{ err }] = await flushed([
      call('track', { userId: user, event: 'Song Played', timestamp: '2024-01-04T00:00:00.000Z' }),
    ]);
    assert.equal(err, undefined, 'ampline accepted the event (it is durable before Amplitude answers)');
    const refused = await until(
      async () => {
        const log = await mockQuery(stack.mock, '/_mock/requests?path=/2/httpapi&status=400');
        return log.items?.find((r) => /api key/i.test(JSON.stringify(r.error ?? ''))) ?? undefined;
      },
      { what: 'the mock to refuse the unknown API key' },
    );
    assert.equal(refused.status, 400);
    assert.equal(await countAt(stack.mock, 'events', { user_id: user }), 0);
  });
});
