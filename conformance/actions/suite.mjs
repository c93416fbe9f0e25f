// The Amplitude actions suite: whole events through an action (mapping, validation, perform),
// compared request by request with Segment's destination. See README.md.

import { Rng, caseSeed } from '../lib/prng.mjs';
import { generateActionCase, ACTIONS_FEATURES } from './generate.mjs';
import { referenceAction } from '../oracles/action-destinations.mjs';
import { jsonEqual, jsonDifferences } from '../lib/compare.mjs';

function parsedOr(text) {
  if (typeof text !== 'string') return { text };
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { text };
  }
}

const isStructure = (p) => 'json' in p && p.json !== null && typeof p.json === 'object';

/**
 * Form fields are strings; those holding JSON objects or arrays (identification, mapping,
 * options) compare as parsed JSON. Scalars compare as text: `1.0` and `1` are different keys.
 */
function formFieldEqual(a, b) {
  if (a === b) return true;
  const pa = parsedOr(a);
  const pb = parsedOr(b);
  return isStructure(pa) && isStructure(pb) && jsonEqual(pa.json, pb.json);
}

function requestEqual(ref, amp) {
  if (!amp || typeof amp !== 'object') return false;
  if (ref.method !== amp.method || ref.url !== amp.url || ref.content_type !== amp.content_type) return false;
  if (ref.content_type === 'application/json') return jsonEqual(ref.body, amp.body);
  if (!amp.body || typeof amp.body !== 'object') return false;
  const keys = Object.keys(ref.body);
  return keys.length === Object.keys(amp.body).length && keys.every((k) => Object.prototype.hasOwnProperty.call(amp.body, k) && formFieldEqual(ref.body[k], amp.body[k]));
}

/** Form bodies with their JSON-text fields parsed, so differences show inside them. */
function readable(request) {
  if (!request || request.content_type !== 'application/x-www-form-urlencoded' || !request.body || typeof request.body !== 'object') return request;
  const body = {};
  for (const [k, v] of Object.entries(request.body)) {
    const p = parsedOr(v);
    body[k] = isStructure(p) ? p.json : v;
  }
  return { ...request, body };
}

export const actionsSuite = {
  lang: 'actions',
  subcommand: 'test-event',
  features: ACTIONS_FEATURES,
  generate(seed, index) {
    return generateActionCase(new Rng(caseSeed(seed, index, 3)));
  },
  reference: referenceAction,
  analyse: (c) => c,
  /** Both rejected (any error), or the same requests in order. */
  equal(ref, amp) {
    const ampError = amp.error !== null && amp.error !== undefined;
    if ('error' in ref) return ampError;
    return !ampError && Array.isArray(amp.requests) && amp.requests.length === ref.requests.length && ref.requests.every((r, i) => requestEqual(r, amp.requests[i]));
  },
  kindOf(ref, amp) {
    if ('crash' in amp) return undefined;
    if ('invalid' in amp) return 'reference ' + ('error' in ref ? 'error' : 'requests') + ', ampline unreadable answer';
    const ampError = amp.error !== null && amp.error !== undefined;
    if ('error' in ref && !ampError) return 'reference error, ampline requests';
    if (!('error' in ref) && ampError) return `reference requests, ampline error ${amp.error?.code ?? ''}`.trim();
    if (ref.requests.length !== amp.requests?.length) return 'request counts differ';
    const i = ref.requests.findIndex((r, k) => !requestEqual(r, amp.requests[k]));
    const r = ref.requests[i];
    const a = amp.requests[i];
    if (r.url !== a?.url) return 'urls differ';
    if (r.content_type !== a?.content_type) return 'content types differ';
    // The first differing top-level path inside the body says most about the cause.
    const d = jsonDifferences(readable(r).body, readable(a).body, 1)[0];
    return `bodies differ at ${(d?.path ?? '/').replace(/\/\d+(?=\/|$)/g, '/*')}`;
  },
  /** Lines that locate a difference inside the requests. */
  explain(ref, amp) {
    if (!('requests' in ref) || !Array.isArray(amp.requests)) return [];
    const lines = [];
    ref.requests.forEach((r, i) => {
      for (const d of jsonDifferences(readable(r), readable(amp.requests[i]), 5)) {
        lines.push(`differs at request ${i}${d.path}: reference ${JSON.stringify(d.reference)}, ampline ${JSON.stringify(d.ampline)}`);
      }
    });
    return lines;
  },
};
