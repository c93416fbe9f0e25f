import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin, sessionPlugin, send, event, sessionIdOf, DEFAULT_TRIGGER } from './harness.mjs';

const TYPES = ['track', 'identify', 'group', 'page', 'alias', 'screen'];

function compile(trigger) {
  return loadPlugin().factory.compileTrigger(trigger);
}

function matchedTypes(trigger, extra = {}) {
  const c = compile(trigger);
  return TYPES.filter((type) => c.match({ type, ...extra }));
}

test('the preset trigger: the five types, not screen', () => {
  const c = compile(DEFAULT_TRIGGER);
  assert.equal(c.supported, true);
  assert.deepEqual(matchedTypes(DEFAULT_TRIGGER), ['track', 'identify', 'group', 'page', 'alias']);
});

test('absent or blank triggers mean the five default types', () => {
  for (const t of [undefined, null, '', '   ']) {
    const c = compile(t);
    assert.equal(c.supported, true);
    assert.deepEqual(matchedTypes(t), ['track', 'identify', 'group', 'page', 'alias']);
  }
});

test('=, != on type, event, name and userId; and, or, parentheses; case-insensitive connectives', () => {
  const cases = [
    ['type = "track"', { type: 'track' }, true],
    ['type = "track"', { type: 'Track' }, false],
    ['type != "track"', { type: 'page' }, true],
    ['event != "x"', { type: 'page' }, true], // missing field: != holds
    ['event = "x"', { type: 'page' }, false],
    ['type = "track" and event = "Order Completed"', { type: 'track', event: 'Order Completed' }, true],
    ['type = "track" AND event = "Order Completed"', { type: 'track', event: 'Other' }, false],
    ['type = "track" and event != "Order Completed"', { type: 'track', event: 'Other' }, true],
    ['type = "page" OR name = "Home"', { type: 'screen', name: 'Home' }, true],
    ['userId = "u1"', { type: 'track', userId: 'u1' }, true],
    ['userId = "5"', { type: 'track', userId: 5 }, false], // a number never equals a string
    ['type = "track" and (event = "a" or event = "b")', { type: 'track', event: 'b' }, true],
    ['type = "track" and (event = "a" or event = "b")', { type: 'page', event: 'b' }, false],
    ['(type = "page" or type = "screen") and name = "Home"', { type: 'screen', name: 'Home' }, true],
    ['type="track"', { type: 'track' }, true],
    ['type = "a b (c) and"', { type: 'a b (c) and' }, true],
  ];
  for (const [trigger, evt, expected] of cases) {
    const c = compile(trigger);
    assert.equal(c.supported, true, trigger + ': ' + c.error);
    assert.equal(c.match(evt), expected, `${trigger} on ${JSON.stringify(evt)}`);
  }
});

test('outside the subset: unsupported, and the five default types apply', () => {
  const unsupported = [
    'type = "track" and event = "a" or event = "b"', // mixed connectives in one group
    'contains(event, "Order")',
    'properties.plan = "pro"',
    'anonymousId = "x"',
    '!(type = "track")',
    'type = track',
    'type = 5',
    'name = null',
    'type == "track"',
    'event starts_with "A"',
    'type = "track',
    '(type = "track"',
    'type = "track")',
    'type = "a\\"b"',
    'type = "track" and',
    'type',
    '5',
  ];
  for (const trigger of unsupported) {
    const c = compile(trigger);
    assert.equal(c.supported, false, trigger);
    assert.equal(typeof c.error, 'string');
    assert.deepEqual(matchedTypes(trigger), ['track', 'identify', 'group', 'page', 'alias'], trigger);
  }
  assert.equal(compile(42).supported, false);
});

test('the plugin honours its trigger: unmatched events are neither enriched nor counted', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env, { subscribe: 'type = "track" and event != "Heartbeat"' });
  assert.deepEqual(env.warnings, []);
  assert.equal(sessionIdOf(await send(plugin, event('page'))), undefined);
  assert.equal(sessionIdOf(await send(plugin, event('track', { event: 'Heartbeat' }))), undefined);
  assert.equal(env.localStorage.getItem('analytics_session_id'), null);
  assert.equal(typeof sessionIdOf(await send(plugin, event('track', { event: 'Clicked' }))), 'number');
});

test('an unsupported trigger logs one console warning and applies to the five default types', async () => {
  const env = loadPlugin();
  const { plugin } = await sessionPlugin(env, { subscribe: 'contains(event, "Order")' });
  assert.equal(env.warnings.length, 1);
  assert.match(env.warnings[0], /contains\(event, \\"Order\\"\)/);
  assert.match(env.warnings[0], /track, identify, group, page, alias/);
  assert.equal(typeof sessionIdOf(await send(plugin, event('identify', { userId: 'u' }))), 'number');
  assert.equal(sessionIdOf(await send(plugin, event('screen'))), undefined);
});
