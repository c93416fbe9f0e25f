import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin, sessionPlugin, send, event, plain, T0, MIN } from './harness.mjs';

async function enrich(integrations) {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  const input = event('track', { integrations });
  const evt = await send(plugin, input);
  return { evt, env };
}

test('sets integrations["Actions Amplitude"].session_id on an event without integrations', async () => {
  const { evt } = await enrich(undefined);
  assert.deepEqual(plain(evt.integrations), { 'Actions Amplitude': { session_id: T0 } });
});

test('keeps the other integrations and the entry\'s other options, without mutating the given object', async () => {
  const given = { All: true, Mixpanel: false, 'Actions Amplitude': { groups: { org: 'x' } } };
  const snapshot = structuredClone(given);
  const { evt } = await enrich(given);
  assert.deepEqual(plain(evt.integrations), {
    All: true,
    Mixpanel: false,
    'Actions Amplitude': { groups: { org: 'x' }, session_id: T0 },
  });
  assert.deepEqual(given, snapshot);
});

test('"Actions Amplitude": true becomes the session entry', async () => {
  const { evt } = await enrich({ 'Actions Amplitude': true });
  assert.deepEqual(plain(evt.integrations)['Actions Amplitude'], { session_id: T0 });
});

test('All: false without Amplitude leaves the event alone; with either name enabled it is set', async () => {
  let { evt } = await enrich({ All: false, Mixpanel: true });
  assert.deepEqual(plain(evt.integrations), { All: false, Mixpanel: true });
  ({ evt } = await enrich({ All: false, 'Actions Amplitude': true }));
  assert.deepEqual(plain(evt.integrations)['Actions Amplitude'], { session_id: T0 });
  ({ evt } = await enrich({ All: false, 'Amplitude (Actions)': {} }));
  assert.deepEqual(plain(evt.integrations)['Actions Amplitude'], { session_id: T0 });
});

test('an explicitly disabled Amplitude is never re-enabled', async () => {
  let { evt } = await enrich({ 'Actions Amplitude': false });
  assert.deepEqual(plain(evt.integrations), { 'Actions Amplitude': false });
  ({ evt } = await enrich({ 'Amplitude (Actions)': false }));
  assert.deepEqual(plain(evt.integrations), { 'Amplitude (Actions)': false });
});

test('an event kept from Amplitude still counts as activity for the session', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  await send(plugin, event('page'));
  env.clock = T0 + 20 * MIN;
  await send(plugin, event('track', { integrations: { All: false } }));
  assert.equal(env.localStorage.getItem('analytics_session_id.last_access'), String(T0 + 20 * MIN));
  env.clock = T0 + 45 * MIN;
  const evt = await send(plugin, event('track'));
  assert.equal(evt.integrations['Actions Amplitude'].session_id, T0);
});
