// Tests of the actions suite's own pieces: `node --test conformance/actions/`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsSuite } from './suite.mjs';
import { deviationsFor } from '../deviations.mjs';

const form = (body) => ({ method: 'POST', url: 'https://api2.amplitude.com/identify', content_type: 'application/x-www-form-urlencoded', body });
const json = (body) => ({ method: 'POST', url: 'https://api2.amplitude.com/2/httpapi', content_type: 'application/json', body });

test('form fields holding JSON objects or arrays compare parsed; other fields as text', () => {
  const ref = { requests: [form({ api_key: 'k', identification: '{"a":1,"b":[1,2]}' })] };
  assert.ok(actionsSuite.equal(ref, { requests: [form({ identification: '{"b":[1,2.0],"a":1}', api_key: 'k' })], error: null }));
  assert.ok(!actionsSuite.equal(ref, { requests: [form({ api_key: 'k', identification: '{"a":1,"b":[2,1]}' })], error: null }));
  assert.ok(!actionsSuite.equal(ref, { requests: [form({ api_key: 'k', identification: '{"a":1,"b":[1,2]}', options: '{}' })], error: null }));
  assert.ok(!actionsSuite.equal({ requests: [form({ api_key: '1.0' })] }, { requests: [form({ api_key: '1' })], error: null }));
});

test('JSON bodies compare as JSON; urls, content types and request order matter', () => {
  const ref = { requests: [json({ api_key: 'k', events: [{ time: 1, x: 'a' }] })] };
  assert.ok(actionsSuite.equal(ref, { requests: [json({ events: [{ x: 'a', time: 1.0 }], api_key: 'k' })], error: null }));
  assert.ok(!actionsSuite.equal(ref, { requests: [{ ...json({ api_key: 'k', events: [{ time: 1, x: 'a' }] }), url: 'https://api.eu.amplitude.com/2/httpapi' }], error: null }));
  assert.ok(!actionsSuite.equal(ref, { requests: [], error: null }));
  assert.equal(actionsSuite.kindOf(ref, { requests: [json({ api_key: 'k', events: [{ time: 2, x: 'a' }] })], error: null }), 'bodies differ at /events/*/time');
});

test('both rejected is equal whatever the messages; one-sided errors are not', () => {
  assert.ok(actionsSuite.equal({ error: 'The root value is missing the required field \'event_type\'.' }, { requests: [], error: { code: 'INVALID_PAYLOAD', message: 'x' } }));
  assert.ok(!actionsSuite.equal({ error: 'x' }, { requests: [json({})], error: null }));
  assert.ok(!actionsSuite.equal({ requests: [] }, { requests: [], error: { code: 'X', message: 'y' } }));
});

test('the astral $set deviation applies only to astral strings under $set/$setOnce', () => {
  const facts = (traits) => actionsSuite.analyse({ action: 'logEventV2', event: { type: 'track', traits }, mapping: null, settings: {} });
  assert.deepEqual(deviationsFor('actions', facts({ $set: 'x🦀y' })), ['amplitude-astral-set-spread']);
  assert.deepEqual(deviationsFor('actions', facts({ $set: 'abc' })), []);
  assert.deepEqual(deviationsFor('actions', facts({ name: '🦀' })), []);
});

test('generation is deterministic per seed and index', () => {
  assert.deepEqual(actionsSuite.generate(7, 42), actionsSuite.generate(7, 42));
  assert.notDeepEqual(actionsSuite.generate(7, 42).case, actionsSuite.generate(7, 43).case);
});
