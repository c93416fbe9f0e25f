// The mapping-kit suite: case generation, reference, comparison.

import { Rng, caseSeed } from '../lib/prng.mjs';
import { randomEvent } from '../lib/events.mjs';
import { generateMapping, MAP_FEATURES } from './generate.mjs';
import { referenceMap } from '../oracles/segment-core.mjs';
import { jsonEqual } from '../lib/compare.mjs';

export const mapSuite = {
  lang: 'map',
  subcommand: 'map',
  features: MAP_FEATURES,
  generate(seed, index) {
    const rng = new Rng(caseSeed(seed, index, 2));
    let event = randomEvent(rng);
    const { mapping, tags } = generateMapping(rng);
    // B.1: the event must be an object; anything else is an error.
    if (tags.has('event-not-object')) event = rng.pick([[event], 'event', null, 5]);
    return { case: { mapping, event }, tags };
  },
  reference: referenceMap,
  analyse: (c) => ({ mapping: c.mapping, event: c.event }),
  /** Both errors (messages not compared), or deep-equal outputs with JSON semantics. */
  equal(ref, amp) {
    if ('error' in ref) return typeof amp.error === 'string' && !('output' in amp);
    return 'output' in amp && !('error' in amp) && jsonEqual(ref.output, amp.output);
  },
};
