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

/// The most a state file is read (256 MiB): a file is outside input, so its reading is
/// bounded; what lies beyond is not replayed (and said on stderr).
const MAX_FILE: u64 = 256 << 20;

/// The longest line read (2 MiB: a request body is at most 1 MiB, base64 makes it 4/3).
const MAX_LINE: usize = 2 << 20;

/// Skips to just after the next newline; false at the end of the input or on an error.
fn skip_line(reader: &mut impl BufRead) -> bool {
    loop {
        let (done, used) = match reader.fill_buf() {
            Ok([]) | Err(_) => return false,
            Ok(buffer) => match buffer.iter().position(|b| *b == b'\n') {
                Some(at) => (true, at + 1),
                None => (false, buffer.len()),
            },
        };
        reader.consume(used);
        if done {
            return true;
        }
    }
}

fn entries(path: &Path, sandbox: &str) -> Vec<Entry> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    if file.metadata().is_ok_and(|m| m.len() > MAX_FILE) {
        eprintln!(
            "payspec sandbox: {} is over {MAX_FILE} bytes; only its start is replayed",
            path.display()
        );
    }
    let mut reader = std::io::BufReader::new(std::io::Read::take(file, MAX_FILE));
    let mut found = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        // Reads up to the newline, but never more than MAX_LINE + 1 bytes of one line.
        let read =
            std::io::Read::take(&mut reader, (MAX_LINE + 1) as u64).read_until(b'\n', &mut line);
        match read {
            Ok(0) | Err(_) => break,
            Ok(_) if line.len() > MAX_LINE && !line.ends_with(b"\n") => {
                // An over-long line: skip the rest of it without keeping it.
                if !skip_line(&mut reader) {
                    break;
                }
            }
            Ok(_) => {
                if let Ok(entry) = serde_json::from_slice::<Entry>(&line)
                    && entry.sandbox == sandbox
                {
                    found.push(entry);
                }
            }
        }
    }
    found
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
            let target = match entry.query.is_empty() {
                true => entry.path.clone(),
                false => {
                    let query = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&entry.query)
                        .finish();
                    format!("{}?{query}", entry.path)
                }
            };
            Some(Request {
                method,
                path: entry.path,
                target,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_over_long_line_is_skipped_and_the_lines_around_it_are_read() {
        let dir = std::env::temp_dir().join(format!("payspec-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.jsonl");
        let line = |seed: u64| format!("{{\"sandbox\":\"s\",\"seed\":{seed}}}\n");
        let long = format!(
            "{{\"sandbox\":\"s\",\"body\":\"{}\"}}\n",
            "A".repeat(MAX_LINE + 10)
        );
        std::fs::write(&path, format!("{}{long}not json\n{}", line(1), line(2))).unwrap();
        let seeds: Vec<u64> = entries(&path, "s").iter().filter_map(|e| e.seed).collect();
        assert_eq!(seeds, [1, 2]);
        assert!(entries(&path, "other").is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
