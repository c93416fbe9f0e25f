// segment-analytics-python, unmodified, pointed at `ampline serve` (driven by python/send_events.py in
// the venv scripts/setup-clients makes): its events must reach the mock Amplitude as Segment's
// Amplitude (Actions) destination would send them.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asStored, presets, verifyDeliveries } from '../lib/expect.mjs';
import {
  ALIAS_MAPPING,
  CHROME_MAC_UA,
  GROUP_MAPPING,
  MAPPED_KEY,
  PRESETS_KEY,
  settings,
  stackConfig,
} from '../lib/fixtures.mjs';
import { CLIENTS_DIR, mockQuery, startStack, until } from '../lib/stack.mjs';

const PYTHON = process.env.AMPLINE_CLIENTS_PYTHON || path.join(CLIENTS_DIR, 'python', '.venv', 'bin', 'python');
const DRIVER = path.join(CLIENTS_DIR, 'python', 'send_events.py');
const PINNED = /^segment-analytics-python==(\S+)$/m.exec(
  readFileSync(path.join(CLIENTS_DIR, 'python', 'requirements.txt'), 'utf8'),
)?.[1];
const LIBRARY = 'analytics-python';

/** Runs the driver with `plan`; resolves to {code, report, stderr}. */
function sendWithPython(plan) {
  if (!existsSync(PYTHON)) {
    throw new Error(`no Python venv at ${PYTHON}: run scripts/setup-clients (or set AMPLINE_CLIENTS_PYTHON)`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let report;
      try {
        report = JSON.parse(out);
      } catch {
        return reject(new Error(`the Python driver printed no report (exit ${code ?? signal}):\n${out}\n${err}`));
      }
      resolve({ code, report, stderr: err });
    });
    child.stdin.end(JSON.stringify(plan));
  });
}

function onTheWire(report, messageId) {
  for (const request of report.requests) {
    const item = request.body.batch.find((message) => message.messageId === messageId);
    if (item) return { item, envelope: request.body };
  }
  throw new Error(`the client never sent ${messageId}`);
}

describe(`segment-analytics-python ${PINNED} → ampline serve → Amplitude`, () => {
  const run = randomUUID().slice(0, 8);
  const userId = `py-user-${run}`;
  const anonymousId = `py-anon-${run}`;
  const pageAnonymousId = `py-page-anon-${run}`;
  let stack;
  let presetMappings;

  before(async () => {
    stack = await startStack(stackConfig('python'));
    presetMappings = await presets();
  });
  after(async () => {
    await stack?.stop();
  });

  test('track, Order Completed, identify, page and screen arrive as the presets send them', async (t) => {
    const ids = Object.fromEntries(
      ['track', 'order', 'identify', 'page', 'screen', 'group', 'alias'].map((k) => [k, `py-${k}-${run}`]),
    );
    const { code, report, stderr } = await sendWithPython({
      host: stack.servers.presets,
      write_key: 'python-presets-write-key',
      calls: [
        {
          method: 'track',
          args: {
            message_id: ids.track,
            user_id: userId,
            anonymous_id: anonymousId,
            event: 'Song Played',
            properties: {
              title: 'Blue in Green',
              duration_ms: 337000,
              tags: ['jazz', 'modal'],
              album: { name: 'Kind of Blue', year: 1959 },
              explicit: false,
              rating: null,
            },
            context: { userAgent: CHROME_MAC_UA, locale: 'fr-FR', app: { version: '4.2.0' } },
            integrations: { 'Actions Amplitude': { session_id: 1704164600000 } },
            timestamp: '2024-01-02T03:04:05.678+00:00',
          },
        },
        {
          method: 'track',
          args: {
            message_id: ids.order,
            user_id: userId,
            event: 'Order Completed',
            properties: {
              order_id: 'order-0042',
              revenue: 42.5,
              products: [
                { productId: 'sku-00001', price: 20, quantity: 1 },
                { productId: 'sku-00002', price: 11.25, quantity: 2 },
              ],
            },
            timestamp: '2024-01-02T04:05:00.250+01:00', // an offset other than UTC
          },
        },
        {
          method: 'identify',
          args: {
            message_id: ids.identify,
            user_id: userId,
            anonymous_id: anonymousId,
            traits: { email: 'ada@example.com', plan: 'pro', logins: 3 },
            timestamp: '2024-01-02T03:06:00Z',
          },
        },
        {
          // Python sends "userId": null for an anonymous call.
          method: 'page',
          args: {
            message_id: ids.page,
            anonymous_id: pageAnonymousId,
            category: 'Docs',
            name: 'Pricing',
            properties: { url: 'https://example.com/pricing', path: '/pricing' },
            timestamp: '2024-01-02T03:07:00Z',
          },
        },
        {
          method: 'screen',
          args: {
            message_id: ids.screen,
            user_id: userId,
            name: 'Settings',
            properties: { tab: 'privacy' },
            context: {
              device: { id: 'py-device-0001', type: 'android', manufacturer: 'Google', model: 'Pixel 8' },
              os: { name: 'Android', version: '14' },
            },
            timestamp: '2024-01-02T03:08:00Z',
          },
        },
        // No preset routes group or alias: accepted, and nothing reaches Amplitude.
        {
          method: 'group',
          args: {
            message_id: ids.group,
            user_id: userId,
            group_id: 'py-acme-0001',
            traits: { name: 'Acme' },
            timestamp: '2024-01-02T03:09:00Z',
          },
        },
        {
          method: 'alias',
          args: { message_id: ids.alias, user_id: userId, previous_id: anonymousId, timestamp: '2024-01-02T03:10:00Z' },
        },
      ],
    });
    assert.equal(code, 0, `the client reported errors: ${JSON.stringify(report.errors)}\n${stderr}`);
    assert.equal(report.version, PINNED);
    assert.ok(
      report.requests.length > 0 && report.requests.every((r) => r.status === 200),
      `ampline answered ${report.requests.map((r) => r.status)}`,
    );
    assert.equal(new URL(report.requests[0].url).pathname, '/v1/batch');

    const wire = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, onTheWire(report, id)]));
    assert.deepEqual(wire.track.item.context.library, { name: LIBRARY, version: PINNED });
    assert.equal(wire.page.item.userId, null);

    const cases = [
      ['track', 'Track Calls'],
      ['order', 'Order Completed Calls'],
      ['identify', 'Identify Calls'],
      ['page', 'Page Calls'],
      ['screen', 'Screen Calls'],
    ].map(([key, name]) => ({
      stored: asStored(wire[key].item, wire[key].envelope),
      sentAt: wire[key].envelope.sentAt,
      mapping: presetMappings.get(name),
    }));
    const records = await verifyDeliveries(stack.mock, {
      logs: () => stack.logs(),
      project: 'presets',
      settings: settings(PRESETS_KEY),
      cases,
    });

    await t.test('track → Log Event V2', () => {
      const [record] = records.get(ids.track);
      const event = record.item;
      assert.equal(record.endpoint, '/2/httpapi');
      assert.equal(event.event_type, 'Song Played');
      assert.equal(event.user_id, userId);
      assert.equal(event.device_id, anonymousId);
      assert.deepEqual(event.event_properties, {
        title: 'Blue in Green',
        duration_ms: 337000,
        tags: ['jazz', 'modal'],
        album: { name: 'Kind of Blue', year: 1959 },
        explicit: false,
        rating: null,
      });
      assert.equal(event.session_id, 1704164600000);
      assert.equal(event.library, LIBRARY);
      assert.equal(event.ip, '127.0.0.1');
      assert.equal(event.language, 'fr-FR');
      assert.equal(event.app_version, '4.2.0');
      assert.equal(event.os_name, 'Mac OS');
      assert.match(event.insert_id, new RegExp(`^${ids.track}-[0-9a-f]{8}-0$`));
    });

    await t.test('Order Completed → Log Purchase: the order and one Product Purchased per product', () => {
      const events = records.get(ids.order).map((r) => r.item);
      assert.deepEqual(
        events.map((e) => e.event_type),
        ['Order Completed', 'Product Purchased', 'Product Purchased'],
      );
      assert.equal(events[0].revenue, 42.5);
      assert.equal(events[0].revenueType, 'Purchase');
      assert.deepEqual(events[1].event_properties, { price: 20, quantity: 1, productId: 'sku-00001' });
      assert.deepEqual(events[2].event_properties, { price: 11.25, quantity: 2, productId: 'sku-00002' });
      assert.equal(new Set(events.map((e) => e.insert_id)).size, 3);
    });

    await t.test('identify → Identify User with the traits as user properties', () => {
      const [record] = records.get(ids.identify);
      assert.equal(record.endpoint, '/identify');
      assert.deepEqual(record.item, {
        user_id: userId,
        device_id: anonymousId,
        user_properties: { email: 'ada@example.com', plan: 'pro', logins: 3 },
        library: 'segment',
      });
    });

    await t.test('page → "Viewed {name}": the null userId is no user', () => {
      const [{ item: event }] = records.get(ids.page);
      assert.equal(event.event_type, 'Viewed Pricing');
      assert.equal(event.user_id ?? null, null);
      assert.equal(event.device_id, pageAnonymousId);
      assert.deepEqual(event.event_properties, { url: 'https://example.com/pricing', path: '/pricing' });
    });

    await t.test('screen → "Viewed {name}", device fields from context', () => {
      const [{ item: event }] = records.get(ids.screen);
      assert.equal(event.event_type, 'Viewed Settings');
      assert.equal(event.device_id, 'py-device-0001');
      assert.equal(event.platform, 'Android');
      assert.equal(event.os_name, 'Android');
      assert.equal(event.os_version, '14');
      assert.equal(event.device_manufacturer, 'Google');
      assert.equal(event.device_model, 'Pixel 8');
      assert.deepEqual(event.event_properties, { tab: 'privacy' });
    });

    await t.test('nothing else reached the project: no preset routes group or alias', async () => {
      assert.equal((await mockQuery(stack.mock, '/_mock/events?project=presets')).count, 1 + 3 + 1 + 1);
      assert.equal((await mockQuery(stack.mock, '/_mock/identifies?project=presets')).count, 1);
      for (const kind of ['groupidentifies', 'usermaps']) {
        assert.equal((await mockQuery(stack.mock, `/_mock/${kind}?project=presets`)).count, 0, kind);
      }
    });
  });

  test('group and alias through their mappings, gzipped → Group Identify User and Map User', async (t) => {
    const ids = { group: `py-mgroup-${run}`, alias: `py-malias-${run}` };
    const groupId = `py-acme-${run}`;
    const { code, report, stderr } = await sendWithPython({
      host: stack.servers.mapped,
      write_key: 'python-mapped-write-key',
      gzip: true,
      calls: [
        {
          method: 'group',
          args: {
            message_id: ids.group,
            user_id: userId,
            anonymous_id: anonymousId,
            group_id: groupId,
            traits: { name: 'Acme', employees: 42 },
            timestamp: '2024-01-03T10:00:00Z',
          },
        },
        {
          method: 'alias',
          args: {
            message_id: ids.alias,
            user_id: userId,
            previous_id: `py-prev-${run}`,
            timestamp: '2024-01-03T10:01:00Z',
          },
        },
      ],
    });
    assert.equal(code, 0, `the client reported errors: ${JSON.stringify(report.errors)}\n${stderr}`);
    assert.equal(report.requests[0].headers['Content-Encoding'], 'gzip');

    const wire = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, onTheWire(report, id)]));
    const records = await verifyDeliveries(stack.mock, {
      logs: () => stack.logs(),
      project: 'mapped',
      settings: settings(MAPPED_KEY),
      cases: [
        {
          stored: asStored(wire.group.item, wire.group.envelope),
          sentAt: wire.group.envelope.sentAt,
          mapping: GROUP_MAPPING,
        },
        {
          stored: asStored(wire.alias.item, wire.alias.envelope),
          sentAt: wire.alias.envelope.sentAt,
          mapping: ALIAS_MAPPING,
        },
      ],
    });

    await t.test('group: the user joins the group, and the group gets its properties', () => {
      const [association, group] = records.get(ids.group);
      assert.equal(association.endpoint, '/identify');
      assert.equal(association.item.user_id, userId);
      assert.deepEqual(association.item.groups, { company: groupId });
      assert.equal(group.endpoint, '/groupidentify');
      assert.deepEqual(group.item.group_properties, { name: 'Acme', employees: 42 });
    });

    await t.test('alias: previousId is mapped to userId', () => {
      const [mapping] = records.get(ids.alias);
      assert.equal(mapping.endpoint, '/usermap');
      assert.deepEqual(mapping.item, { user_id: `py-prev-${run}`, global_user_id: userId });
    });
  });

  test("250 events in the client's own batches of 100: each arrives once, text intact, opted-out ones not at all", async () => {
    const user = `py-volume-${run}`;
    const optedOut = `py-optout-${run}`;
    const text = 'café ☕ 🎵 «ü» \u2028 "quoted" \\ end';
    const calls = [
      {
        method: 'track',
        args: { user_id: optedOut, event: 'Opted Out', integrations: { 'Amplitude (Actions)': false } },
      },
      { method: 'track', args: { user_id: optedOut, event: 'Opted Out', integrations: { All: false } } },
    ];
    for (let i = 0; i < 250; i++) {
      calls.push({
        method: 'track',
        args: { message_id: `py-volume-${run}-${i}`, user_id: user, event: 'Item Viewed', properties: { i, text } },
      });
    }
    const { code, report, stderr } = await sendWithPython({
      host: stack.servers.presets,
      write_key: 'python-presets-write-key',
      calls,
    });
    assert.equal(code, 0, `the client reported errors: ${JSON.stringify(report.errors)}\n${stderr}`);
    assert.ok(report.requests.length >= 3, `the client sent ${report.requests.length} requests`);

    const items = await until(
      async () => {
        const answer = await mockQuery(stack.mock, `/_mock/events?user_id=${user}&limit=1000`);
        return answer.count >= 250 ? answer.items.map((r) => r.item) : undefined;
      },
      { what: `250 events of ${user}` },
    );
    assert.equal(items.length, 250);
    assert.deepEqual(
      items.map((e) => e.event_properties.i).sort((a, b) => a - b),
      [...Array(250).keys()],
    );
    for (const event of items) {
      assert.equal(event.event_properties.text, text);
      assert.equal(event.library, LIBRARY);
      assert.ok(event.insert_id.startsWith(`py-volume-${run}-${event.event_properties.i}-`), event.insert_id);
    }
    // Queued and routed in order: the opted-out calls, sent first, were routed before these arrived.
    assert.equal((await mockQuery(stack.mock, `/_mock/events?user_id=${optedOut}`)).count, 0);
  });

  test('an unknown write key is refused, and the client reports the failure', async () => {
    const user = `py-refused-${run}`;
    const { code, report } = await sendWithPython({
      host: stack.servers.presets,
      write_key: 'python-not-a-configured-key',
      calls: [{ method: 'track', args: { user_id: user, event: 'Should Not Arrive' } }],
    });
    assert.equal(code, 1);
    assert.deepEqual(
      report.requests.map((r) => r.status),
      [401],
    );
    assert.equal(report.errors.length, 1);
    assert.equal((await mockQuery(stack.mock, `/_mock/events?user_id=${user}`)).count, 0);
  });
});
