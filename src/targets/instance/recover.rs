//! Finishing a run a crash interrupted (the next run, undo or log on the
//! instance does it first, under the lock): read its journal, take back
//! every program that was in flight (what the journal names, newest
//! first, and what a create sent but not journaled left, found by name),
//! keep the programs that landed (their ledger entries), take back the
//! shared design-studio assets none of whose programs landed, and write
//! the receipt of what landed.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde_json::Value;

use super::state::{Event, Ledger, LedgerEntry, JOURNAL_RECEIPT};
use super::takeback::take_back_all;
use super::{find, rolled_back, InstanceTarget};
use crate::history::RemoteRecord;
use crate::marketo::Client;
use crate::plan::Code;

/// What one program (or the shared assets, `None`) did, as journaled.
#[derive(Default)]
struct Track {
    intents: Vec<(RemoteRecord, Option<u64>, Vec<usize>)>,
    done: Vec<RemoteRecord>,
    /// The users a `Done` line gave (a shared asset's replace).
    users: Vec<(RemoteRecord, Vec<usize>)>,
}

impl Track {
    /// What it created, newest last: journaled ones, and those whose
    /// create was sent but not journaled, found by name (then ours).
    fn created(&self, client: &Client) -> Vec<(RemoteRecord, Vec<usize>)> {
        let mut out: Vec<(RemoteRecord, Vec<usize>)> = Vec::new();
        let users_of = |record: &RemoteRecord| {
            self.users
                .iter()
                .find(|(r, _)| r == record)
                .map(|(_, users)| users.clone())
                .or_else(|| {
                    self.intents
                        .iter()
                        .find(|(i, _, _)| i.kind == record.kind && i.name == record.name)
                        .map(|(_, _, users)| users.clone())
                })
                .unwrap_or_default()
        };
        for record in &self.done {
            out.push((record.clone(), users_of(record)));
        }
        for (intent, parent, users) in &self.intents {
            let journaled = self
                .done
                .iter()
                .any(|r| r.kind == intent.kind && r.name == intent.name);
            if journaled {
                continue;
            }
            let parent = find::parent_ref(intent.kind, *parent);
            if let Ok(Some(id)) = find::find(client, intent.kind, &intent.name, parent) {
                out.push((
                    RemoteRecord {
                        id,
                        ..intent.clone()
                    },
                    users.clone(),
                ));
            }
        }
        out
    }
}

impl InstanceTarget {
    /// Finish a run a crash interrupted (see the module docs).
    pub(super) fn finish_run(
        &self,
        client: &Client,
        import_id: &str,
        events: &[Event],
    ) -> Result<()> {
        // Journals written before runs were concurrent tag nothing: their
        // events belong to the last program started.
        let mut current: Option<usize> = None;
        let mut tracks: BTreeMap<Option<usize>, Track> = BTreeMap::new();
        let mut started: Vec<usize> = Vec::new();
        let mut landed: BTreeMap<usize, (u64, LedgerEntry)> = BTreeMap::new();
        let mut failed: BTreeMap<usize, (Option<String>, String)> = BTreeMap::new();
        let mut rolled: BTreeSet<usize> = BTreeSet::new();
        let mut removed: Vec<RemoteRecord> = Vec::new();
        for event in events {
            match event {
                Event::Begin { .. } => {}
                Event::Program { index, .. } => {
                    current = Some(*index);
                    started.push(*index);
                }
                Event::Intent {
                    record,
                    parent,
                    program,
                    users,
                } => {
                    let owner = if users.is_empty() {
                        program.or(current)
                    } else {
                        None
                    };
                    tracks.entry(owner).or_default().intents.push((
                        record.clone(),
                        *parent,
                        users.clone(),
                    ));
                }
                Event::Done {
                    record,
                    program,
                    users,
                } => {
                    let owner = match program {
                        Some(p) => Some(*p),
                        // A shared asset's (its users say so, or an
                        // intent with users), else the last program
                        // started's (a journal of before programs were
                        // written at once).
                        None => {
                            let shared = !users.is_empty()
                                || tracks.get(&None).is_some_and(|t| {
                                    t.intents.iter().any(|(i, _, _)| {
                                        i.kind == record.kind && i.name == record.name
                                    })
                                });
                            if shared {
                                None
                            } else {
                                current
                            }
                        }
                    };
                    let track = tracks.entry(owner).or_default();
                    track.done.push(record.clone());
                    if !users.is_empty() {
                        track.users.push((record.clone(), users.clone()));
                    }
                }
                Event::Landed {
                    index,
                    program_id,
                    name,
                    bundle_digest,
                    source,
                } => {
                    landed.insert(
                        *index,
                        (
                            *program_id,
                            LedgerEntry {
                                name: name.clone(),
                                source: source.clone(),
                                import_id: import_id.to_string(),
                                bundle_digest: bundle_digest.clone(),
                            },
                        ),
                    );
                }
                Event::Failed {
                    index,
                    code,
                    message,
                } => {
                    failed.insert(*index, (code.clone(), message.clone()));
                }
                Event::RolledBack { index } => {
                    rolled.insert(*index);
                }
                Event::Removed { record } => removed.push(record.clone()),
            }
        }
        // Each newest first; what a rollback cut short had taken back is
        // left out.
        let take = |records: Vec<RemoteRecord>| -> Result<()> {
            let records: Vec<RemoteRecord> = records
                .into_iter()
                .filter(|r| !removed.contains(r))
                .collect();
            let warnings = take_back_all(client, &self.state, &records, |_| Ok(())).map_err(|e| {
                e.context(format!(
                    "an interrupted run left it; the next `mkimport run`, `undo` or `log` on {} tries again",
                    self.label
                ))
            })?;
            for warning in warnings {
                crate::errln!("warning: {}: {warning}", self.label);
            }
            Ok(())
        };
        // The programs in flight (or whose rollback was cut short), the
        // last started first.
        for &i in started.iter().rev() {
            if landed.contains_key(&i) || rolled.contains(&i) {
                continue;
            }
            let records = tracks
                .get(&Some(i))
                .map(|t| t.created(client))
                .unwrap_or_default();
            take(records.into_iter().map(|(r, _)| r).collect())?;
        }
        // The shared assets no program that landed uses.
        let shared = tracks
            .get(&None)
            .map(|t| t.created(client))
            .unwrap_or_default();
        let (kept_shared, unused): (Vec<_>, Vec<_>) = shared
            .into_iter()
            .partition(|(_, users)| users.iter().any(|u| landed.contains_key(u)));
        take(unused.into_iter().map(|(r, _)| r).collect())?;
        let kept_shared: Vec<RemoteRecord> = kept_shared.into_iter().map(|(r, _)| r).collect();
        for (program_id, entry) in landed.values() {
            Ledger::update(&self.state, *program_id, Some(entry.clone()))?;
        }
        if landed.is_empty() && failed.is_empty() {
            return Ok(());
        }
        // The receipt of what landed.
        let base = std::fs::read(self.state.join(JOURNAL_RECEIPT)).ok();
        let Some(base) = base.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else {
            crate::errln!(
                "warning: the interrupted run {import_id} on {} left no receipt to complete; `mkimport log` will not list it",
                self.label
            );
            return Ok(());
        };
        let mut kept = kept_shared;
        for i in landed.keys() {
            kept.extend(
                tracks
                    .get(&Some(*i))
                    .map(|t| t.done.clone())
                    .unwrap_or_default(),
            );
        }
        let receipt = interrupted_receipt(base, &landed.keys().copied().collect(), &failed, kept);
        let text = crate::output::report::to_json_text(&receipt);
        self.write_receipt_file(import_id, text.as_bytes())
    }
}

/// The receipt of an interrupted run, from the one written as it began
/// (every program not reached): the programs that landed are `ok` again,
/// those that failed `failed`, and the summary counted again.
pub(super) fn interrupted_receipt(
    mut base: Value,
    landed: &BTreeSet<usize>,
    failed: &BTreeMap<usize, (Option<String>, String)>,
    records: Vec<RemoteRecord>,
) -> Value {
    let stopped = Code::RunStopped.as_str();
    if let Some(programs) = base.get_mut("programs").and_then(Value::as_array_mut) {
        for (i, program) in programs.iter_mut().enumerate() {
            let status = if landed.contains(&i) {
                "ok"
            } else if failed.contains_key(&i) {
                "failed"
            } else {
                continue;
            };
            program["status"] = Value::from(status);
            if let Some(problems) = program.get_mut("problems").and_then(Value::as_array_mut) {
                problems.retain(|p| p["code"] != stopped);
                if let Some((_, message)) = failed.get(&i) {
                    problems.push(serde_json::json!({
                        "code": Code::ApiError.as_str(),
                        "message": rolled_back(message),
                        "severity": "error",
                    }));
                }
            }
        }
    }
    let count = |base: &Value, status: &str| {
        base["programs"]
            .as_array()
            .map_or(0, |p| p.iter().filter(|p| p["status"] == status).count())
    };
    let severity = |base: &Value, severity: &str| {
        let of_programs: usize = base["programs"].as_array().map_or(0, |programs| {
            programs
                .iter()
                .map(|p| {
                    p["problems"].as_array().map_or(0, |ps| {
                        ps.iter().filter(|x| x["severity"] == severity).count()
                    })
                })
                .sum()
        });
        let of_run = base["problems"].as_array().map_or(0, |ps| {
            ps.iter().filter(|x| x["severity"] == severity).count()
        });
        of_programs + of_run
    };
    let summary = serde_json::json!({
        "programs": base["programs"].as_array().map_or(0, Vec::len),
        "ok": count(&base, "ok"),
        "blocked": count(&base, "blocked"),
        "unchanged": count(&base, "unchanged"),
        "skipped": count(&base, "skipped"),
        "errors": severity(&base, "error"),
        "warnings": severity(&base, "warning"),
    });
    let failed_n = count(&base, "failed");
    base["summary"] = summary;
    if failed_n > 0 {
        base["summary"]["failed"] = Value::from(failed_n);
    }
    base["instance_assets"] = serde_json::to_value(records).unwrap_or(Value::Null);
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_receipt_counts_what_landed() {
        let base = serde_json::json!({
            "programs": [
                {"name": "A", "status": "skipped", "problems": [{"code": "run-stopped", "severity": "warning", "message": "m"}]},
                {"name": "B", "status": "skipped", "problems": [{"code": "run-stopped", "severity": "warning", "message": "m"}]},
                {"name": "C", "status": "blocked", "problems": [{"code": "missing-field", "severity": "error", "message": "m"}]},
            ],
            "summary": {},
        });
        let failed = BTreeMap::from([(1, (Some("709".to_string()), "refused".to_string()))]);
        let out = interrupted_receipt(base, &BTreeSet::from([0]), &failed, Vec::new());
        assert_eq!(out["programs"][0]["status"], "ok");
        assert_eq!(out["programs"][0]["problems"], serde_json::json!([]));
        assert_eq!(out["programs"][1]["status"], "failed");
        assert_eq!(
            out["summary"],
            serde_json::json!({"programs": 3, "ok": 1, "blocked": 1, "unchanged": 0, "skipped": 0,
                               "failed": 1, "errors": 2, "warnings": 0})
        );
    }
}
