//! "Did you mean …": the nearest valid words to a mistyped one (rule
//! kinds, rules, `--conflict` presets, program and library names), and
//! lists that stay short however many names there are.

use crate::names::key;

/// At most this many suggestions.
const MOST: usize = 3;
/// How alike two names must be (normalised Damerau-Levenshtein, on the
/// names as compared by the name rule) to be suggested.
const ALIKE: f64 = 0.6;

/// The valid words nearest to `word`, best first, at most three.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = key(word);
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let have = key(candidate);
            let mut score = strsim::normalized_damerau_levenshtein(&wanted, &have);
            // A part of a long name ("webinar" for "2026 Q3 Webinar - …").
            if wanted.chars().count() >= 4 && have.contains(&wanted) {
                score = score.max(0.75);
            }
            (score >= ALIKE && have != wanted).then_some((score, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<&str> = Vec::new();
    for (_, candidate) in scored {
        if !out.iter().any(|c| key(c) == key(candidate)) {
            out.push(candidate);
        }
        if out.len() == MOST {
            break;
        }
    }
    out
}

/// " (did you mean "X"?)" (or "X" or "Y"), or nothing when no valid word
/// is near.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let near = nearest(word, candidates);
    if near.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = near.iter().map(|n| format!("\"{n}\"")).collect();
    format!(" (did you mean {}?)", quoted.join(" or "))
}

/// The valid word nearest to `word` however far (edit distance on the
/// names as compared by the name rule; the first of equals): for a bare
/// word that can only have meant one of a few (`--conflict newest`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = key(word);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&wanted, &key(c)), c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// What a source or library holds, for a message: every name when there
/// are few, else how many ("it holds 800 programs").
pub fn holdings(names: &[&str]) -> String {
    const FEW: usize = 6;
    match names.len() {
        0 => "it holds no readable program".to_string(),
        n if n <= FEW => {
            let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
            format!("it holds {}", quoted.join(", "))
        }
        n => format!("it holds {n} programs"),
    }
}

/// For a path that does not exist: " (did you mean "dir/sibling"?)" when
/// its directory holds a name near it, else nothing.
pub fn path_hint(path: &std::path::Path) -> String {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return String::new();
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return String::new();
    };
    let siblings: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let near = nearest(name, siblings.iter().map(String::as_str));
    let Some(best) = near.first() else {
        return String::new();
    };
    let shown = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => crate::error::show(&p.join(best)),
        _ => best.to_string(),
    };
    format!(" (did you mean \"{shown}\"?)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        assert_eq!(nearest("defualt", ["default", "ask"]), vec!["default"]);
        assert_eq!(
            nearest("Lifecyle 2", ["Lifecycle 2", "Data Management"]),
            vec!["Lifecycle 2"]
        );
        assert_eq!(
            nearest("landing-page-templat", ["landing-page-template", "image"]).len(),
            1
        );
        assert!(nearest("widget", ["program", "image", "form", "tag"]).is_empty());
        assert_eq!(
            nearest(
                "webinar",
                ["2026 Q3 Webinar - Scaling Marketing Ops", "Newsletter"]
            ),
            vec!["2026 Q3 Webinar - Scaling Marketing Ops"]
        );
    }

    #[test]
    fn at_most_three_however_many_are_near() {
        let names: Vec<String> = (0..800).map(|i| format!("Bench Program {i:05}")).collect();
        let near = nearest("Bench Program 0001", names.iter().map(String::as_str));
        assert_eq!(near.len(), 3);
        assert!(did_you_mean("x", ["y"]).is_empty());
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(holdings(&all), "it holds 800 programs");
    }
}
