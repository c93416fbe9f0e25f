// The trigger ("FQL") language suite: case generation, reference, comparison, deviation facts.

import { Rng, caseSeed } from '../lib/prng.mjs';
import { randomEvent } from '../lib/events.mjs';
import { generateTrigger, FQL_FEATURES } from './generate.mjs';
import { analyse } from './tokens.mjs';
import { referenceFql } from '../oracles/segment-core.mjs';

export const fqlSuite = {
  lang: 'fql',
  subcommand: 'fql',
  features: FQL_FEATURES,
  generate(seed, index) {
    const rng = new Rng(caseSeed(seed, index, 1));
    const event = randomEvent(rng);
    const { expr, tags } = generateTrigger(rng, event);
    return { case: { expr, event }, tags };
  },
  reference: referenceFql,
  analyse: (c) => analyse(c.expr),
  /** Error vs error (messages not compared) or equal `matches`; a reference throw is a non-match. */
  equal(ref, amp) {
    if (ref.threw) return amp.matches === false || typeof amp.error === 'string';
    if ('error' in ref) return typeof amp.error === 'string' && !('matches' in amp);
    return typeof amp.matches === 'boolean' && amp.matches === ref.matches && !('error' in amp);
  },
};
