//! What the human formats (the table, Markdown) say about a plan besides
//! its rows: the problems several programs share, and the counts per
//! action that end the report ("12 to create, 3 to rename, …").

use std::collections::HashMap;

use crate::plan::{Action, AssetAction, AssetKind, Plan, Problem, ProgramPlan, Severity, Status};

/// The actions in the order the counts list them; an action not listed
/// here (a newer one) comes after them, by name.
const ACTION_ORDER: [Action; 12] = [
    Action::Create,
    Action::Rename,
    Action::Overwrite,
    Action::Reuse,
    Action::Remap,
    Action::Localize,
    Action::Deactivate,
    Action::Unschedule,
    Action::Manual,
    Action::Skip,
    Action::Drop,
    Action::Ignore,
];

/// A plain creation: an asset that comes through as it is, under its own
/// name. The human formats count these rather than list them (unless
/// `--verbose`).
pub fn is_plain(asset: &AssetAction) -> bool {
    asset.action == Action::Create
}

/// A routine row: a plain creation, or a reuse of what the target
/// already has as it is (an identical asset, an existing tag value). The
/// table counts these rather than list them (unless `--verbose`).
pub fn is_routine(asset: &AssetAction) -> bool {
    is_plain(asset)
        || (asset.action == Action::Reuse
            && (&*asset.reason == "identical" || asset.kind == AssetKind::Tag))
}

/// A smart-list rule or flow step a live instance's API cannot write
/// (action `manual` on a smart campaign): there are many per program, so
/// the human formats count them rather than list them (unless
/// `--verbose`). Manual tokens and tags stay listed: each is a decision.
pub fn is_handwork(asset: &AssetAction) -> bool {
    asset.action == Action::Manual && asset.kind == AssetKind::SmartCampaign
}

/// "25 smart-list rules and flow steps of 5 campaigns to add by hand"
/// (None when the program has none).
pub fn handwork_line(program: &ProgramPlan) -> Option<String> {
    let rows: Vec<&AssetAction> = program.assets.iter().filter(|a| is_handwork(a)).collect();
    if rows.is_empty() {
        return None;
    }
    let mut campaigns: Vec<&str> = rows.iter().map(|a| &*a.name).collect();
    campaigns.sort_unstable();
    campaigns.dedup();
    Some(format!(
        "{} smart-list {} and flow {} of {} to add by hand in Marketo",
        thousands(rows.len()),
        if rows.len() == 1 { "rule" } else { "rules" },
        if rows.len() == 1 { "step" } else { "steps" },
        kind_count("campaign", campaigns.len())
    ))
}

/// The name an asset gets in the target, when it is not its own.
pub fn renamed(asset: &AssetAction) -> Option<&str> {
    let result: &str = &asset.result_name;
    (!result.is_empty() && result != &*asset.name).then_some(result)
}

/// A row of a human listing: one asset, or several of one kind that
/// share their action and reason (and keep their names).
#[derive(Debug)]
pub struct Row<'a> {
    pub action: &'static str,
    pub kind: &'static str,
    pub reason: &'a str,
    pub assets: Vec<&'a AssetAction>,
}

impl Row<'_> {
    /// The names of the row, each passed through `shown` (escaping for
    /// Markdown, cleaning for a terminal): "old → new" for one renamed
    /// asset, else every name, comma-separated.
    pub fn names(&self, shown: impl Fn(&str) -> String) -> String {
        match self.assets.as_slice() {
            [one] => match renamed(one) {
                Some(result) => format!("{} → {}", shown(&one.name), shown(result)),
                None => shown(&one.name),
            },
            many => many
                .iter()
                .map(|a| shown(&a.name))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// The rows of a program that `keep` picks, in plan order; with `merge`,
/// an asset joins the first row of its kind with the same action and
/// reason (a renamed asset keeps its own row).
pub fn rows<'a>(
    program: &'a ProgramPlan,
    keep: impl Fn(&AssetAction) -> bool,
    merge: bool,
) -> Vec<Row<'a>> {
    let mut rows: Vec<Row<'a>> = Vec::new();
    for asset in program.assets.iter().filter(|a| keep(a)) {
        let action = asset.action.as_str();
        let reason: &str = &asset.reason;
        if merge && renamed(asset).is_none() {
            let same = rows.iter_mut().find(|r| {
                r.action == action
                    && r.kind == asset.kind.as_str()
                    && r.reason == reason
                    && renamed(r.assets[0]).is_none()
            });
            if let Some(row) = same {
                row.assets.push(asset);
                continue;
            }
        }
        rows.push(Row {
            action,
            kind: asset.kind.as_str(),
            reason,
            assets: vec![asset],
        });
    }
    rows
}

/// One problem that several programs have, word for word.
#[derive(Debug)]
pub struct Shared<'a> {
    pub problem: &'a Problem,
    /// The programs that have it, in plan order.
    pub programs: Vec<&'a str>,
}

/// (is an error, code, message).
type Key<'a> = (bool, &'a str, &'a str);

fn key(problem: &Problem) -> Key<'_> {
    (
        problem.severity == Severity::Error,
        problem.code.as_str(),
        problem.message.as_str(),
    )
}

/// The problems of a plan that more than one program shares.
#[derive(Debug)]
pub struct Overview<'a> {
    /// Errors first, then warnings; the most widespread first.
    pub shared: Vec<Shared<'a>>,
    index: HashMap<Key<'a>, usize>,
}

impl<'a> Overview<'a> {
    pub fn new(plan: &'a Plan) -> Overview<'a> {
        // Each problem with the programs that have it, and the index of
        // the last of them: a program that reports the same problem twice
        // counts once.
        let mut seen: HashMap<Key<'a>, (Shared<'a>, usize)> = HashMap::new();
        let mut order: Vec<Key<'a>> = Vec::new();
        for (i, program) in plan.programs.iter().enumerate() {
            for problem in &program.problems {
                let (entry, last) = seen.entry(key(problem)).or_insert_with(|| {
                    order.push(key(problem));
                    let shared = Shared {
                        problem,
                        programs: Vec::new(),
                    };
                    (shared, usize::MAX)
                });
                if *last != i {
                    *last = i;
                    entry.programs.push(&program.name);
                }
            }
        }
        let mut shared: Vec<Shared<'a>> = order
            .into_iter()
            .filter_map(|k| seen.remove(&k))
            .map(|(s, _)| s)
            .filter(|s| s.programs.len() > 1)
            .collect();
        // Stable: equal counts keep the plan's order.
        shared.sort_by_key(|s| {
            (
                s.problem.severity != Severity::Error,
                std::cmp::Reverse(s.programs.len()),
            )
        });
        let index = shared
            .iter()
            .enumerate()
            .map(|(i, s)| (key(s.problem), i))
            .collect();
        Overview { shared, index }
    }

    /// Is this problem one of the shared ones (shown once, not per
    /// program)?
    pub fn is_shared(&self, problem: &Problem) -> bool {
        self.index.contains_key(&key(problem))
    }

    /// The problems of a program that are its own (not shared), of one
    /// severity.
    pub fn own<'p>(
        &'p self,
        program: &'p ProgramPlan,
        severity: Severity,
    ) -> impl Iterator<Item = &'p Problem> + 'p {
        program
            .problems
            .iter()
            .filter(move |p| p.severity == severity && !self.is_shared(p))
    }

    /// The shared problems of one severity.
    pub fn shared_of(&self, severity: Severity) -> impl Iterator<Item = &Shared<'a>> {
        self.shared
            .iter()
            .filter(move |s| s.problem.severity == severity)
    }
}

/// How many rows of the programs that will be imported take each action,
/// in [`ACTION_ORDER`].
pub fn action_counts(plan: &Plan) -> Vec<(Action, usize)> {
    let mut counts = [0usize; ACTION_ORDER.len()];
    for program in plan.programs.iter().filter(|p| p.status == Status::Ok) {
        for asset in &program.assets {
            counts[rank(asset.action)] += 1;
        }
    }
    ACTION_ORDER
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(action, n)| (*action, n))
        .collect()
}

/// Where an action comes in [`ACTION_ORDER`].
fn rank(action: Action) -> usize {
    match action {
        Action::Create => 0,
        Action::Rename => 1,
        Action::Overwrite => 2,
        Action::Reuse => 3,
        Action::Remap => 4,
        Action::Localize => 5,
        Action::Deactivate => 6,
        Action::Unschedule => 7,
        Action::Manual => 8,
        Action::Skip => 9,
        Action::Drop => 10,
        Action::Ignore => 11,
    }
}

/// "Plan: 12 to create, 3 to rename, 1 to overwrite, 2 to deactivate,
/// 46 to do by hand (manual); 1 program blocked" (terraform-style), or
/// "Plan: nothing to import; …". Every count is "N to ACTION", but
/// `manual`'s, which is "N to do by hand (manual)".
pub fn plan_line(plan: &Plan) -> String {
    let counts = action_counts(plan);
    let mut line = String::from("Plan: ");
    if counts.is_empty() {
        line.push_str("nothing to import");
    } else {
        let parts: Vec<String> = counts
            .iter()
            .map(|(action, n)| match action {
                // "to manual" reads oddly: said in words, the action kept
                // in brackets for whoever parses the counts.
                Action::Manual => format!("{} to do by hand (manual)", thousands(*n)),
                _ => format!("{} to {}", thousands(*n), action.as_str()),
            })
            .collect();
        line.push_str(&parts.join(", "));
    }
    let mut tail = Vec::new();
    for (status, what) in [
        (Status::Blocked, "blocked"),
        (Status::Unchanged, "unchanged"),
        (Status::Skipped, "skipped"),
        (Status::Failed, "failed"),
    ] {
        let n = plan.count(status);
        if n > 0 {
            tail.push(format!("{} {} {what}", thousands(n), programs(n)));
        }
    }
    if !tail.is_empty() {
        line.push_str("; ");
        line.push_str(&tail.join(", "));
    }
    line
}

/// "program" or "programs".
pub fn programs(n: usize) -> &'static str {
    if n == 1 {
        "program"
    } else {
        "programs"
    }
}

/// A count with thousands separators: 31000 → "31,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 token", "7 tokens", "2 landing pages": an asset kind counted.
pub fn kind_count(kind: &str, n: usize) -> String {
    let words = kind.replace('-', " ");
    if n == 1 {
        format!("1 {words}")
    } else {
        format!("{} {words}s", thousands(n))
    }
}

/// The rows of a program that `which` picks, counted per kind in the
/// order the kinds first appear: (10, "1 program, 7 tokens, 2 emails").
pub fn kind_counts(program: &ProgramPlan, which: impl Fn(&AssetAction) -> bool) -> (usize, String) {
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    let mut total = 0;
    for asset in program.assets.iter().filter(|a| which(a)) {
        total += 1;
        match kinds.iter_mut().find(|(k, _)| *k == asset.kind.as_str()) {
            Some((_, n)) => *n += 1,
            None => kinds.push((asset.kind.as_str(), 1)),
        }
    }
    let text = kinds
        .iter()
        .map(|(k, n)| kind_count(k, *n))
        .collect::<Vec<_>>()
        .join(", ");
    (total, text)
}

/// A few names and how many more: "A, B, C and 797 more"; every name
/// when `all`.
pub fn some_names(names: &[&str], few: usize, all: bool) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    if all || names.len() <= few + 1 {
        return quoted.join(", ");
    }
    format!(
        "{} and {} more",
        quoted[..few].join(", "),
        thousands(names.len() - few)
    )
}

/// Where an `ok` program lands: its campaign folder in the target.
pub fn folder_of(program: &ProgramPlan) -> Option<String> {
    let dir = &program.writes.as_ref()?.dir;
    let inside = dir.strip_prefix("marketing-activities/")?;
    Some(match inside.rsplit_once('/') {
        Some((folder, _)) => folder.to_string(),
        None => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_place_in_the_order() {
        for (i, action) in ACTION_ORDER.iter().enumerate() {
            assert_eq!(rank(*action), i, "{}", action.as_str());
        }
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(31000), "31,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn a_few_names_then_a_count() {
        let names = ["a", "b", "c", "d", "e"];
        assert_eq!(
            some_names(&names, 3, false),
            "\"a\", \"b\", \"c\" and 2 more"
        );
        assert_eq!(
            some_names(&names[..4], 3, false),
            "\"a\", \"b\", \"c\", \"d\""
        );
        assert_eq!(some_names(&names, 3, true).matches(',').count(), 4);
    }

    #[test]
    fn kinds_are_counted_in_words() {
        assert_eq!(kind_count("landing-page", 2), "2 landing pages");
        assert_eq!(kind_count("program", 1), "1 program");
    }
}
