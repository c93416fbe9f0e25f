import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin, sessionPlugin, send, event, sessionIdOf, plain, T0, MIN } from './harness.mjs';

// Runs the tracked session events back through the plugin, as analytics.js does with its own queue.
async function deliverTracked(plugin, analytics) {
  const out = [];
  for (const call of analytics.tracked.splice(0)) {
    out.push(
      await send(
        plugin,
        event('track', {
          event: call.event,
          properties: call.properties,
          timestamp: call.options.timestamp,
          integrations: { ...call.options.integrations },
        }),
      ),
    );
  }
  return out;
}

test('no session events unless triggerSessionEvents is on', async () => {
  const env = loadPlugin();
  const { plugin, analytics } = await sessionPlugin(env);
  await send(plugin, event('page'));
  env.clock += 31 * MIN;
  await send(plugin, event('page'));
  assert.deepEqual(analytics.tracked, []);
});

test('session_started on the first event, session_ended then session_started on a renewal', async () => {
  const env = loadPlugin();
  const { plugin, analytics } = await sessionPlugin(env, { mapping: { triggerSessionEvents: true } });
  await send(plugin, event('page'));
  assert.equal(analytics.tracked.length, 1);
  const [started] = analytics.tracked;
  assert.equal(started.event, 'session_started');
  assert.deepEqual(plain(started.options.integrations), { 'Actions Amplitude': { session_id: T0 } });
  assert.equal(started.options.timestamp.getTime(), T0);

  // Delivered back through the plugin: left as they are, and the session is not touched.
  env.clock = T0 + 10 * MIN;
  const [back] = await deliverTracked(plugin, analytics);
  assert.equal(sessionIdOf(back), T0);
  assert.equal(env.localStorage.getItem('analytics_session_id.last_access'), String(T0));

  env.clock = T0 + 5 * MIN;
  await send(plugin, event('track'));
  assert.equal(analytics.tracked.length, 0, 'no events within a session');

  const renewal = T0 + 5 * MIN + 45 * MIN;
  env.clock = renewal;
  assert.equal(sessionIdOf(await send(plugin, event('track'))), renewal);
  assert.deepEqual(
    analytics.tracked.map((c) => [c.event, c.options.integrations['Actions Amplitude'].session_id, c.options.timestamp.getTime()]),
    [
      ['session_ended', T0, T0 + 5 * MIN],
      ['session_started', renewal, renewal],
    ],
  );
  env.clock = renewal + 1000;
  const delivered = await deliverTracked(plugin, analytics);
  assert.deepEqual(delivered.map(sessionIdOf), [T0, renewal], 'the ended event keeps the old id');
  assert.equal(env.localStorage.getItem('analytics_session_id'), String(renewal));
  assert.equal(env.localStorage.getItem('analytics_session_id.last_access'), String(renewal));
});

test('custom session event names', async () => {
  const env = loadPlugin();
  const { plugin, analytics } = await sessionPlugin(env, {
    mapping: { triggerSessionEvents: true, sessionStartEvent: 'Session Start', sessionEndEvent: 'Session End' },
  });
  await send(plugin, event('page'));
  env.clock += 31 * MIN;
  await send(plugin, event('page'));
  assert.deepEqual(analytics.tracked.map((c) => c.event), ['Session Start', 'Session End', 'Session Start']);
});

test('a user event with a session event name is still enriched', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env, { mapping: { triggerSessionEvents: true } });
  await send(plugin, event('page'));
  env.clock += MIN;
  const evt = await send(plugin, event('track', { event: 'session_started' }));
  assert.equal(sessionIdOf(evt), T0);
  assert.equal(env.localStorage.getItem('analytics_session_id.last_access'), String(T0 + MIN));
});
