// What the mock Amplitude should hold for a message a client sent, and the check that it does.
//
// Two independent sources of truth are used by the tests:
// - hand-written expectations in each test file (event_type, IDs, properties, time, library, …),
//   from Segment's documented Amplitude (Actions) presets;
// - `ampline test-event` on the message as Segment's edge would have stored it, with the preset's
//   mapping from `ampline presets`: the whole Amplitude item must match (test-event is itself checked
//   against Segment's @segment/action-destinations in conformance/), so no field is left unchecked.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { amplineBin, mockQuery, until } from './stack.mjs';

/** Runs `ampline ARGS --ndjson`, one JSON line in and out per input. */
export function runNdjson(args, inputs) {
  return new Promise((resolve, reject) => {
    const child = spawn(amplineBin(), [...args, '--ndjson'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ampline ${args.join(' ')} exited ${code}: ${err}`));
      const lines = out.split('\n').filter((line) => line.trim() !== '');
      if (lines.length !== inputs.length) {
        return reject(new Error(`ampline ${args.join(' ')}: ${inputs.length} inputs, ${lines.length} outputs: ${err}`));
      }
      resolve(lines.map((line) => JSON.parse(line)));
    });
    child.stdin.end(inputs.map((input) => JSON.stringify(input)).join('\n') + '\n');
  });
}

/** The presets by name: `{action, trigger, mapping}` from `ampline presets`. */
export async function presets() {
  const text = await new Promise((resolve, reject) => {
    const child = spawn(amplineBin(), ['presets'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ampline presets exited ${code}`))));
  });
  return new Map(JSON.parse(text).mappings.map((m) => [m.name, m]));
}

/**
 * The message as Segment's edge stores it (shared/docs/segment-sources.md §1.6): the batch
 * envelope's context and integrations merged in, `writeKey` removed, `context.ip` from the
 * connection. Timestamps are left as the client wrote them: `time` is checked on its own.
 */
export function asStored(message, envelope = {}, clientIp = '127.0.0.1') {
  const stored = structuredClone(message);
  delete stored.writeKey;
  for (const field of ['context', 'integrations']) {
    const outer = envelope[field];
    if (outer && typeof outer === 'object' && Object.keys(outer).length > 0) {
      stored[field] = { ...outer, ...(stored[field] ?? {}) };
    }
  }
  if (stored.context === undefined || stored.context === null) stored.context = {};
  if (stored.context.ip === undefined || stored.context.ip === null) stored.context.ip = clientIp;
  return stored;
}

const KIND_OF_PATH = {
  '/2/httpapi': 'events',
  '/batch': 'events',
  '/identify': 'identifies',
  '/groupidentify': 'groupidentifies',
  '/usermap': 'usermaps',
};

/**
 * What `ampline test-event` says each (message, mapping) causes: per case, a list of
 * `{kind, path, item}` with `kind` the mock's record kind (`events`, `identifies`, …).
 */
export async function expectedDeliveries(cases, settings) {
  const outputs = await runNdjson(
    ['test-event'],
    cases.map(({ message, mapping }) => ({
      action: mapping.action,
      event: message,
      mapping: mapping.mapping ?? null,
      settings,
    })),
  );
  return outputs.map((output, index) => {
    if (output.error) {
      throw new Error(
        `test-event refused case ${index} (${cases[index].mapping.name}): ${JSON.stringify(output.error)}`,
      );
    }
    const deliveries = [];
    for (const request of output.requests) {
      const path = new URL(request.url).pathname;
      const kind = KIND_OF_PATH[path];
      assert.ok(kind, `unexpected Amplitude path ${path}`);
      let items;
      if (request.content_type === 'application/json') {
        items = request.body.events;
      } else {
        const field = Object.keys(request.body).find((name) => name !== 'api_key' && name !== 'options');
        const parsed = JSON.parse(request.body[field]);
        items = Array.isArray(parsed) ? parsed : [parsed];
      }
      for (const item of items) deliveries.push({ kind, path, item });
    }
    return deliveries;
  });
}

/** Epoch milliseconds of a client timestamp (ISO-8601 text or a Date). */
export function epochMs(timestamp) {
  const ms = new Date(timestamp).getTime();
  assert.ok(Number.isFinite(ms), `unreadable timestamp ${timestamp}`);
  return ms;
}

/**
 * Segment's edge corrects the client's clock skew: time = receivedAt - (sentAt - timestamp). Client
 * and server share this machine's clock, so receivedAt lies between sentAt and now: the event time
 * is the client's timestamp moved forward by at most the time the request took.
 */
export function assertTimeFromClient(actual, timestamp, sentAt, what) {
  const client = epochMs(timestamp);
  const latest = client + (Date.now() - epochMs(sentAt)) + 1_000;
  assert.equal(typeof actual, 'number', `${what}: time is a number`);
  assert.ok(
    actual >= client - 1_000 && actual <= latest,
    `${what}: time ${actual} (${new Date(actual).toISOString()}) is not the client's timestamp ${new Date(client).toISOString()} corrected by the request's latency (at most ${latest - client} ms)`,
  );
}

/** Checks the fields of `actual` that `expected` names (a missing one reads `undefined`), in one diff. */
export function assertFields(actual, expected, message) {
  const named = Object.fromEntries(Object.keys(expected).map((key) => [key, actual[key]]));
  assert.deepEqual(named, expected, message);
}

/** The fields compared whole: everything except the ones checked on their own. */
function comparable(item, { dropInsertId }) {
  const copy = { ...item };
  delete copy.time;
  if (dropInsertId) delete copy.insert_id;
  return copy;
}

/** The query that finds a delivery's records at the mock. */
function lookupFilter(kind, item) {
  if (kind === 'groupidentifies') return { group_value: item.group_value };
  if (item.user_id !== undefined && item.user_id !== null) return { user_id: item.user_id };
  if (item.device_id !== undefined && item.device_id !== null) return { device_id: item.device_id };
  throw new Error(`no ID to look up ${JSON.stringify(item)}`);
}

/**
 * Waits (up to `ms`) until the mock holds the item test-event predicts for `message`, in `project`,
 * and checks it: equal except `time` (from the client's timestamp, see above) and, for events,
 * the `insert_id` ampline derives from the messageId when the mapping sets none. Returns the
 * mock's record.
 */
export async function waitForDelivery(mockUrl, { project, message, sentAt, delivery, ms = 20_000 }) {
  const { kind, item: expected } = delivery;
  const derivesInsertId = kind === 'events' && expected.insert_id === undefined;
  const filter = new URLSearchParams({ project, ...lookupFilter(kind, expected) });
  let candidates = [];
  const matches = (record) => {
    const item = record.item;
    if (
      derivesInsertId &&
      !(typeof item.insert_id === 'string' && item.insert_id.startsWith(`${message.messageId}-`))
    ) {
      return false;
    }
    return isDeepStrictEqual(
      comparable(item, { dropInsertId: derivesInsertId }),
      comparable(expected, { dropInsertId: derivesInsertId }),
    );
  };
  let record;
  try {
    record = await until(
      async () => {
        const answer = await mockQuery(mockUrl, `/_mock/${kind}?${filter}`);
        candidates = answer.items;
        return candidates.find(matches);
      },
      { ms, what: `the ${kind} item of ${message.type} ${message.messageId} at the mock (${filter})` },
    );
  } catch (error) {
    // Show the nearest candidate as a diff: the usual failure is one wrong field.
    const near =
      candidates.find((c) => derivesInsertId && c.item.insert_id?.startsWith?.(`${message.messageId}-`)) ??
      candidates[0];
    if (!near) {
      // Nothing arrived for this ID: say what the mock saw instead (e.g. a refused API key).
      const log = await mockQuery(mockUrl, '/_mock/requests').catch((e) => ({ items: [e.message] }));
      const last = (log.items ?? [])
        .slice(-10)
        .map((r) =>
          typeof r === 'string' ? r : `${r.method} ${r.path} → ${r.status} ${r.error ? JSON.stringify(r.error) : ''}`,
        );
      error.message += `; nothing for it at the mock, whose last requests were: ${last.length ? last.join(' | ') : 'none'}`;
    } else {
      assert.deepStrictEqual(
        comparable(near.item, { dropInsertId: derivesInsertId }),
        comparable(expected, { dropInsertId: derivesInsertId }),
        `${error.message}; nearest record differs from test-event's prediction`,
      );
    }
    throw error;
  }
  if (expected.time !== undefined) {
    assertTimeFromClient(
      record.item.time,
      message.timestamp,
      sentAt,
      `${kind} of ${message.type} ${message.messageId}`,
    );
  } else {
    assert.equal(record.item.time, undefined, `${kind} of ${message.messageId} has no time`);
  }
  assert.equal(record.endpoint, delivery.path, `${kind} of ${message.messageId} went to ${delivery.path}`);
  return record;
}

/**
 * For every sent message with the mapping that should route it: waits for every item test-event
 * predicts and returns the records per messageId, in the same order as the predicted items.
 * `logs()`, when given, is appended to a failure (the stack's process output).
 */
export async function verifyDeliveries(mockUrl, { project, settings, cases, logs }) {
  const predicted = await expectedDeliveries(
    cases.map(({ stored, mapping }) => ({ message: stored, mapping })),
    settings,
  );
  // One at a time: everything was sent already, so the total wait is that of the slowest item,
  // and a failure stops the polling at once.
  const records = new Map();
  for (const [index, { stored, sentAt }] of cases.entries()) {
    const found = [];
    for (const delivery of predicted[index]) {
      try {
        found.push(await waitForDelivery(mockUrl, { project, message: stored, sentAt, delivery }));
      } catch (error) {
        if (logs) error.message += `\nwhat the processes logged (end):\n${logs().slice(-6_000)}`;
        throw error;
      }
    }
    records.set(stored.messageId, found);
  }
  return records;
}
