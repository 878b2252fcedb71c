//! State that survives a restart ([`crate::Config::state_file`]): every request that
//! changed a sandbox's state is appended to a JSON-lines file, and a sandbox started on
//! the same file replays them, with webhooks held back, before it serves. Ids come from
//! the seed the file records, so the replay makes the same payments under the same ids
//! (and the same tokens), whichever provider it is: no provider has to know how to save
//! itself.
//!
//! One file holds several sandboxes (`payspec sandbox --state FILE` keeps all five in
//! one): each line names its sandbox. A line that cannot be read is skipped, never fatal.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

use crate::Request;

/// Where a sandbox keeps its state, and under which name in that file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateFile {
    /// The JSON-lines file (created when missing).
    pub path: PathBuf,
    /// The sandbox's name in it (e.g. `nopan`).
    pub sandbox: String,
}

impl StateFile {
    /// `sandbox`'s state in `path`.
    pub fn new(path: impl Into<PathBuf>, sandbox: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            sandbox: sandbox.into(),
        }
    }
}

/// One journaled request.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    sandbox: String,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    method: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    query: Vec<(String, String)>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: String,
}

/// The headers a replay needs (the rest, e.g. `content-length`, is recomputed or moot).
const KEPT_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "idempotency-key",
    "correlationid",
    "x-correlation-id",
];

fn entries(path: &Path, sandbox: &str) -> Vec<Entry> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
        .filter(|entry| entry.sandbox == sandbox)
        .collect()
}

/// The seed `state` records for its sandbox; when it records none, `wanted` (or a random
/// one) is recorded and returned.
pub(crate) fn seed(state: &StateFile, wanted: Option<u64>) -> std::io::Result<u64> {
    if let Some(seed) = entries(&state.path, &state.sandbox)
        .iter()
        .find_map(|entry| entry.seed)
    {
        return Ok(seed);
    }
    let seed = wanted.unwrap_or_else(|| fastrand::u64(..));
    append(
        &state.path,
        &Entry {
            sandbox: state.sandbox.clone(),
            seed: Some(seed),
            method: String::new(),
            path: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: String::new(),
        },
    )?;
    Ok(seed)
}

fn append(path: &Path, entry: &Entry) -> std::io::Result<()> {
    let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // One write per line: lines of several sandboxes in one file do not interleave.
    file.write_all(line.as_bytes())
}

/// The requests a sandbox journaled, to replay in order.
pub(crate) fn recorded(state: &StateFile, pages: &str) -> Vec<Request> {
    entries(&state.path, &state.sandbox)
        .into_iter()
        .filter(|entry| entry.seed.is_none())
        .filter_map(|entry| {
            let method = http::Method::from_bytes(entry.method.as_bytes()).ok()?;
            let mut headers = http::HeaderMap::new();
            for (name, value) in &entry.headers {
                let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
                let value = http::HeaderValue::from_str(value).ok()?;
                headers.append(name, value);
            }
            Some(Request {
                method,
                path: entry.path,
                query: entry.query,
                headers,
                body: Bytes::from(STANDARD.decode(entry.body).ok()?),
                pages: pages.to_string(),
            })
        })
        .collect()
}

/// Appends what changed a sandbox's state.
#[derive(Clone, Debug)]
pub(crate) struct Journal {
    state: StateFile,
    /// Serialises appends of one sandbox.
    lock: Arc<Mutex<()>>,
}

impl Journal {
    pub(crate) fn new(state: StateFile) -> Self {
        Self {
            state,
            lock: Arc::default(),
        }
    }

    /// Records `request` (its path as the handler saw it, below the base path).
    pub(crate) fn record(&self, request: &Request) {
        let entry = Entry {
            sandbox: self.state.sandbox.clone(),
            seed: None,
            method: request.method.to_string(),
            path: request.path.clone(),
            query: request.query.clone(),
            headers: request
                .headers
                .iter()
                .filter(|(name, _)| KEPT_HEADERS.contains(&name.as_str()))
                .filter_map(|(name, value)| {
                    Some((name.to_string(), value.to_str().ok()?.to_string()))
                })
                .collect(),
            body: STANDARD.encode(&request.body),
        };
        let _one_at_a_time = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = append(&self.state.path, &entry) {
            eprintln!(
                "payspec sandbox: cannot record state in {}: {e}",
                self.state.path.display()
            );
        }
    }
}
