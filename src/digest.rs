//! Content digests (SHA-256, lower-case hex).

use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest over a set of named files, independent of the order they were
/// read in: the (path, content digest) pairs, sorted by path, hashed. A
/// path added again replaces its earlier content, so the digest of a tree
/// after some writes can be computed from the digest of the tree before.
#[derive(Default, Debug, Clone, PartialEq)]
pub struct TreeDigest {
    entries: std::collections::BTreeMap<String, String>,
}

impl TreeDigest {
    pub fn add(&mut self, path: &str, bytes: &[u8]) {
        self.entries.insert(path.to_string(), sha256_hex(bytes));
    }

    pub fn add_digest(&mut self, path: &str, digest: &str) {
        self.entries.insert(path.to_string(), digest.to_string());
    }

    /// Leave a file out (it was removed).
    pub fn remove(&mut self, path: &str) {
        self.entries.remove(path);
    }

    /// Every path with its content digest, sorted by path.
    pub fn entries(&self) -> &std::collections::BTreeMap<String, String> {
        &self.entries
    }

    pub fn finish(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, digest) in &self.entries {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(digest.as_bytes());
            hasher.update([b'\n']);
        }
        hex(&hasher.finalize())
    }
}

/// A writer that hashes what is written to it (to digest a report without
/// keeping it in memory).
#[derive(Default)]
pub struct HashWriter(Sha256);

impl HashWriter {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
