// A small seeded PRNG (mulberry32) plus the choice helpers the generators share.
// Determinism matters more than quality here: the same seed must give the same cases on every
// machine, so that a reported difference can be replayed by its seed and index alone.

export function mulberry32(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Mixes a round's seed, a suite salt and a case index into one case's seed, so that any single
 * case can be regenerated on its own and different round seeds give unrelated cases (not the
 * same cases in another order, as a plain XOR of seed and index would).
 */
export function caseSeed(seed, index, salt = 0) {
  const roundKey = fmix32(fmix32(seed >>> 0) + Math.imul(salt + 1, 0x9e3779b9));
  return fmix32((roundKey + Math.imul(index + 1, 0x632be5ab)) >>> 0);
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Picks from [[weight, value], …]; a function value is called. */
  weighted(entries) {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [w, v] of entries) {
      roll -= w;
      if (roll < 0) return typeof v === 'function' ? v() : v;
    }
    const last = entries[entries.length - 1][1];
    return typeof last === 'function' ? last() : last;
  }
  /** Up to n distinct items, order randomised. */
  sample(items, n) {
    const copy = [...items];
    const out = [];
    while (out.length < n && copy.length) out.push(copy.splice(this.int(0, copy.length - 1), 1)[0]);
    return out;
  }
  hex(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
  uuid() {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }
}
