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

/// How a renamed name is spelled (rule `rename-style`): "Standard
/// Template 1" (`Space`, the seed page's) or "Standard Template - 1"
/// (`Dash`, today's Marketo).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Spelling {
    #[default]
    Space,
    Dash,
}

impl Spelling {
    /// What goes between the name and its number.
    fn separator(self) -> &'static str {
        match self {
            Spelling::Space => " ",
            Spelling::Dash => " - ",
        }
    }
}

/// The `n`-th suffixed variant of a name: "Standard Template 1", or for an
/// image "hero 1.png" (the number goes before the extension); with
/// [`Spelling::Dash`], "Standard Template - 1" and "hero - 1.png".
pub fn suffixed(name: &str, n: u32, is_file: bool, spelling: Spelling) -> String {
    let name = name.trim();
    let sep = spelling.separator();
    if is_file {
        if let Some(dot) = name.rfind('.') {
            if dot > 0 {
                return format!("{}{sep}{}{}", &name[..dot], n, &name[dot..]);
            }
        }
    }
    format!("{name}{sep}{n}")
}

/// The first free suffixed variant, n = 1, 2, ...; `taken` answers for a key.
pub fn first_free(
    name: &str,
    is_file: bool,
    spelling: Spelling,
    taken: impl Fn(&str) -> bool,
) -> String {
    (1u32..)
        .map(|n| suffixed(name, n, is_file, spelling))
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
    let (stem, ext) = split_safe_file_name(name);
    format!("{stem}{ext}")
}

/// [`safe_file_name`] as (stem, extension with its dot, or "").
fn split_safe_file_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot - 1 <= MAX_EXTENSION && dot + 1 < name.len() => {
            let ext = safe_stem(&name[dot + 1..]);
            (safe_stem(&name[..dot]), format!(".{ext}"))
        }
        _ => (safe_stem(name), String::new()),
    }
}

/// File names the format gives a meaning to, or that readers skip
/// (compared ignoring case): a campaign folder's `program.json` makes it a
/// program, its `folder.json` holds its tokens; `Thumbs.db`, `.DS_Store`
/// and `__MACOSX` are archiver and desktop litter that every reader skips.
/// No asset and no program directory is ever given one of these names.
/// (`.mkimport` and names starting with `._` cannot come out of
/// [`safe_stem`], which drops leading dots.)
const FORMAT_NAMES: &[&str] = &[
    "program.json",
    "folder.json",
    "thumbs.db",
    ".ds_store",
    "__macosx",
];

/// Hex digits of the name's digest that tell two names apart when their
/// safe forms are equal.
const NAME_HASH_LEN: usize = 8;

/// The short digest of a name that [`file_name`] and [`image_file_name`]
/// add: of its identity key, so equal names get equal digests.
fn name_hash(name: &str) -> String {
    let mut hash = crate::digest::sha256_hex(key(name).as_bytes());
    hash.truncate(NAME_HASH_LEN);
    hash
}

/// Is this file name one the format reserves?
fn reserved(file: &str) -> bool {
    FORMAT_NAMES.contains(&file.to_lowercase().as_str())
}

/// The file (or directory) name for an asset or program named `name`,
/// with the extension `ext` (".json", or "" for a directory): its safe
/// stem plus `ext` when that stem spells the name itself (trimmed) and the
/// result is no name the format reserves; otherwise the safe stem with
/// `~` and 8 hex digits of a digest of the name: "a/b" becomes
/// "a_b~5c1f0a8e.json" and can never take the file of "a_b". The same name
/// always gets the same file name, whatever else is imported with it.
pub fn file_name(name: &str, ext: &str) -> String {
    let stem = safe_stem(name);
    let plain = format!("{stem}{ext}");
    if stem == name.trim() && !reserved(&plain) {
        plain
    } else {
        format!("{stem}~{}{ext}", name_hash(name))
    }
}

/// The file name, and so the name in the target, of an image named
/// `name` (an image's file name is its name): [`safe_file_name`] when that
/// spells the name itself and is no reserved name; otherwise the safe name
/// with `~` and 8 hex digits of a digest of the name before the extension:
/// `logo:dark.png` becomes `logo_dark~0e2b4c61.png` and never takes the
/// file of `logo_dark.png`.
pub fn image_file_name(name: &str) -> String {
    let plain = safe_file_name(name);
    if plain == name.trim() && !reserved(&plain) {
        return plain;
    }
    // The extension of the safe name ("hero.png." is "hero.png" there):
    // split once more, so the digest goes before it.
    let (stem, ext) = split_safe_file_name(&plain);
    format!("{stem}~{}{ext}", name_hash(name))
}

/// A file name for `name` + `ext` that is not yet in `used` (compared
/// case-insensitively, so it is unique on case-insensitive file systems
/// too): [`file_name`]; if that is taken (by a file of another name), the
/// form with the name's digest; if that is taken too, " (2)", " (3)", ...
/// before the extension.
pub fn unique_file_name(name: &str, ext: &str, used: impl Fn(&str) -> bool) -> String {
    let first = file_name(name, ext);
    if !used(&first.to_lowercase()) {
        return first;
    }
    let stem = format!("{}~{}", safe_stem(name), name_hash(name));
    let hashed = format!("{stem}{ext}");
    if !used(&hashed.to_lowercase()) {
        return hashed;
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
        let space = Spelling::Space;
        assert_eq!(suffixed("hero.png", 1, true, space), "hero 1.png");
        assert_eq!(
            suffixed("Standard Template", 2, false, space),
            "Standard Template 2"
        );
        assert_eq!(suffixed(".hidden", 1, true, space), ".hidden 1");
    }

    #[test]
    fn dashed_suffixes_are_spelled_as_todays_marketo() {
        let dash = Spelling::Dash;
        assert_eq!(suffixed("hero.png", 1, true, dash), "hero - 1.png");
        assert_eq!(
            suffixed(" Standard Template ", 1, false, dash),
            "Standard Template - 1"
        );
        assert_eq!(suffixed(".hidden", 2, true, dash), ".hidden - 2");
    }

    #[test]
    fn first_free_skips_taken() {
        let taken = ["standard template 1".to_string()];
        let got = first_free("Standard Template", false, Spelling::Space, |k| {
            taken.iter().any(|t| t == k)
        });
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
        let renamed = suffixed(&safe, 12, true, Spelling::Space);
        assert!(renamed.ends_with(" 12.png") && renamed.len() < 255);
    }

    #[test]
    fn unique_names_are_case_insensitive() {
        let used = ["invite.json".to_string()];
        let got = unique_file_name("Invite", ".json", |n| used.iter().any(|u| u == n));
        assert_eq!(got, format!("Invite~{}.json", name_hash("Invite")));
        let used = [got.to_lowercase(), "invite.json".to_string()];
        let again = unique_file_name("Invite", ".json", |n| used.iter().any(|u| u == n));
        assert_eq!(again, format!("Invite~{} (2).json", name_hash("Invite")));
    }

    #[test]
    fn file_names_never_merge_two_names() {
        // Names whose safe forms are equal.
        let groups: &[&[&str]] = &[
            &["a/b", "a_b", "a:b", "a\\b", "a*b", "a_b.", " a_b"],
            &["CON", "_CON", "con."],
            &["x", ".x", "x.", "x "],
        ];
        for group in groups {
            let files: std::collections::BTreeSet<String> = group
                .iter()
                .map(|n| file_name(n, ".json").to_lowercase())
                .collect();
            let keys: std::collections::BTreeSet<String> = group.iter().map(|n| key(n)).collect();
            assert_eq!(files.len(), keys.len(), "{group:?} -> {files:?}");
        }
        // Equal names (trimmed, lower-cased) get one file name, ignoring case.
        assert_eq!(
            file_name("A/B", "").to_lowercase(),
            file_name(" a/b ", "").to_lowercase()
        );
        // Safe names keep their file name.
        assert_eq!(
            file_name("Standard Template", ".json"),
            "Standard Template.json"
        );
        assert_eq!(file_name("a_b", ""), "a_b");
        // Long names equal in their first 180 bytes differ.
        let long = "l".repeat(200);
        let (a, b) = (format!("{long}a"), format!("{long}b"));
        assert_ne!(file_name(&a, ".json"), file_name(&b, ".json"));
        assert!(file_name(&a, ".json").len() <= MAX_STEM + 1 + NAME_HASH_LEN + 5);
    }

    #[test]
    fn reserved_names_are_never_file_names() {
        for name in [
            "program.json",
            "PROGRAM.JSON",
            "folder.json",
            "Thumbs.db",
            "__MACOSX",
        ] {
            let dir = file_name(name, "");
            assert!(
                !FORMAT_NAMES.contains(&dir.to_lowercase().as_str()),
                "{dir}"
            );
            let image = image_file_name(name);
            assert!(
                !FORMAT_NAMES.contains(&image.to_lowercase().as_str()),
                "{image}"
            );
        }
        // A template named "program" would be program.json.
        assert_ne!(file_name("program", ".json"), "program.json");
        assert_eq!(file_name("program", ""), "program");
    }

    #[test]
    fn image_file_names_keep_safe_names_and_disambiguate_the_others() {
        assert_eq!(image_file_name("logo_dark.png"), "logo_dark.png");
        assert_eq!(image_file_name(" hero.png "), "hero.png");
        let colon = image_file_name("logo:dark.png");
        assert!(
            colon.starts_with("logo_dark~") && colon.ends_with(".png"),
            "{colon}"
        );
        assert_eq!(colon.len(), "logo_dark~.png".len() + NAME_HASH_LEN);
        // The digest is of the name's key: equal names, equal file names.
        assert_eq!(
            image_file_name("LOGO:dark.png").to_lowercase(),
            colon.to_lowercase()
        );
        // A trailing dot is not an extension: the hash goes before ".png".
        let dotted = image_file_name("hero.png.");
        assert!(
            dotted.starts_with("hero~") && dotted.ends_with(".png"),
            "{dotted}"
        );
        let long = "l".repeat(200);
        let (a, b) = (format!("{long}a.png"), format!("{long}b.png"));
        assert_ne!(image_file_name(&a), image_file_name(&b));
        assert!(image_file_name(&a).ends_with(".png"));
    }
}
