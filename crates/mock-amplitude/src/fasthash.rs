//! A fast, non-cryptographic hasher (the "Fx" multiply-rotate scheme rustc uses) for the store's
//! maps keyed by user, device and project IDs. Hash flooding is no concern for a test mock, and
//! SipHash was a measurable share of ingesting a 2000-event batch.

use std::hash::{BuildHasher, Hasher};

#[derive(Debug, Clone, Copy, Default)]
pub struct FxBuildHasher;

impl BuildHasher for FxBuildHasher {
    type Hasher = FxHasher;

    fn build_hasher(&self) -> FxHasher {
        FxHasher { hash: 0 }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (slot, byte) in word.iter_mut().zip(rest) {
                *slot = *byte;
            }
            self.add(u64::from_le_bytes(word));
        }
        // Zero padding alone would make "a" and "a\0" collide.
        self.add(bytes.len() as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FastMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_different_keys_usually_differ() {
        let hash = |text: &str| FxBuildHasher.hash_one(text);
        assert_eq!(hash("user-000123"), hash("user-000123"));
        assert_ne!(hash("user-000123"), hash("user-000124"));
        assert_ne!(hash("a"), hash("a\0"));
        let mut map: FastMap<String, u32> = FastMap::default();
        map.insert("device-1".into(), 1);
        assert_eq!(map.get("device-1"), Some(&1));
    }
}
