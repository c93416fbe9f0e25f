// Loads browser/amplitude-plugins.js into a fresh fake window (node's vm module) with a controllable clock,
// a fake localStorage, a console that records warnings and a fake analytics.js instance.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const SOURCE_PATH = new URL('../amplitude-plugins.js', import.meta.url);
const SOURCE = readFileSync(SOURCE_PATH, 'utf8');

export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0); // a fixed start time in epoch ms
export const MIN = 60 * 1000;

export class FakeLocalStorage {
  constructor({ blocked = false } = {}) {
    this.data = new Map();
    this.blocked = blocked;
  }
  getItem(key) {
    if (this.blocked) throw new Error('SecurityError: localStorage is blocked');
    return this.data.has(key) ? this.data.get(key) : null;
  }
  setItem(key, value) {
    if (this.blocked) throw new Error('SecurityError: localStorage is blocked');
    this.data.set(key, String(value));
  }
  removeItem(key) {
    if (this.blocked) throw new Error('SecurityError: localStorage is blocked');
    this.data.delete(key);
  }
}

// Like analytics.js's UniversalStorage: get/set of JSON values.
export class FakeAnalyticsStorage {
  constructor() {
    this.data = new Map();
  }
  get(key) {
    return this.data.has(key) ? this.data.get(key) : null;
  }
  set(key, value) {
    this.data.set(key, value);
  }
}

export class FakeAnalytics {
  constructor({ storage } = {}) {
    if (storage) this.storage = storage;
    this.tracked = [];
  }
  track(event, properties, options) {
    this.tracked.push({ event, properties, options });
    return Promise.resolve();
  }
}

/** A fake window: `env.clock` is the time Date.now() answers; `env.warnings` the console.warn lines. */
export function loadPlugin({ localStorage = new FakeLocalStorage(), clock = T0 } = {}) {
  const env = { clock, warnings: [], localStorage };
  class FakeDate extends Date {
    constructor(...args) {
      if (args.length === 0) super(env.clock);
      else super(...args);
    }
    static now() {
      return env.clock;
    }
  }
  const window = {
    Date: FakeDate,
    console: { warn: (...args) => env.warnings.push(args.join(' ')), log() {}, error() {} },
  };
  if (localStorage !== null) window.localStorage = localStorage;
  window.window = window;
  vm.createContext(window);
  vm.runInContext(SOURCE, window, { filename: 'amplitude-plugins.js' });
  env.window = window;
  env.factory = window['amplitude-pluginsDestination'];
  return env;
}

export const DEFAULT_TRIGGER =
  'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"';

export function sessionSubscription({ mapping = {}, subscribe = DEFAULT_TRIGGER, enabled = true } = {}) {
  return {
    name: 'Browser Session Tracking',
    enabled,
    partnerAction: 'sessionId',
    subscribe,
    mapping,
  };
}

/** Builds the session plugin from one subscription and loads it as analytics.js would. */
export async function sessionPlugin(env, { analytics = new FakeAnalytics(), ...sub } = {}) {
  const plugins = env.factory({ subscriptions: [sessionSubscription(sub)] });
  if (plugins.length !== 1) throw new Error(`expected one plugin, got ${plugins.length}`);
  const plugin = plugins[0];
  await plugin.load({ event: { type: 'track' } }, analytics);
  return { plugin, analytics };
}

let counter = 0;
export function event(type, extra = {}) {
  counter += 1;
  const base = { type, messageId: `m-${counter}`, anonymousId: 'anon-1', integrations: {} };
  if (type === 'track' && extra.event === undefined) base.event = 'Clicked';
  return { ...base, ...extra };
}

/** Runs one event through the plugin the way analytics.js does (plugin[type](ctx)); returns the event. */
export async function send(plugin, evt) {
  const ctx = { event: evt };
  const out = await plugin[evt.type](ctx);
  if (out !== ctx) throw new Error('the plugin must return the context it was given');
  return ctx.event;
}

export function sessionIdOf(evt) {
  const entry = evt.integrations && evt.integrations['Actions Amplitude'];
  return entry && typeof entry === 'object' ? entry.session_id : undefined;
}

/** Objects made inside the fake window have its prototypes: copy them into this realm to compare them. */
export function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
