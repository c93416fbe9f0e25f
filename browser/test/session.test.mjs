import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin, sessionPlugin, send, event, sessionIdOf, FakeLocalStorage, T0, MIN } from './harness.mjs';

const stored = (env, key) => env.localStorage.getItem(key);

test('the first event starts a session whose id is now, in integer ms', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  const evt = await send(plugin, event('page'));
  assert.equal(sessionIdOf(evt), T0);
  assert.ok(Number.isInteger(sessionIdOf(evt)));
  assert.equal(stored(env, 'analytics_session_id'), String(T0));
  assert.equal(stored(env, 'analytics_session_id.last_access'), String(T0));
});

test('within the session length the id stays and last_access moves with each event', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  await send(plugin, event('page'));
  // 29 minutes apart, three times: the inactivity counts from the last access, not from the start.
  for (let i = 1; i <= 3; i++) {
    env.clock = T0 + i * 29 * MIN;
    const evt = await send(plugin, event('track'));
    assert.equal(sessionIdOf(evt), T0);
    assert.equal(stored(env, 'analytics_session_id'), String(T0));
    assert.equal(stored(env, 'analytics_session_id.last_access'), String(env.clock));
  }
});

test('after 30 minutes of inactivity a new session starts with id = now', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  await send(plugin, event('identify', { userId: 'user-1' }));
  env.clock = T0 + 30 * MIN - 1;
  assert.equal(sessionIdOf(await send(plugin, event('track'))), T0, 'one ms short of 30 minutes: same session');
  const last = env.clock;
  env.clock = last + 30 * MIN; // exactly the session length since the last access: stale
  const evt = await send(plugin, event('track'));
  assert.equal(sessionIdOf(evt), last + 30 * MIN);
  assert.equal(stored(env, 'analytics_session_id'), String(last + 30 * MIN));
});

test('a reload (a new plugin over the same storage) keeps the session; another tab shares it', async () => {
  const localStorage = new FakeLocalStorage();
  const first = loadPlugin({ localStorage });
  await send((await sessionPlugin(first)).plugin, event('page'));
  const second = loadPlugin({ localStorage, clock: T0 + 10 * MIN });
  const { plugin } = await sessionPlugin(second);
  assert.equal(sessionIdOf(await send(plugin, event('track'))), T0);
  assert.equal(localStorage.getItem('analytics_session_id.last_access'), String(T0 + 10 * MIN));
});

test('a custom sessionLength from the mapping (number or numeric text)', async () => {
  for (const sessionLength of [60000, '60000']) {
    const env = loadPlugin();
    const { plugin } = await sessionPlugin(env, { mapping: { sessionLength } });
    await send(plugin, event('page'));
    env.clock = T0 + 59999;
    assert.equal(sessionIdOf(await send(plugin, event('track'))), T0);
    env.clock = T0 + 59999 + 60000;
    assert.equal(sessionIdOf(await send(plugin, event('track'))), T0 + 119999);
    assert.deepEqual(env.warnings, []);
  }
});

test('an invalid sessionLength warns and falls back to 30 minutes', async () => {
  for (const sessionLength of [-5, 0, 'soon', true, {}]) {
    const env = loadPlugin();
    const { plugin } = await sessionPlugin(env, { mapping: { sessionLength } });
    assert.equal(env.warnings.length, 1, String(sessionLength));
    assert.match(env.warnings[0], /sessionLength/);
    await send(plugin, event('page'));
    env.clock = T0 + 29 * MIN;
    assert.equal(sessionIdOf(await send(plugin, event('track'))), T0);
    env.clock += 30 * MIN;
    assert.equal(sessionIdOf(await send(plugin, event('track'))), env.clock);
  }
});

test('a clock that moves backwards keeps the session', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  await send(plugin, event('page'));
  env.clock = T0 - 5 * MIN;
  assert.equal(sessionIdOf(await send(plugin, event('track'))), T0);
});

test('all five default types carry the id; screen does not under the default trigger', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env);
  const extras = {
    track: {},
    identify: { userId: 'user-1' },
    group: { groupId: 'g-1' },
    page: { name: 'Home' },
    alias: { userId: 'user-1', previousId: 'anon-1' },
  };
  for (const [type, extra] of Object.entries(extras)) {
    assert.equal(sessionIdOf(await send(plugin, event(type, extra))), T0, type);
  }
  assert.equal(sessionIdOf(await send(plugin, event('screen', { name: 'S' }))), undefined);
});
