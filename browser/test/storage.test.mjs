import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadPlugin, sessionPlugin, send, event, sessionIdOf,
  FakeAnalytics, FakeAnalyticsStorage, FakeLocalStorage, T0, MIN,
} from './harness.mjs';

test('analytics.js\'s own storage is used when the instance has one (numbers stored as numbers)', async () => {
  const env = loadPlugin();
  const storage = new FakeAnalyticsStorage();
  const { plugin } = await sessionPlugin(env, { analytics: new FakeAnalytics({ storage }) });
  await send(plugin, event('page'));
  assert.equal(storage.get('analytics_session_id'), T0);
  assert.equal(storage.get('analytics_session_id.last_access'), T0);
  assert.equal(env.localStorage.getItem('analytics_session_id'), null);
});

test('stored values given back as text (cookies, localStorage) are read', async () => {
  const env = loadPlugin({ clock: T0 + 10 * MIN });
  const storage = new FakeAnalyticsStorage();
  storage.set('analytics_session_id', String(T0));
  storage.set('analytics_session_id.last_access', String(T0 + 5 * MIN));
  const { plugin } = await sessionPlugin(env, { analytics: new FakeAnalytics({ storage }) });
  assert.equal(sessionIdOf(await send(plugin, event('page'))), T0);
});

test('an id without last_access counts from the id; garbage starts a new session', async () => {
  const localStorage = new FakeLocalStorage();
  localStorage.setItem('analytics_session_id', String(T0));
  let env = loadPlugin({ localStorage, clock: T0 + 29 * MIN });
  assert.equal(sessionIdOf(await send((await sessionPlugin(env)).plugin, event('page'))), T0);

  for (const junk of ['abc', '-5', '1.5', '{}', '']) {
    const ls = new FakeLocalStorage();
    ls.setItem('analytics_session_id', junk);
    ls.setItem('analytics_session_id.last_access', junk);
    env = loadPlugin({ localStorage: ls, clock: T0 + MIN });
    assert.equal(sessionIdOf(await send((await sessionPlugin(env)).plugin, event('page'))), T0 + MIN, junk);
  }
});

test('blocked or missing localStorage: the session is kept in memory', async () => {
  for (const localStorage of [new FakeLocalStorage({ blocked: true }), null]) {
    const env = loadPlugin({ localStorage });
    const { plugin } = await sessionPlugin(env);
    await send(plugin, event('page'));
    env.clock = T0 + 20 * MIN;
    assert.equal(sessionIdOf(await send(plugin, event('track'))), T0);
    env.clock = T0 + 51 * MIN;
    assert.equal(sessionIdOf(await send(plugin, event('track'))), T0 + 51 * MIN);
  }
});

test('a storage that throws on writes falls back to memory with a warning, keeping the session', async () => {
  const env = loadPlugin();
  const storage = new FakeAnalyticsStorage();
  storage.set = () => {
    throw new Error('quota exceeded');
  };
  const { plugin } = await sessionPlugin(env, { analytics: new FakeAnalytics({ storage }) });
  await send(plugin, event('page'));
  env.clock = T0 + 20 * MIN;
  assert.equal(sessionIdOf(await send(plugin, event('track'))), T0);
  assert.equal(env.warnings.length, 1);
  assert.match(env.warnings[0], /memory/);
});
