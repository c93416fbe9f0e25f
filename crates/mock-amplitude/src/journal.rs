//! The state file: an append-only journal of accepted data, one JSON line per accepted request,
//! so a restarted mock keeps its records, its insert_id de-duplication window and the user IDs
//! deletions and user search know.
//!
//! A line is `{"kind":"events","request_id":7,"project":"prod","endpoint":"/batch",
//! "at_ms":1717000000000,"indexes":[0,2],"items":[{…},{…}]}` (`kind` is a record kind name).
//! Lines are written and flushed before the request is answered. Replaying skips lines that do
//! not parse (a crash can leave a partial last line). Rate-limit windows, faults and the request
//! log are not persisted. `POST /_mock/reset` empties the file.

use crate::records::{RecordKind, Recorded};
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One accepted request's items, as written to and read from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub kind: RecordKind,
    pub request_id: u64,
    pub project: Arc<str>,
    pub endpoint: Arc<str>,
    pub at_ms: u64,
    pub indexed_items: Vec<(usize, Value)>,
}

impl JournalEntry {
    pub fn into_records(self) -> impl Iterator<Item = Recorded> {
        let JournalEntry {
            request_id,
            project,
            endpoint,
            at_ms,
            indexed_items,
            ..
        } = self;
        indexed_items
            .into_iter()
            .map(move |(index, item)| Recorded {
                request_id,
                project: Arc::clone(&project),
                endpoint: Arc::clone(&endpoint),
                index,
                received_ms: at_ms,
                item,
            })
    }
}

#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

/// What was read back from an existing state file.
#[derive(Debug, Default)]
pub struct Replay {
    pub entries: Vec<JournalEntry>,
    pub skipped_lines: usize,
}

impl Journal {
    /// Opens (creating if needed) the state file and reads back what it holds.
    pub fn open(path: &Path) -> io::Result<(Journal, Replay)> {
        let mut replay = Replay::default();
        if path.exists() {
            let reader = BufReader::new(File::open(path)?);
            for line in reader.lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                match parse_line(&line) {
                    Some(entry) => replay.entries.push(entry),
                    None => replay.skipped_lines += 1,
                }
            }
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        if !ends_with_newline_or_empty(path)? {
            // Close a partial last line so the next entry starts on a line of its own.
            file.write_all(b"\n")?;
        }
        let journal = Journal {
            path: path.to_owned(),
            file,
        };
        Ok((journal, replay))
    }

    pub fn append(&mut self, records: &[&Recorded], kind: RecordKind) -> io::Result<()> {
        let Some(first) = records.first() else {
            return Ok(());
        };
        let line = json!({
            "kind": kind.name(),
            "request_id": first.request_id,
            "project": &*first.project,
            "endpoint": &*first.endpoint,
            "at_ms": first.received_ms,
            "indexes": records.iter().map(|record| record.index).collect::<Vec<_>>(),
            "items": records.iter().map(|record| &record.item).collect::<Vec<_>>(),
        });
        let mut bytes = serde_json::to_vec(&line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        self.file.write_all(&bytes)?;
        self.file.flush()
    }

    /// Empties the file (on reset).
    pub fn truncate(&mut self) -> io::Result<()> {
        self.file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&self.path)?;
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        Ok(())
    }
}

fn ends_with_newline_or_empty(path: &Path) -> io::Result<bool> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut file = File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last == *b"\n")
}

fn parse_line(line: &str) -> Option<JournalEntry> {
    let Value::Object(mut line) = serde_json::from_str::<Value>(line).ok()? else {
        return None;
    };
    let kind = RecordKind::from_name(line.get("kind")?.as_str()?)?;
    let request_id = line.get("request_id")?.as_u64()?;
    let project: Arc<str> = Arc::from(line.get("project")?.as_str()?);
    let endpoint: Arc<str> = Arc::from(line.get("endpoint")?.as_str()?);
    let at_ms = line.get("at_ms")?.as_u64()?;
    let indexes = line
        .get("indexes")?
        .as_array()?
        .iter()
        .map(|index| index.as_u64().and_then(|index| usize::try_from(index).ok()))
        .collect::<Option<Vec<_>>>()?;
    let Value::Array(items) = line.remove("items")? else {
        return None;
    };
    if items.len() != indexes.len() {
        return None;
    }
    Some(JournalEntry {
        kind,
        request_id,
        project,
        endpoint,
        at_ms,
        indexed_items: indexes.into_iter().zip(items).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_reopen_and_partial_lines_are_skipped() -> io::Result<()> {
        let dir = std::env::temp_dir().join(format!("mock-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("state.ndjson");
        let _ = std::fs::remove_file(&path);
        let record = Recorded {
            request_id: 9,
            project: Arc::from("p"),
            endpoint: Arc::from("/batch"),
            index: 1,
            received_ms: 77,
            item: json!({"event_type":"e","insert_id":"i"}),
        };
        {
            let (mut journal, replay) = Journal::open(&path)?;
            assert!(replay.entries.is_empty());
            journal.append(&[&record], RecordKind::Events)?;
            journal.file.write_all(b"{\"kind\":\"ev")?;
        }
        let (mut journal, replay) = Journal::open(&path)?;
        assert_eq!(replay.skipped_lines, 1);
        assert_eq!(replay.entries.len(), 1);
        let records: Vec<Recorded> = replay
            .entries
            .into_iter()
            .flat_map(JournalEntry::into_records)
            .collect();
        assert_eq!(records, vec![record.clone()]);
        journal.append(&[&record], RecordKind::Identifies)?;
        drop(journal);
        let (mut journal, replay) = Journal::open(&path)?;
        assert_eq!(replay.entries.len(), 2);
        assert_eq!(
            replay.entries.get(1).map(|entry| entry.kind),
            Some(RecordKind::Identifies)
        );
        journal.truncate()?;
        let (_, replay) = Journal::open(&path)?;
        assert!(replay.entries.is_empty() && replay.skipped_lines == 0);
        std::fs::remove_dir_all(&dir)
    }
}
