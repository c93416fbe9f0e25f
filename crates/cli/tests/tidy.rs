//! House rules that a compiler won't enforce, checked on every test run.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A failed expectation is a failed test.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The functional core: pure libraries that do no I/O and know nothing of HTTP, SQL or async.
const CORE_CRATES: &[&str] = &[
    "js",
    "fql",
    "liquid",
    "mapping",
    "amplitude",
    "useragent",
    "ingest",
];

/// What a core crate may depend on, build and dev dependencies alike.
const CORE_ALLOWED: &[&str] = &[
    "ampline-js",
    "ampline-fql",
    "ampline-liquid",
    "ampline-mapping",
    "ampline-amplitude",
    "ampline-useragent",
    "serde",
    "serde_json",
    "ryu-js",
    "itoa",
    "foldhash",
    "regex",
    "flate2",
    "base64",
    "proptest",
    "divan",
    // The binary's allocator, so benches and examples measure what ships (dev only).
    "tikv-jemallocator",
];

fn dependency_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line.ends_with("dependencies]");
            continue;
        }
        if in_dependencies && !line.is_empty() && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim().trim_end_matches(".workspace").to_string());
            }
        }
    }
    names
}

#[test]
fn core_crates_depend_only_on_pure_libraries() {
    for krate in CORE_CRATES {
        let path = workspace_root()
            .join("crates")
            .join(krate)
            .join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).expect("read manifest");
        for name in dependency_names(&manifest) {
            assert!(
                CORE_ALLOWED.contains(&name.as_str()),
                "core crate `{krate}` depends on `{name}`; core crates are pure (see ARCHITECTURE.md)"
            );
        }
    }
}

#[test]
fn every_crate_has_a_crate_level_doc_comment() {
    let crates = std::fs::read_dir(workspace_root().join("crates")).expect("list crates");
    for entry in crates {
        let dir = entry.expect("crate dir").path();
        let root = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|file| dir.join(file))
            .find(|file| file.exists())
            .expect("a crate root");
        let source = std::fs::read_to_string(&root).expect("read crate root");
        assert!(
            source.starts_with("//!"),
            "{} must open with a //! doc comment",
            root.display()
        );
    }
}
