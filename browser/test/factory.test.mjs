import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin, sessionSubscription, FakeAnalytics, T0 } from './harness.mjs';

test('registers a factory on window["amplitude-pluginsDestination"] named "Amplitude (Actions)"', () => {
  const env = loadPlugin();
  assert.equal(typeof env.factory, 'function');
  assert.equal(env.factory.pluginName, 'Amplitude (Actions)');
});

test('one enrichment plugin per enabled sessionId subscription, with what analytics.js validates', async () => {
  const env = loadPlugin();
  const plugins = env.factory({ subscriptions: [sessionSubscription()] });
  assert.equal(plugins.length, 1);
  const [p] = plugins;
  for (const key of ['load', 'isLoaded', 'name', 'version', 'type']) assert.notEqual(p[key], undefined, key);
  assert.equal(p.type, 'enrichment');
  assert.equal(p.name, 'Amplitude (Actions) sessionId');
  assert.equal(typeof p.version, 'string');
  for (const m of ['track', 'identify', 'group', 'page', 'alias']) assert.equal(typeof p[m], 'function', m);
  assert.equal(p.isLoaded(), false);
  const loading = p.load({ event: { type: 'track' } }, new FakeAnalytics());
  assert.equal(typeof loading.then, 'function');
  await loading;
  assert.equal(p.isLoaded(), true);
});

test('disabled subscriptions, unknown actions and bad settings give no plugin', () => {
  const env = loadPlugin();
  const sub = sessionSubscription();
  assert.deepEqual(env.factory({ subscriptions: [{ ...sub, enabled: false }] }).length, 0);
  assert.deepEqual(env.factory({ subscriptions: [{ ...sub, enabled: undefined }] }).length, 0);
  assert.deepEqual(env.factory({ subscriptions: [{ ...sub, partnerAction: 'logEventV2' }] }).length, 0);
  assert.equal(env.factory({}).length, 0);
  assert.equal(env.factory(null).length, 0);
  assert.equal(env.factory(undefined).length, 0);
  assert.equal(env.factory({ subscriptions: 'not json' }).length, 0);
  assert.equal(env.factory({ subscriptions: [null, 7, 'x'] }).length, 0);
  assert.equal(env.warnings.length, 1, env.warnings.join('\n'));
});

test('subscriptions given as a JSON string are read too, and extra keys are ignored', () => {
  const env = loadPlugin();
  const plugins = env.factory({
    apiKey: 'ignored',
    subscriptions: JSON.stringify([sessionSubscription(), { ...sessionSubscription(), partnerAction: 'other' }]),
  });
  assert.equal(plugins.length, 1);
});

test('the plugin works before load() was called (it then uses localStorage)', async () => {
  const env = loadPlugin();
  const [p] = env.factory({ subscriptions: [sessionSubscription()] });
  const ctx = { event: { type: 'page', integrations: {} } };
  assert.equal(await p.page(ctx), ctx);
  assert.equal(ctx.event.integrations['Actions Amplitude'].session_id, T0);
  assert.equal(env.localStorage.getItem('analytics_session_id'), String(T0));
});
