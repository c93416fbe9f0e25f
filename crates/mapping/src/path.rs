//! Paths such as `$.items[0].sku`: how the reference splits them and walks them.

use crate::value::{array_index, write_string_form, Js};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

/// A path split into the keys it walks; no keys means the root itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    keys: Vec<Box<str>>,
}

impl Path {
    /// A path as `@path` and `@arrayPath` take it: the first `$.` anywhere is removed first.
    pub(crate) fn from_directive(path: &str) -> Path {
        match path.find("$.") {
            Some(at) => {
                let mut stripped = String::with_capacity(path.len() - 2);
                stripped.push_str(&path[..at]);
                stripped.push_str(&path[at + 2..]);
                Path::parse(&stripped)
            }
            None => Path::parse(path),
        }
    }

    /// Splits at every `.`, at `[` before a quote or digit and at a run of `]` after a quote or
    /// digit; drops empty pieces, then deletes every quote from each piece.
    pub(crate) fn parse(path: &str) -> Path {
        let bytes = path.as_bytes();
        let is_anchor = |b: u8| b == b'"' || b == b'\'' || b.is_ascii_digit();
        let mut keys = Vec::new();
        let mut push = |piece: &str| {
            if !piece.is_empty() {
                keys.push(piece.replace(['\'', '"'], "").into_boxed_str());
            }
        };
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let opens_index = b == b'[' && bytes.get(i + 1).is_some_and(|&n| is_anchor(n));
            let split_len = if b == b'.' || opens_index {
                1
            } else if b == b']' && i > 0 && is_anchor(bytes[i - 1]) {
                bytes[i..].iter().take_while(|&&c| c == b']').count()
            } else {
                0
            };
            if split_len > 0 {
                push(&path[start..i]);
                i += split_len;
                start = i;
            } else {
                i += 1;
            }
        }
        push(&path[start..]);
        Path { keys }
    }
}

/// A literal `@path`, with the ids of its prefixes (`context`, `context.device`, …) when it is
/// compiled as part of a whole mapping, so one run resolves each prefix once however many paths
/// share it.
#[derive(Debug, Clone)]
pub(crate) struct SharedPath {
    pub(crate) path: Path,
    prefix_ids: Option<Box<[u32]>>,
}

/// Numbers the distinct prefixes of the paths of one mapping.
#[derive(Debug, Default)]
pub(crate) struct PrefixIds {
    ids: HashMap<(u32, Box<str>), u32>,
    tree: PrefixTree,
}

/// The prefixes of a mapping's literal paths as a tree of keys: what one run resolves from the
/// event before anything is evaluated.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrefixTree {
    /// The first keys of the paths, with their ids.
    roots: Vec<(Box<str>, u32)>,
    /// The keys that follow each prefix, by the prefix's id.
    children: Vec<Vec<(Box<str>, u32)>>,
    /// Every longer prefix of each prefix, by the prefix's id.
    descendants: Vec<Vec<u32>>,
}

impl PrefixIds {
    const ROOT: u32 = u32::MAX;

    pub(crate) fn into_tree(self) -> PrefixTree {
        fn collect(children: &[Vec<(Box<str>, u32)>], id: u32, into: &mut Vec<u32>) {
            for (_, child) in children.get(id as usize).map_or(&[][..], Vec::as_slice) {
                into.push(*child);
                collect(children, *child, into);
            }
        }
        let mut tree = self.tree;
        tree.descendants = (0..tree.children.len())
            .map(|id| {
                let mut below = Vec::new();
                collect(&tree.children, id as u32, &mut below);
                below
            })
            .collect();
        tree
    }

    pub(crate) fn share(&mut self, path: Path) -> SharedPath {
        let mut parent = Self::ROOT;
        let mut prefix_ids = Vec::with_capacity(path.keys.len());
        for key in &path.keys {
            let next = u32::try_from(self.ids.len()).unwrap_or(Self::ROOT);
            let id = *self.ids.entry((parent, key.clone())).or_insert(next);
            if id == next && next != Self::ROOT {
                self.tree.children.push(Vec::new());
                let siblings = if parent == Self::ROOT {
                    Some(&mut self.tree.roots)
                } else {
                    self.tree.children.get_mut(parent as usize)
                };
                if let Some(siblings) = siblings {
                    siblings.push((key.clone(), id));
                }
            }
            prefix_ids.push(id);
            parent = id;
        }
        // Past u32::MAX prefixes (no real mapping) ids would clash; such paths are not shared.
        let usable = prefix_ids.iter().all(|&id| id != Self::ROOT);
        SharedPath {
            path,
            prefix_ids: usable.then(|| prefix_ids.into_boxed_slice()),
        }
    }

    /// A path that is not shared (compiled outside a whole mapping, e.g. in `@transform`).
    pub(crate) fn alone(path: Path) -> SharedPath {
        SharedPath {
            path,
            prefix_ids: None,
        }
    }
}

/// What one run has resolved of the prefixes of a mapping's paths, from the event itself. Only
/// results borrowed from the event are kept; a lookup from any other root walks as usual.
pub(crate) struct Memo<'a> {
    event: &'a Value,
    prefixes: Vec<Resolved<'a>>,
}

#[derive(Clone, Copy)]
enum Resolved<'a> {
    Unknown,
    Missing,
    Data(&'a Value),
}

impl<'a> Memo<'a> {
    /// Resolves every prefix of `tree` that a walk through the event's objects decides: one look
    /// per prefix, so most lookups then only read their answer. What a walk through anything else
    /// gives (an array's item, a string's length) is left to the lookup itself.
    pub(crate) fn new(event: &'a Value, tree: &PrefixTree) -> Self {
        let prefixes = match event {
            Value::Object(map) => {
                // Most prefixes an event lacks are below another it lacks: they start missing
                // rather than being marked so one by one.
                let mut prefixes = vec![Resolved::Missing; tree.children.len()];
                resolve_members(map, &tree.roots, tree, &mut prefixes);
                prefixes
            }
            _ => vec![Resolved::Unknown; tree.children.len()],
        };
        Memo { event, prefixes }
    }

    /// `lookup(root, path)`: read from what the run resolved when `root` is the event; walked
    /// otherwise, and for the paths the event's objects alone do not decide.
    #[inline]
    pub(crate) fn lookup<'r>(&self, root: &'r Js<'a>, shared: &SharedPath) -> Found<'r, 'a> {
        if let (Js::Ref(data), Some(ids)) = (root, &shared.prefix_ids) {
            if std::ptr::eq(*data, self.event) {
                match ids.last().and_then(|id| self.prefixes.get(*id as usize)) {
                    Some(Resolved::Missing) => return Found::Missing,
                    Some(Resolved::Data(value)) => return Found::Data(value),
                    _ => {}
                }
            }
        }
        lookup(root, &shared.path)
    }
}

/// Resolves the prefixes `keys` under the object `map`, and theirs in turn: through truthy
/// objects by their members; below a missing member everything is missing, and below a falsy
/// one everything is that value, as a walk would find.
fn resolve_members<'a>(
    map: &'a serde_json::Map<String, Value>,
    keys: &[(Box<str>, u32)],
    tree: &PrefixTree,
    prefixes: &mut [Resolved<'a>],
) {
    for (key, id) in keys {
        let found = find_member(map, key);
        let resolved = found.map_or(Resolved::Missing, Resolved::Data);
        if let Some(slot) = prefixes.get_mut(*id as usize) {
            *slot = resolved;
        }
        let below = tree
            .children
            .get(*id as usize)
            .map_or(&[][..], Vec::as_slice);
        if below.is_empty() {
            continue;
        }
        // Below a missing member everything is missing already; below anything but an object
        // the walk decides (an array's items, a string's length), and below a falsy value
        // everything is that value.
        let below_all = match found {
            Some(Value::Object(child)) => {
                resolve_members(child, below, tree, prefixes);
                continue;
            }
            None => continue,
            Some(child) if ampline_js::is_truthy(Some(child)) => Resolved::Unknown,
            Some(_) => resolved,
        };
        for longer in tree.descendants.get(*id as usize).into_iter().flatten() {
            if let Some(slot) = prefixes.get_mut(*longer as usize) {
                *slot = below_all;
            }
        }
    }
}

/// Where a lookup ended: borrowed from the event (`Data`), borrowed from a value built during
/// this run (`Local`, `LocalJs`), or made by the lookup itself (`Computed`: a string's length or
/// one of its characters).
pub(crate) enum Found<'r, 'a> {
    Missing,
    Data(&'a Value),
    Local(&'r Value),
    LocalJs(&'r Js<'a>),
    Computed(Box<Value>),
}

impl<'r, 'a> Found<'r, 'a> {
    pub(crate) fn of(value: &'r Js<'a>) -> Found<'r, 'a> {
        match value {
            Js::Undefined => Found::Missing,
            Js::Ref(v) => Found::Data(v),
            Js::Owned(v) => Found::Local(v),
            other => Found::LocalJs(other),
        }
    }

    fn json(&self) -> Option<&Value> {
        match self {
            Found::Data(v) => Some(v),
            Found::Local(v) => Some(v),
            Found::Computed(v) => Some(v),
            Found::Missing | Found::LocalJs(_) => None,
        }
    }

    fn is_truthy(&self) -> bool {
        match self {
            Found::Missing => false,
            Found::LocalJs(_) => true,
            other => ampline_js::is_truthy(other.json()),
        }
    }

    /// Neither missing nor `null`.
    pub(crate) fn is_present(&self) -> bool {
        match self {
            Found::Missing => false,
            Found::LocalJs(_) => true,
            other => !matches!(other.json(), Some(Value::Null)),
        }
    }

    /// `value[key]` for a truthy value.
    fn index(self, key: &str) -> Found<'r, 'a> {
        match self {
            Found::Missing => Found::Missing,
            Found::Data(v) => match index_json(v, key) {
                Step::Child(c) => Found::Data(c),
                Step::Computed(c) => Found::Computed(Box::new(c)),
                Step::Missing => Found::Missing,
            },
            Found::Local(v) => match index_json(v, key) {
                Step::Child(c) => Found::Local(c),
                Step::Computed(c) => Found::Computed(Box::new(c)),
                Step::Missing => Found::Missing,
            },
            Found::Computed(v) => match index_json(&v, key) {
                Step::Child(c) => Found::Computed(Box::new(c.clone())),
                Step::Computed(c) => Found::Computed(Box::new(c)),
                Step::Missing => Found::Missing,
            },
            Found::LocalJs(Js::Array(items)) => {
                if key == "length" {
                    return Found::Computed(Box::new(Value::from(items.len())));
                }
                match array_index(key).and_then(|i| items.get(i as usize)) {
                    Some(item) => Found::of(item),
                    None => Found::Missing,
                }
            }
            Found::LocalJs(Js::Object(entries)) => {
                match entries.iter().find(|(k, _)| k.as_ref() == key) {
                    Some((_, item)) => Found::of(item),
                    None => Found::Missing,
                }
            }
            Found::LocalJs(other) => Found::of(other).index(key),
        }
    }

    pub(crate) fn into_js(self) -> Js<'a> {
        match self {
            Found::Missing => Js::Undefined,
            Found::Data(v) => Js::Ref(v),
            Found::Local(v) => Js::Owned(Box::new(v.clone())),
            Found::LocalJs(v) => v.clone(),
            Found::Computed(v) => Js::Owned(v),
        }
    }

    /// Appends `String(value)`.
    pub(crate) fn write_string_form(&self, out: &mut String) {
        match self {
            Found::Missing => out.push_str("undefined"),
            Found::LocalJs(v) => write_string_form(out, v),
            other => {
                if let Some(v) = other.json() {
                    ampline_js::write_js_string(out, v);
                }
            }
        }
    }

    /// The members of an object, or of an array keyed by index; `None` for anything else.
    pub(crate) fn entries(&self) -> Option<Vec<(Cow<'a, str>, Js<'a>)>> {
        fn json_entries<'v, 'a>(
            v: &'v Value,
            wrap: impl Fn(&'v Value) -> Js<'a>,
            key: impl Fn(&'v String) -> Cow<'a, str>,
        ) -> Option<Vec<(Cow<'a, str>, Js<'a>)>> {
            match v {
                Value::Object(map) => Some(map.iter().map(|(k, v)| (key(k), wrap(v))).collect()),
                Value::Array(items) => Some(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (Cow::Owned(i.to_string()), wrap(v)))
                        .collect(),
                ),
                _ => None,
            }
        }
        match self {
            Found::Missing => None,
            Found::Data(v) => json_entries(v, Js::Ref, |k| Cow::Borrowed(k.as_str())),
            Found::Local(v) => json_entries(
                v,
                |c| Js::Owned(Box::new(c.clone())),
                |k| Cow::Owned(k.clone()),
            ),
            Found::Computed(v) => json_entries(
                v,
                |c| Js::Owned(Box::new(c.clone())),
                |k| Cow::Owned(k.clone()),
            ),
            Found::LocalJs(Js::Array(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (Cow::Owned(i.to_string()), v.clone()))
                    .collect(),
            ),
            Found::LocalJs(Js::Object(entries)) => Some(entries.clone()),
            Found::LocalJs(other) => Found::of(other).entries(),
        }
    }
}

enum Step<'v> {
    Missing,
    Child(&'v Value),
    Computed(Value),
}

/// `value[key]` on a JSON value: own keys of objects, indices and `length` of arrays and strings.
fn index_json<'v>(value: &'v Value, key: &str) -> Step<'v> {
    match value {
        Value::Object(map) => find_member(map, key).map_or(Step::Missing, Step::Child),
        Value::Array(items) => {
            if key == "length" {
                return Step::Computed(Value::from(items.len()));
            }
            match array_index(key).and_then(|i| items.get(i as usize)) {
                Some(item) => Step::Child(item),
                None => Step::Missing,
            }
        }
        Value::String(s) => {
            if key == "length" {
                return Step::Computed(Value::from(ampline_js::utf16_len(s)));
            }
            let unit = array_index(key).and_then(|i| s.encode_utf16().nth(i as usize));
            match unit {
                Some(unit) => Step::Computed(Value::String(
                    char::from_u32(u32::from(unit))
                        .unwrap_or('\u{fffd}')
                        .to_string(),
                )),
                None => Step::Missing,
            }
        }
        _ => Step::Missing,
    }
}

/// An object member by key. Event objects are small, and comparing a few keys costs less than
/// hashing the one looked up.
#[inline(always)]
fn find_member<'v>(map: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    const SCAN_UP_TO: usize = 16;
    if map.len() <= SCAN_UP_TO {
        map.iter()
            .find(|(k, _)| ampline_js::same_key(k, key))
            .map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// Walks `path` from `root`, stopping at the first falsy value, which is the result.
pub(crate) fn lookup<'r, 'a>(root: &'r Js<'a>, path: &Path) -> Found<'r, 'a> {
    let mut current = Found::of(root);
    for key in &path.keys {
        if !current.is_truthy() {
            return current;
        }
        current = current.index(key);
    }
    current
}

/// A path string computed at run time, walked as `@path` walks it.
pub(crate) fn lookup_directive_path<'r, 'a>(root: &'r Js<'a>, path: &str) -> Found<'r, 'a> {
    lookup(root, &Path::from_directive(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Vec<String> {
        Path::parse(path)
            .keys
            .iter()
            .map(|k| k.to_string())
            .collect()
    }

    #[test]
    fn splitting_follows_the_reference_pattern() {
        assert_eq!(keys("items[1].sku"), ["items", "1", "sku"]);
        assert_eq!(keys("p[\"my key\"]"), ["p", "my key"]);
        assert_eq!(keys("p['my key']"), ["p", "my key"]);
        assert_eq!(keys("p[\"a.b\"]"), ["p", "a", "b"]);
        assert_eq!(keys("p[x]"), ["p[x]"]);
        assert_eq!(keys("p.it's"), ["p", "its"]);
        assert_eq!(keys("a..b"), ["a", "b"]);
        assert_eq!(keys("a[0]]]x"), ["a", "0", "x"]);
        assert_eq!(keys("a.\"\""), ["a", ""]);
        assert!(keys("").is_empty());
        assert!(keys("..").is_empty());
    }

    #[test]
    fn only_the_first_root_marker_is_removed() {
        assert_eq!(Path::from_directive("a.$.b"), Path::parse("a.b"));
        assert_eq!(Path::from_directive("$.$.b"), Path::parse("$.b"));
        assert_eq!(Path::from_directive("$"), Path::parse("$"));
    }
}
