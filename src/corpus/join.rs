//! Joined tables: a second file loaded into memory, keyed by one column, whose fields
//! fill in those the main record lacks.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::{
    detect_format, missing_column, note_skip, open_records, CorpusError, Format, JoinSpec, Plan,
    RawRecord, ReadSummary,
};

/// One joined row: the wanted fields only.
struct JoinRow {
    line: u64,
    values: Vec<Option<String>>,
    latin1: bool,
}

/// A joined file, loaded.
pub(crate) struct JoinTable {
    path: PathBuf,
    on: String,
    on_slot: usize,
    rows: FxHashMap<String, JoinRow>,
    columns: Vec<String>,
}

impl JoinTable {
    /// Loads `spec.path`, keeping the fields `plan` wants. Bad rows are skipped and counted
    /// under `skip_bad`, else they fail the load; a duplicate key always does.
    pub(crate) fn load(
        spec: &JoinSpec,
        plan: &Plan,
        skip_bad: bool,
        summary: &mut ReadSummary,
    ) -> Result<Self, CorpusError> {
        let path = &spec.path;
        let format = detect_format(path)?;
        if format == Format::Dir {
            return Err(CorpusError::Invalid {
                path: path.clone(),
                message: "a joined table must be a CSV, TSV or JSON Lines file".into(),
            });
        }
        let on_slot = plan
            .index_of(&spec.on)
            .ok_or_else(|| CorpusError::Invalid {
                path: path.clone(),
                message: format!("join key \"{}\" is not a wanted field", spec.on),
            })?;
        let mut source = open_records(path, format, &plan.names)?;
        let check_key = |source: &dyn super::RecordSource| {
            if source.has_column(&spec.on) {
                Ok(())
            } else {
                Err(missing_column(
                    path,
                    "join key column",
                    &spec.on,
                    &source.columns(),
                ))
            }
        };
        if source.columns_upfront() {
            check_key(source.as_ref())?;
        }
        let mut rows = FxHashMap::default();
        let mut rec = RawRecord::new(plan.names.len());
        while let Some(next) = source.next_record(&mut rec) {
            match next {
                Ok(()) => {}
                Err(e @ CorpusError::BadRecord { .. }) if skip_bad => {
                    note_skip(summary, &e);
                    continue;
                }
                Err(e) => return Err(e),
            }
            let key = rec.slots[on_slot]
                .as_deref()
                .unwrap_or("")
                .trim()
                .to_string();
            if key.is_empty() {
                let e = CorpusError::BadRecord {
                    path: path.clone(),
                    line: rec.line,
                    message: format!("empty join key \"{}\"", spec.on),
                };
                if skip_bad {
                    note_skip(summary, &e);
                    continue;
                }
                return Err(e);
            }
            let row = JoinRow {
                line: rec.line,
                values: std::mem::replace(&mut rec.slots, vec![None; plan.names.len()]),
                latin1: rec.latin1,
            };
            if let Some(first) = rows.get(&key) {
                let first: &JoinRow = first;
                return Err(CorpusError::Invalid {
                    path: path.clone(),
                    message: format!(
                        "duplicate join key {} = \"{key}\" on lines {} and {}",
                        spec.on, first.line, row.line
                    ),
                });
            }
            rows.insert(key, row);
        }
        if !source.columns_upfront() && source.records_read() > 0 {
            check_key(source.as_ref())?;
        }
        summary.warnings.extend(source.take_warnings());
        Ok(JoinTable {
            path: path.clone(),
            on: spec.on.clone(),
            on_slot,
            rows,
            columns: source.columns(),
        })
    }

    /// The joined file's columns.
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Whether the joined file has `name`.
    pub(crate) fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    /// Fills the fields `rec` lacks from the row matching its key.
    pub(crate) fn apply(&self, rec: &mut RawRecord, main_path: &Path) -> Result<(), CorpusError> {
        let key = rec.slots[self.on_slot].as_deref().unwrap_or("").trim();
        let Some(row) = self.rows.get(key) else {
            return Err(CorpusError::BadRecord {
                path: main_path.to_path_buf(),
                line: rec.line,
                message: format!(
                    "no row with {} = \"{key}\" in {}",
                    self.on,
                    self.path.display()
                ),
            });
        };
        for (slot, value) in rec.slots.iter_mut().zip(&row.values) {
            if slot.is_none() {
                slot.clone_from(value);
            }
        }
        rec.latin1 |= row.latin1;
        Ok(())
    }
}
