//! Loading a provider's spec: YAML text -> JSON value -> `openapiv3::OpenAPI`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One spec file as read from disk.
pub struct SpecFile {
    /// `specs/<p>.yaml`, relative to the workspace root.
    pub relative: String,
    /// The file's bytes, hashed for the generated header and the build guard.
    pub bytes: Vec<u8>,
    /// The document as JSON (YAML anchors resolved).
    pub json: Value,
}

impl SpecFile {
    /// Reads and parses `specs/<provider>.yaml`.
    pub fn load(root: &Path, provider: &str) -> Result<Self, String> {
        let relative = format!("specs/{provider}.yaml");
        let path: PathBuf = root.join(&relative);
        let bytes = std::fs::read(&path).map_err(|e| format!("{relative}: {e}"))?;
        let text =
            std::str::from_utf8(&bytes).map_err(|e| format!("{relative}: not UTF-8: {e}"))?;
        let json: Value =
            serde_saphyr::from_str(text).map_err(|e| format!("{relative}: invalid YAML: {e}"))?;
        Ok(Self {
            relative,
            bytes,
            json,
        })
    }

    /// Lower-case hex sha256 of the file's bytes.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Escapes one JSON-pointer token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
