// The checks every client test makes on what reached the mock Amplitude, whichever client sent the
// messages: each test file drives its own client and names its messages ({key: messageId}); these
// find them on the wire, verify them against test-event (expect.mjs) and compare documented fields.

import assert from 'node:assert/strict';
import { asStored, assertFields, presets, verifyDeliveries } from './expect.mjs';
import { PRESET_ROUTES, PROJECT_KEYS, settings } from './fixtures.mjs';
import { mockQuery, until } from './stack.mjs';

/** The batch item the client put on the wire for each of `ids` ({key: messageId}), with its envelope. */
export function onTheWire(requests, ids) {
  return Object.fromEntries(Object.entries(ids).map(([key, messageId]) => [key, sentMessage(requests, messageId)]));
}

function sentMessage(requests, messageId) {
  for (const request of requests) {
    const item = request.body.batch.find((message) => message.messageId === messageId);
    if (item) return { item, envelope: request.body };
  }
  throw new Error(`the client never sent ${messageId}`);
}

/** PRESET_ROUTES with each preset's mapping, from `ampline presets`. */
export async function presetRoutes() {
  const byName = await presets();
  return Object.fromEntries(
    Object.entries(PRESET_ROUTES).map(([key, name]) => {
      assert.ok(byName.has(name), `ampline presets lists no "${name}"`);
      return [key, byName.get(name)];
    }),
  );
}

/**
 * Verifies at the stack's mock, in `project`, each message of `wire` (see onTheWire) that `routes`
 * ({key: mapping}) names: every item test-event predicts for it as Segment's edge would store it
 * (see verifyDeliveries). Resolves to the mock's records per messageId.
 */
export function verifyRouted(stack, project, wire, routes) {
  return verifyDeliveries(stack.mock, {
    logs: () => stack.logs(),
    project,
    settings: settings(PROJECT_KEYS[project]),
    cases: Object.entries(routes).map(([key, mapping]) => ({
      stored: asStored(wire[key].item, wire[key].envelope),
      sentAt: wire[key].envelope.sentAt,
      mapping,
    })),
  });
}

/**
 * The records of a group call through GROUP_MAPPING: the user joins the group (Identify, with the
 * group as a user property), and the group gets its properties (Group Identify).
 */
export function assertJoinedGroup([association, group], { userId, deviceId, groupId, properties }) {
  assert.equal(association.endpoint, '/identify');
  assertFields(association.item, {
    user_id: userId,
    device_id: deviceId,
    groups: { company: groupId },
    user_properties: { company: groupId },
  });
  assert.equal(group.endpoint, '/groupidentify');
  assertFields(group.item, { group_type: 'company', group_value: groupId, group_properties: properties });
}

/**
 * Waits until the mock holds `count` events of `userId`, then checks they are the numbered tracks
 * the client sent (properties {i, text}, messageId `${messageIdPrefix}${i}`): every i exactly once,
 * the text intact, the insert_id derived from the messageId. Resolves to the events.
 */
export async function assertNumberedEventsOnce(mockUrl, { userId, count, text, messageIdPrefix }) {
  const query = new URLSearchParams({ user_id: userId, limit: 1000 });
  const events = await until(
    async () => {
      const answer = await mockQuery(mockUrl, `/_mock/events?${query}`);
      return answer.count >= count ? answer.items.map((r) => r.item) : undefined;
    },
    { what: `${count} events of ${userId}` },
  );
  assert.equal(events.length, count);
  assert.deepEqual(
    events.map((e) => e.event_properties.i).sort((a, b) => a - b),
    [...Array(count).keys()],
  );
  for (const event of events) {
    assert.equal(event.event_properties.text, text);
    assert.ok(event.insert_id.startsWith(`${messageIdPrefix}${event.event_properties.i}-`), event.insert_id);
  }
  return events;
}
