// Names every JavaScript object, array or string inherits from its prototype. The reference reads
// them through ordinary property access (`properties.constructor.name` is "Object"); ampline
// reads only a value's own data. Used by the deviation predicates.

const OBJECT = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__defineSetter__', '__lookupGetter__',
  '__lookupSetter__'];
const NAMES = new Set([
  ...OBJECT,
  ...Object.getOwnPropertyNames(Array.prototype),
  ...Object.getOwnPropertyNames(String.prototype),
  ...Object.getOwnPropertyNames(Number.prototype),
  ...Object.getOwnPropertyNames(Boolean.prototype),
]);
// `length` is own data to strings and arrays, and both implementations read it.
NAMES.delete('length');

/** Whether a dotted or bracketed path names an inherited member anywhere after its head. */
export function pathNamesInheritedMember(path) {
  return String(path)
    .split(/[.\[\]'"\s{}|:,]+/)
    .some((piece) => NAMES.has(piece));
}

/** Every string in a JSON value, keys included. */
export function* strings(value) {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield key;
      yield* strings(item);
    }
  }
}
