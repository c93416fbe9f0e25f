/*
 * ampline: the Amplitude (Actions) browser plugins for analytics.js 2.0 (@segment/analytics-next).
 *
 * ampline serves this file verbatim at /next-integrations/actions/amplitude-plugins/<anything>.js and lists it
 * in the project settings (GET /v1/projects/<writeKey>/settings) as the remote plugin "Amplitude (Actions)"
 * with libraryName "amplitude-pluginsDestination". analytics.js loads it as a classic <script>, then calls
 * window["amplitude-pluginsDestination"](settings), where settings is the remote plugin's settings (merged
 * with any load-option override for "Amplitude (Actions)"): { subscriptions: [{ name, enabled, partnerAction,
 * subscribe, mapping }] }. The factory returns one plugin per subscription with enabled: true and a partnerAction
 * it knows; analytics.js wraps each one under the name "Actions Amplitude" and runs it for every event.
 *
 * The only browser action is "sessionId" (the "Browser Session Tracking" preset), an enrichment plugin:
 *
 * - Session id = the session's start time in epoch milliseconds. It lives in storage under
 *   "analytics_session_id", the time of the last event under "analytics_session_id.last_access". Storage is
 *   analytics.js's own (analytics.storage: its localStorage/cookie/memory stores, so it honours
 *   disableClientPersistence), else window.localStorage, else memory.
 * - Every event that matches the subscription's trigger is activity: if there is no session, or the last
 *   access is sessionLength ms or more ago (mapping.sessionLength, default 1,800,000 = 30 minutes), a new
 *   session starts with id = now. Then last_access = now.
 * - The id is put on the event as integrations["Actions Amplitude"].session_id (other options of that entry
 *   are kept), which ampline's Log Event / Log Event V2 / Log Purchase read. It is not put on events whose
 *   integrations object has All: false without enabling "Actions Amplitude" (or "Amplitude (Actions)"), nor
 *   on events that disable either name explicitly (so a disabled destination is never re-enabled).
 * - With mapping.triggerSessionEvents = true, a renewal also sends track events: sessionEndEvent (default
 *   "session_ended") carrying the old session id, timestamped at the old session's last access, then
 *   sessionStartEvent (default "session_started") carrying the new id, timestamped at its start (the very
 *   first session sends only the start event). Both pass through the plugin untouched, trigger or not.
 *
 * Triggers: the subscription's "subscribe" string is Segment's FQL. The browser evaluates this subset only:
 *
 *     trigger    := group
 *     group      := term { connective term }     all connectives of one group must be the same word
 *     connective := "and" | "or"                 (any letter case)
 *     term       := "(" group ")" | field op string
 *     field      := "type" | "event" | "name" | "userId"   (top-level keys of the event)
 *     op         := "=" | "!="
 *     string     := a double-quoted text without '"' or '\' inside
 *
 *   `field = "x"` holds when the event's field is the string "x" (case-sensitive); `field != "x"` holds when
 *   it does not (so also when the field is missing). Anything else (other fields or operators, functions
 *   such as contains(), "!", numbers, null, bare words, and/or mixed in one group without parentheses) is
 *   unsupported: the plugin logs a console warning and applies to the five default types track, identify,
 *   group, page and alias. An absent or empty trigger means those five types as well, without a warning.
 *
 * Plain ES5 apart from Promise (which analytics.js needs anyway); no dependencies.
 */
(function (root) {
  'use strict';

  var PLUGIN_NAME = 'Amplitude (Actions)';
  var CREATION_NAME = 'Actions Amplitude';
  var SESSION_ID_KEY = 'analytics_session_id';
  var LAST_ACCESS_KEY = 'analytics_session_id.last_access';
  var DEFAULT_SESSION_LENGTH = 30 * 60 * 1000;
  var DEFAULT_START_EVENT = 'session_started';
  var DEFAULT_END_EVENT = 'session_ended';
  var DEFAULT_TYPES = ['track', 'identify', 'group', 'page', 'alias'];
  var METHODS = ['track', 'identify', 'group', 'page', 'alias', 'screen'];
  var TRIGGER_FIELDS = { type: true, event: true, name: true, userId: true };
  var MAX_PENDING = 20;

  function warn(message) {
    var c = root.console;
    if (c && typeof c.warn === 'function') c.warn('[ampline ' + PLUGIN_NAME + '] ' + message);
  }

  function now() {
    return Date.now();
  }

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function shallowCopy(obj) {
    var out = {};
    for (var key in obj) {
      if (Object.prototype.hasOwnProperty.call(obj, key)) out[key] = obj[key];
    }
    return out;
  }

  // A stored time in epoch ms: a positive integer, or its decimal text (cookies and localStorage give text).
  function readMs(value) {
    if (typeof value === 'string' && /^[0-9]{1,16}$/.test(value)) value = Number(value);
    if (typeof value === 'number' && value > 0 && Math.floor(value) === value && isFinite(value)) return value;
    return null;
  }

  /* ---------------------------------------------------------------- storage */

  function memoryStore() {
    var data = {};
    return {
      kind: 'memory',
      get: function (key) { return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : null; },
      set: function (key, value) { data[key] = value; }
    };
  }

  function localStorageStore() {
    var ls;
    try {
      ls = root.localStorage;
      if (!ls) return null;
      var probe = SESSION_ID_KEY + '.probe';
      ls.setItem(probe, '1');
      ls.removeItem(probe);
    } catch (e) {
      return null; // absent, blocked (sandboxed frame, privacy mode) or full
    }
    return {
      kind: 'localStorage',
      get: function (key) { return ls.getItem(key); },
      set: function (key, value) { ls.setItem(key, String(value)); }
    };
  }

  function analyticsStore(analytics) {
    var storage = analytics && analytics.storage;
    if (!storage || typeof storage.get !== 'function' || typeof storage.set !== 'function') return null;
    return {
      kind: 'analytics',
      get: function (key) { return storage.get(key); },
      set: function (key, value) { storage.set(key, value); }
    };
  }

  function pickStore(analytics) {
    return analyticsStore(analytics) || localStorageStore() || memoryStore();
  }

  /* ---------------------------------------------------------------- triggers */

  function tokenize(text) {
    var tokens = [];
    var i = 0;
    while (i < text.length) {
      var ch = text.charAt(i);
      if (/\s/.test(ch)) {
        i += 1;
      } else if (ch === '(' || ch === ')' || ch === '=') {
        tokens.push({ kind: ch });
        i += 1;
      } else if (ch === '!' && text.charAt(i + 1) === '=') {
        tokens.push({ kind: '!=' });
        i += 2;
      } else if (ch === '"') {
        var end = text.indexOf('"', i + 1);
        if (end < 0) throw new Error('unterminated string');
        var body = text.slice(i + 1, end);
        if (body.indexOf('\\') >= 0) throw new Error('escapes in strings are not supported');
        tokens.push({ kind: 'string', text: body });
        i = end + 1;
      } else {
        var m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
        if (!m) throw new Error('unsupported character ' + JSON.stringify(ch));
        var lower = m[0].toLowerCase();
        if (lower === 'and' || lower === 'or') tokens.push({ kind: 'conn', text: lower });
        else tokens.push({ kind: 'word', text: m[0] });
        i += m[0].length;
      }
    }
    return tokens;
  }

  function parseTrigger(text) {
    var tokens = tokenize(text);
    var pos = 0;

    function peek() { return tokens[pos]; }

    function term() {
      var t = tokens[pos];
      if (!t) throw new Error('unexpected end');
      if (t.kind === '(') {
        pos += 1;
        var inner = group();
        if (!peek() || peek().kind !== ')') throw new Error('missing )');
        pos += 1;
        return inner;
      }
      if (t.kind !== 'word' || !TRIGGER_FIELDS.hasOwnProperty(t.text)) {
        throw new Error('unsupported condition at ' + JSON.stringify(t.text || t.kind));
      }
      var op = tokens[pos + 1];
      var value = tokens[pos + 2];
      if (!op || (op.kind !== '=' && op.kind !== '!=')) throw new Error('unsupported operator after ' + t.text);
      if (!value || value.kind !== 'string') throw new Error('only double-quoted strings are supported as values');
      pos += 3;
      return { field: t.text, negate: op.kind === '!=', value: value.text };
    }

    function group() {
      var children = [term()];
      var conn = null;
      while (peek() && peek().kind === 'conn') {
        if (conn !== null && conn !== peek().text) throw new Error('"and" and "or" mixed without parentheses');
        conn = peek().text;
        pos += 1;
        children.push(term());
      }
      return children.length === 1 ? children[0] : { conn: conn, children: children };
    }

    var tree = group();
    if (pos !== tokens.length) throw new Error('unexpected ' + JSON.stringify(tokens[pos].text || tokens[pos].kind));
    return tree;
  }

  function evaluate(node, event) {
    if (node.conn) {
      for (var i = 0; i < node.children.length; i++) {
        var hit = evaluate(node.children[i], event);
        if (node.conn === 'or' && hit) return true;
        if (node.conn === 'and' && !hit) return false;
      }
      return node.conn === 'and';
    }
    var actual = event[node.field];
    var equal = typeof actual === 'string' && actual === node.value;
    return node.negate ? !equal : equal;
  }

  function defaultMatcher(event) {
    return DEFAULT_TYPES.indexOf(event.type) >= 0;
  }

  // Returns { supported, match(event) -> boolean, error? }.
  function compileTrigger(subscribe) {
    if (subscribe === undefined || subscribe === null || (typeof subscribe === 'string' && !/\S/.test(subscribe))) {
      return { supported: true, match: defaultMatcher };
    }
    if (typeof subscribe !== 'string') {
      return { supported: false, match: defaultMatcher, error: 'the trigger is not a string' };
    }
    try {
      var tree = parseTrigger(subscribe);
      return { supported: true, match: function (event) { return evaluate(tree, event); } };
    } catch (e) {
      return { supported: false, match: defaultMatcher, error: e.message };
    }
  }

  /* ---------------------------------------------------------------- settings */

  function subscriptionsOf(settings) {
    var subs = settings && settings.subscriptions;
    if (typeof subs === 'string') {
      try {
        subs = JSON.parse(subs);
      } catch (e) {
        warn('settings.subscriptions is not valid JSON; no plugin loaded');
        return [];
      }
    }
    return Array.isArray(subs) ? subs : [];
  }

  function sessionOptions(mapping, label) {
    mapping = isObject(mapping) ? mapping : {};
    var length = mapping.sessionLength;
    if (typeof length === 'string' && /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(length)) length = Number(length);
    if (length === undefined || length === null || length === '') {
      length = DEFAULT_SESSION_LENGTH;
    } else if (typeof length !== 'number' || !(length > 0) || !isFinite(length)) {
      warn(label + ': sessionLength ' + JSON.stringify(length) + ' is not a positive number; using ' + DEFAULT_SESSION_LENGTH);
      length = DEFAULT_SESSION_LENGTH;
    }
    function name(value, fallback) {
      return typeof value === 'string' && value !== '' ? value : fallback;
    }
    return {
      sessionLength: length,
      triggerSessionEvents: mapping.triggerSessionEvents === true || mapping.triggerSessionEvents === 'true',
      sessionStartEvent: name(mapping.sessionStartEvent, DEFAULT_START_EVENT),
      sessionEndEvent: name(mapping.sessionEndEvent, DEFAULT_END_EVENT)
    };
  }

  /* ---------------------------------------------------------------- the sessionId plugin */

  // Whether the event may carry Amplitude's session id (see the header).
  function amplitudeAllowed(integrations) {
    if (!isObject(integrations)) return true;
    var creation = integrations[CREATION_NAME];
    var current = integrations[PLUGIN_NAME];
    if (creation === false || current === false) return false;
    return !(integrations.All === false && !creation && !current);
  }

  function attachSessionId(event, id) {
    var integrations = isObject(event.integrations) ? shallowCopy(event.integrations) : {};
    var entry = isObject(integrations[CREATION_NAME]) ? shallowCopy(integrations[CREATION_NAME]) : {};
    entry.session_id = id;
    integrations[CREATION_NAME] = entry;
    event.integrations = integrations;
  }

  function sessionIdPlugin(subscription) {
    var label = 'subscription ' + JSON.stringify(subscription.name || 'sessionId');
    var options = sessionOptions(subscription.mapping, label);
    var trigger = compileTrigger(subscription.subscribe);
    if (!trigger.supported) {
      warn(label + ': trigger ' + JSON.stringify(subscription.subscribe) + ' is outside the FQL subset this plugin ' +
        'evaluates (' + trigger.error + '); applying it to ' + DEFAULT_TYPES.join(', ') + ' events');
    }

    var store = null;
    var analytics = null;
    var loaded = false;
    var pending = []; // session events this plugin sent and has not seen come through yet

    function storage() {
      if (!store) store = pickStore(analytics);
      return store;
    }

    function read(key) {
      try {
        return readMs(storage().get(key));
      } catch (e) {
        return null;
      }
    }

    function write(key, value) {
      try {
        storage().set(key, value);
      } catch (e) {
        // A store that refuses writes would start a new session on every event: keep the values in memory.
        var fallback = memoryStore();
        fallback.set(SESSION_ID_KEY, read(SESSION_ID_KEY));
        fallback.set(LAST_ACCESS_KEY, read(LAST_ACCESS_KEY));
        fallback.set(key, value);
        store = fallback;
        warn('storage refused a write (' + (e && e.message) + '); keeping the session in memory');
      }
    }

    // Records activity at time t; returns the current session and, on a renewal, the previous one.
    function touch(t) {
      var id = read(SESSION_ID_KEY);
      var last = read(LAST_ACCESS_KEY);
      if (id !== null && last === null) last = id;
      var renewed = id === null || t - last >= options.sessionLength;
      var previous = renewed && id !== null ? { id: id, lastAccess: last } : null;
      if (renewed) {
        id = t;
        write(SESSION_ID_KEY, id);
      }
      write(LAST_ACCESS_KEY, t);
      return { id: id, renewed: renewed, previous: previous };
    }

    function isOwnSessionEvent(event) {
      if (event.type !== 'track' || !pending.length) return false;
      var entry = isObject(event.integrations) ? event.integrations[CREATION_NAME] : null;
      var id = isObject(entry) ? entry.session_id : undefined;
      for (var i = 0; i < pending.length; i++) {
        if (pending[i].event === event.event && pending[i].id === id) {
          pending.splice(i, 1);
          return true;
        }
      }
      return false;
    }

    function sendSessionEvent(name, id, at) {
      if (!analytics || typeof analytics.track !== 'function') return;
      pending.push({ event: name, id: id });
      if (pending.length > MAX_PENDING) pending.shift();
      var integrations = {};
      integrations[CREATION_NAME] = { session_id: id };
      try {
        var sent = analytics.track(name, {}, { timestamp: new Date(at), integrations: integrations });
        if (sent && typeof sent.then === 'function') sent.then(null, function () {});
      } catch (e) {
        warn('could not send ' + name + ': ' + (e && e.message));
      }
    }

    function enrich(ctx) {
      var event = ctx && ctx.event;
      if (!isObject(event) || isOwnSessionEvent(event) || !trigger.match(event)) return ctx;
      var session = touch(now());
      if (amplitudeAllowed(event.integrations)) attachSessionId(event, session.id);
      if (session.renewed && options.triggerSessionEvents) {
        if (session.previous) sendSessionEvent(options.sessionEndEvent, session.previous.id, session.previous.lastAccess);
        sendSessionEvent(options.sessionStartEvent, session.id, session.id);
      }
      return ctx;
    }

    var plugin = {
      name: PLUGIN_NAME + ' sessionId',
      version: '1.0.0',
      type: 'enrichment',
      isLoaded: function () { return loaded; },
      load: function (_ctx, instance) {
        analytics = instance || null;
        store = null; // chosen again now that analytics.js's storage is known
        loaded = true;
        return Promise.resolve();
      }
    };
    for (var i = 0; i < METHODS.length; i++) plugin[METHODS[i]] = enrich;
    return plugin;
  }

  /* ---------------------------------------------------------------- the factory */

  var ACTIONS = { sessionId: sessionIdPlugin };

  function amplitudePlugins(settings) {
    var plugins = [];
    var subs = subscriptionsOf(settings);
    for (var i = 0; i < subs.length; i++) {
      var sub = subs[i];
      if (!isObject(sub) || sub.enabled !== true) continue;
      var make = ACTIONS.hasOwnProperty(sub.partnerAction) ? ACTIONS[sub.partnerAction] : null;
      if (make) plugins.push(make(sub));
    }
    return plugins;
  }

  amplitudePlugins.pluginName = PLUGIN_NAME;
  // For tests and debugging only: the trigger compiler and the defaults.
  amplitudePlugins.compileTrigger = compileTrigger;
  amplitudePlugins.defaults = {
    sessionLength: DEFAULT_SESSION_LENGTH,
    sessionStartEvent: DEFAULT_START_EVENT,
    sessionEndEvent: DEFAULT_END_EVENT,
    types: DEFAULT_TYPES.slice()
  };

  root['amplitude-pluginsDestination'] = amplitudePlugins;
})(typeof window !== 'undefined' ? window : this);
