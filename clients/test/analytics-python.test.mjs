// segment-analytics-python, unmodified, pointed at `ampline serve` (driven by python/send_events.py in
// the venv scripts/setup-clients makes): its events must reach the mock Amplitude as Segment's
// Amplitude (Actions) destination would send them.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertJoinedGroup, assertNumberedEventsOnce, onTheWire, presetRoutes, verifyRouted } from '../lib/checks.mjs';
import { assertFields } from '../lib/expect.mjs';
import { AWKWARD_TEXT, CHROME_MAC_UA, MAPPED_ROUTES, songProperties, stackConfig } from '../lib/fixtures.mjs';
import { CLIENTS_DIR, countAt, projectCounts, startStack } from '../lib/stack.mjs';

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

/** Runs the driver with `plan` and checks the client reported no error; resolves to its report. */
async function sendAllWithPython(plan) {
  const { code, report, stderr } = await sendWithPython(plan);
  assert.equal(code, 0, `the client reported errors: ${JSON.stringify(report.errors)}\n${stderr}`);
  return report;
}

describe(`segment-analytics-python ${PINNED} → ampline serve → Amplitude`, () => {
  const run = randomUUID().slice(0, 8);
  const userId = `py-user-${run}`;
  const anonymousId = `py-anon-${run}`;
  const pageAnonymousId = `py-page-anon-${run}`;
  let stack;

  before(async () => {
    stack = await startStack(stackConfig('python'));
  });
  after(async () => {
    await stack?.stop();
  });

  test('track, Order Completed, identify, page and screen arrive as the presets send them', async (t) => {
    const ids = Object.fromEntries(
      ['track', 'order', 'identify', 'page', 'screen', 'group', 'alias'].map((k) => [k, `py-${k}-${run}`]),
    );
    const report = await sendAllWithPython({
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
            properties: { ...songProperties(), rating: null },
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
    assert.equal(report.version, PINNED);
    assert.ok(
      report.requests.length > 0 && report.requests.every((r) => r.status === 200),
      `ampline answered ${report.requests.map((r) => r.status)}`,
    );
    assert.equal(new URL(report.requests[0].url).pathname, '/v1/batch');

    const wire = onTheWire(report.requests, ids);
    assert.deepEqual(wire.track.item.context.library, { name: LIBRARY, version: PINNED });
    assert.equal(wire.page.item.userId, null);
    const records = await verifyRouted(stack, 'presets', wire, await presetRoutes());

    await t.test('track → Log Event V2', () => {
      const [record] = records.get(ids.track);
      assert.equal(record.endpoint, '/2/httpapi');
      assertFields(record.item, {
        event_type: 'Song Played',
        user_id: userId,
        device_id: anonymousId,
        event_properties: { ...songProperties(), rating: null },
        session_id: 1704164600000,
        library: LIBRARY,
        ip: '127.0.0.1',
        language: 'fr-FR',
        app_version: '4.2.0',
        os_name: 'Mac OS',
      });
      assert.match(record.item.insert_id, new RegExp(`^${ids.track}-[0-9a-f]{8}-0$`));
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
      assert.equal(event.user_id ?? null, null);
      assertFields(event, {
        event_type: 'Viewed Pricing',
        device_id: pageAnonymousId,
        event_properties: { url: 'https://example.com/pricing', path: '/pricing' },
      });
    });

    await t.test('screen → "Viewed {name}", device fields from context', () => {
      const [{ item: event }] = records.get(ids.screen);
      assertFields(event, {
        event_type: 'Viewed Settings',
        device_id: 'py-device-0001',
        platform: 'Android',
        os_name: 'Android',
        os_version: '14',
        device_manufacturer: 'Google',
        device_model: 'Pixel 8',
        event_properties: { tab: 'privacy' },
      });
    });

    await t.test('nothing else reached the project: no preset routes group or alias', async () => {
      const counts = await projectCounts(stack.mock, 'presets');
      assert.deepEqual(counts, { events: 1 + 3 + 1 + 1, identifies: 1, groupidentifies: 0, usermaps: 0 });
    });
  });

  test('group and alias through their mappings, gzipped → Group Identify User and Map User', async (t) => {
    const ids = { group: `py-mgroup-${run}`, alias: `py-malias-${run}` };
    const groupId = `py-acme-${run}`;
    const report = await sendAllWithPython({
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
    assert.equal(report.requests[0].headers['Content-Encoding'], 'gzip');
    const records = await verifyRouted(stack, 'mapped', onTheWire(report.requests, ids), MAPPED_ROUTES);

    await t.test('group: the user joins the group, and the group gets its properties', () => {
      const properties = { name: 'Acme', employees: 42 };
      assertJoinedGroup(records.get(ids.group), { userId, deviceId: anonymousId, groupId, properties });
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
        args: {
          message_id: `py-volume-${run}-${i}`,
          user_id: user,
          event: 'Item Viewed',
          properties: { i, text: AWKWARD_TEXT },
        },
      });
    }
    const report = await sendAllWithPython({
      host: stack.servers.presets,
      write_key: 'python-presets-write-key',
      calls,
    });
    assert.ok(report.requests.length >= 3, `the client sent ${report.requests.length} requests`);

    const events = await assertNumberedEventsOnce(stack.mock, {
      userId: user,
      count: 250,
      text: AWKWARD_TEXT,
      messageIdPrefix: `py-volume-${run}-`,
    });
    for (const event of events) assert.equal(event.library, LIBRARY);
    // Queued and routed in order: the opted-out calls, sent first, were routed before these arrived.
    assert.equal(await countAt(stack.mock, 'events', { user_id: optedOut }), 0);
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
    assert.equal(await countAt(stack.mock, 'events', { user_id: user }), 0);
  });
});
