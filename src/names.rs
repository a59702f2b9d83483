//! Name identity and safe file names.
//!
//! Assets are identified by the `name` inside their JSON, never by their
//! file name. Two names are equal when they are equal after trimming the
//! surrounding white space and lower-casing (Unicode).

/// The identity key of a name: trimmed and Unicode lower-cased.
pub fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// True when two names denote the same asset.
pub fn same(a: &str, b: &str) -> bool {
    key(a) == key(b)
}

/// The `n`-th suffixed variant of a name: "Standard Template 1", or for an
/// image "hero 1.png" (the number goes before the extension).
pub fn suffixed(name: &str, n: u32, is_file: bool) -> String {
    let name = name.trim();
    if is_file {
        if let Some(dot) = name.rfind('.') {
            if dot > 0 {
                return format!("{} {}{}", &name[..dot], n, &name[dot..]);
            }
        }
    }
    format!("{name} {n}")
}

/// The first free suffixed variant, n = 1, 2, ...; `taken` answers for a key.
pub fn first_free(name: &str, is_file: bool, taken: impl Fn(&str) -> bool) -> String {
    (1u32..)
        .map(|n| suffixed(name, n, is_file))
        .find(|candidate| !taken(&key(candidate)))
        .expect("an unbounded range always yields a free name")
}

/// Device names Windows reserves, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "conin$", "conout$", "com0", "com1", "com2", "com3", "com4",
    "com5", "com6", "com7", "com8", "com9", "com¹", "com²", "com³", "lpt0", "lpt1", "lpt2", "lpt3",
    "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "lpt¹", "lpt²", "lpt³",
];

/// Longest extension kept by [`safe_file_name`], in bytes.
const MAX_EXTENSION: usize = 16;

/// Longest file-name stem we write, in bytes (leaves room for a suffix and
/// an extension under the usual 255-byte limit).
const MAX_STEM: usize = 180;

/// A file-name stem safe on Linux, macOS and Windows: path separators,
/// control characters and characters Windows forbids become `_`, leading and
/// trailing dots and spaces are dropped, reserved device names get a `_`,
/// and long names are cut on a character boundary.
pub fn safe_stem(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    out = out.trim_matches(|c| c == '.' || c == ' ').to_string();
    if out.is_empty() {
        out = "_".to_string();
    }
    let base = out
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_lowercase();
    if RESERVED.contains(&base.as_str()) {
        out.insert(0, '_');
    }
    if out.len() > MAX_STEM {
        let mut cut = MAX_STEM;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// A safe file name that keeps a (short) extension: the stem is made safe
/// and cut as [`safe_stem`] does, so the result stays under the usual
/// 255-byte limit even after a " 123" suffix.
pub fn safe_file_name(name: &str) -> String {
    let name = name.trim();
    match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot - 1 <= MAX_EXTENSION && dot + 1 < name.len() => {
            let ext = safe_stem(&name[dot + 1..]);
            format!("{}.{ext}", safe_stem(&name[..dot]))
        }
        _ => safe_stem(name),
    }
}

/// A safe file name built from `stem` + `ext` that is not yet in `used`
/// (compared case-insensitively, so it is unique on case-insensitive file
/// systems too). Adds " (2)", " (3)", ... before the extension when needed.
pub fn unique_file_name(stem: &str, ext: &str, used: impl Fn(&str) -> bool) -> String {
    let stem = safe_stem(stem);
    let first = format!("{stem}{ext}");
    if !used(&first.to_lowercase()) {
        return first;
    }
    (2u32..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|c| !used(&c.to_lowercase()))
        .expect("an unbounded range always yields a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_trim_and_lowercase() {
        assert!(same("Standard Template", "standard template "));
        assert!(same("ÉTÉ", "été"));
        assert!(!same("Standard Template", "Standard Template 1"));
    }

    #[test]
    fn suffix_goes_before_extension_for_files() {
        assert_eq!(suffixed("hero.png", 1, true), "hero 1.png");
        assert_eq!(
            suffixed("Standard Template", 2, false),
            "Standard Template 2"
        );
        assert_eq!(suffixed(".hidden", 1, true), ".hidden 1");
    }

    #[test]
    fn first_free_skips_taken() {
        let taken = ["standard template 1".to_string()];
        let got = first_free("Standard Template", false, |k| taken.iter().any(|t| t == k));
        assert_eq!(got, "Standard Template 2");
    }

    #[test]
    fn safe_stems() {
        assert_eq!(safe_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_stem(".."), "_");
        assert_eq!(safe_stem("CON"), "_CON");
        assert_eq!(safe_stem("a\u{7}b"), "a_b");
        assert!(safe_stem(&"é".repeat(300)).len() <= MAX_STEM);
        assert_eq!(safe_stem("NUL .txt"), "_NUL .txt");
        assert_eq!(safe_stem("conin$"), "_conin$");
    }

    #[test]
    fn safe_file_names_keep_the_extension() {
        let long = format!("{}.png", "b".repeat(300));
        let safe = safe_file_name(&long);
        assert!(
            safe.ends_with(".png") && safe.len() <= MAX_STEM + 4,
            "{safe}"
        );
        assert_eq!(safe_file_name("a/b.png"), "a_b.png");
        assert_eq!(safe_file_name("hero.png"), "hero.png");
        let renamed = suffixed(&safe, 12, true);
        assert!(renamed.ends_with(" 12.png") && renamed.len() < 255);
    }

    #[test]
    fn unique_names_are_case_insensitive() {
        let used = ["invite.json".to_string()];
        let got = unique_file_name("Invite", ".json", |n| used.iter().any(|u| u == n));
        assert_eq!(got, "Invite (2).json");
    }
}
