// Equality with JSON semantics: object key order is ignored, numbers compare by value, and
// arrays compare item by item.

export function jsonEqual(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
}

/** Canonical JSON (sorted keys) for hashing or display of structures regardless of order. */
export function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

/** Where two JSON values differ, as JSON-pointer-like paths with both sides (at most `limit`). */
export function jsonDifferences(a, b, limit = 3, path = '') {
  if (jsonEqual(a, b)) return [];
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return [{ path: path || '/', reference: a, ampline: b }];
  const keys = Array.isArray(a) ? Array.from({ length: Math.max(a.length, b.length) }, (_, i) => String(i)) : [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const found = [];
  for (const key of keys) {
    if (found.length >= limit) break;
    const inA = Object.prototype.hasOwnProperty.call(a, key);
    const inB = Object.prototype.hasOwnProperty.call(b, key);
    if (!inA || !inB) found.push({ path: `${path}/${key}`, reference: inA ? a[key] : '(absent)', ampline: inB ? b[key] : '(absent)' });
    else found.push(...jsonDifferences(a[key], b[key], limit - found.length, `${path}/${key}`));
  }
  return found;
}
