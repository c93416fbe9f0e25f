// The reference side of the actions suite: Segment's Amplitude (Actions) destination from
// `@segment/action-destinations` (pinned in package.json), run in-process. actions-core's fetch is
// replaced by a stub that records each request and answers 200, so nothing leaves the machine.
//
// Results use the shape of `ampline test-event --ndjson`: `{requests: [{method, url, content_type,
// body}]}` or `{error}`. Three documented deviations of crates/amplitude (its crate doc, items 1-3)
// are normalised away here, on the reference's requests, because they are exact and local:
//   1. `use_batch_endpoint` inside each event of a JSON body is removed;
//   2. the form field `options` with the text `undefined` is removed;
//   3. Group Identify's associate-user `time` is removed when it is the pinned "now" or null.

import { createRequire } from 'node:module';
import path from 'node:path';

// The reference parses dates with the process's time zone (dayjs on `new Date(text)`); ampline
// reads non-ISO dates as UTC.
process.env.TZ = 'UTC';

const require = createRequire(import.meta.url);
const core = require('@segment/actions-core');
const fetchModule = require(path.join(path.dirname(require.resolve('@segment/actions-core')), 'fetch.js'));
const definition = require('@segment/action-destinations/dist/destinations/amplitude').default;

// "Now" (`new Date()` with no argument, which `dayjs.utc(undefined)` uses) is pinned to a sentinel
// so that it is recognisable in the reference's output.
export const NOW_SENTINEL = 4102444800000;
const RealDate = globalThis.Date;
// The benchmark keeps the real `Date`: a subclass would slow the reference down.
if (process.env.AMPLINE_ORACLE_REAL_DATE !== '1') globalThis.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(NOW_SENTINEL);
    else super(...args);
  }
  static now() {
    return NOW_SENTINEL;
  }
};

let captured = [];
fetchModule.default = async (request) => {
  captured.push({ method: request.method, url: request.url, contentType: request.headers.get('content-type') ?? '', body: await request.text() });
  return new fetchModule.Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
};

const destination = new core.Destination(definition);

export const ACTION_IDS = Object.keys(definition.actions);

/** The action's default field values: what `mapping: null` stands for on the ampline side. */
export function defaultMapping(action) {
  return core.defaultValues(definition.actions[action].fields);
}

/** The presets as `{name, action, mapping}`, for the cloud actions only. */
export const PRESETS = definition.presets
  .filter((p) => p.partnerAction in definition.actions && p.mapping)
  .map((p) => ({ name: p.name, action: p.partnerAction, mapping: p.mapping }));

/** Each action's field keys, with their declared types, for the mapping generator. */
export const ACTION_FIELDS = Object.fromEntries(
  Object.entries(definition.actions).map(([id, a]) => [id, Object.fromEntries(Object.entries(a.fields).map(([k, f]) => [k, { type: f.type, multiple: !!f.multiple, required: f.required === true }]))]),
);

function normalise(raw) {
  const mediaType = raw.contentType.split(';')[0].trim();
  if (mediaType === 'application/json') {
    const body = JSON.parse(raw.body);
    if (Array.isArray(body?.events)) for (const event of body.events) if (event && typeof event === 'object') delete event.use_batch_endpoint;
    return { method: raw.method, url: raw.url, content_type: mediaType, body };
  }
  const body = {};
  for (const [key, value] of new URLSearchParams(raw.body)) {
    if (key === 'options' && value === 'undefined') continue;
    if (key === 'identification' && raw.url.endsWith('/identify')) {
      const parsed = tryJson(value);
      if (Array.isArray(parsed)) {
        for (const item of parsed) if (item && (item.time === null || item.time === NOW_SENTINEL)) delete item.time;
        body[key] = JSON.stringify(parsed);
        continue;
      }
    }
    body[key] = value;
  }
  return { method: raw.method, url: raw.url, content_type: mediaType, body };
}

function tryJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{requests}` or `{error}` for one case `{action, event, mapping, settings}`. */
export async function referenceAction(testCase) {
  const { action, event, mapping, settings } = structuredClone(testCase);
  captured = [];
  try {
    await destination.executeAction(action, { event, mapping: mapping ?? defaultMapping(action), settings });
  } catch (e) {
    return { error: String(e?.message ?? e).split(/\n\s+at /)[0].replace(/\s+/g, ' ').trim(), errorType: e?.constructor?.name };
  }
  return { requests: captured.map(normalise) };
}

/**
 * The reference's whole per-event path, for the benchmark: trigger-free (the caller checks the
 * trigger), mapping, validation and perform with the recording fetch stub.
 */
export async function executeForBench(action, event, mapping, settings) {
  captured = [];
  await destination.executeAction(action, { event, mapping, settings });
  return captured.length;
}
