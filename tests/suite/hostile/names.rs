//! Program and asset names that are unsafe as file names: separators, `..`,
//! control characters, Windows reserved names, names over 255 bytes, names
//! equal but for case. The files written must be safe and inside the
//! target; the JSON `name` keeps the original exactly.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::*;

/// Windows device names (compared on the stem before the first dot, with
/// trailing spaces ignored, as Windows does).
const RESERVED: &[&str] = &[
    "con",
    "prn",
    "aux",
    "nul",
    "conin$",
    "conout$",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "com\u{b9}",
    "com\u{b2}",
    "com\u{b3}",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
    "lpt\u{b9}",
    "lpt\u{b2}",
    "lpt\u{b3}",
];

/// Characters no file name we write may hold (Windows forbids them; `/`
/// and `\` are separators somewhere).
const FORBIDDEN: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// Hostile program (and email template) names.
fn hostile_program_names() -> Vec<String> {
    vec![
        "a/b/../../../../escape".to_string(),
        r"back\slash\..\..\escape".to_string(),
        "..".to_string(),
        ".".to_string(),
        "/etc/passwd".to_string(),
        r"C:\Windows\System32".to_string(),
        "ctrl\u{1}\u{7}\n\t\u{7f}\u{9b}name".to_string(),
        "x".repeat(300),
        "é".repeat(200),
        "CON".to_string(),
        "nul".to_string(),
        "com1.json".to_string(),
        "LPT9".to_string(),
        "Aux.txt".to_string(),
        "prn.".to_string(),
        "  spaced  ".to_string(),
        "trailing dots...".to_string(),
        "a:b*c?d\"e<f>g|h".to_string(),
        "COM1 ".to_string(),
        "x.CON".to_string(),
        "CONIN$".to_string(),
    ]
}

/// Hostile image names (a zip entry's last part: no separators).
fn hostile_image_names() -> Vec<String> {
    vec![
        "CON.png".to_string(),
        "aux".to_string(),
        "\u{1}bell\u{7}.png".to_string(),
        format!("{}.png", "y".repeat(300)),
        format!("{}.png", "ü".repeat(150)),
        "a:b*?.png".to_string(),
        " spaced .png".to_string(),
        "...hidden.png".to_string(),
        "LPT1.tar.gz".to_string(),
        "nul.".to_string(),
        "ctrl\u{1b}[31m.png".to_string(),
        "com9.PNG".to_string(),
        "<script>.png".to_string(),
        "pipe|.png".to_string(),
        "quote\".png".to_string(),
        "dots.png.".to_string(),
        "tab\t.png".to_string(),
        "q?.png".to_string(),
        ". .png".to_string(),
        "COM1 .png".to_string(),
        "x.CON".to_string(),
    ]
}

/// A zip bundle for program `name` whose email uses the email template
/// named `name` too and the image `image`.
fn hostile_bundle(path: &Path, name: &str, image: &str) -> PathBuf {
    let doc = json!({
        "format": 1,
        "exported_from": "Hostile Sandbox",
        "program": {"name": name, "type": "default", "folder": "Inbox"},
        "emails": [{
            "name": "Invite",
            "template": name,
            "subject": "Hi",
            "html": "<p>Hello</p>",
            "images": [image]
        }]
    });
    let image_entry = format!("external/images/{image}");
    RawZip::default()
        .entry(RawEntry::stored(b"program.json", &pretty(&doc)))
        .entry(RawEntry::stored(
            b"external/email-templates/template.json",
            &pretty(&json!({"name": name, "html": format!("<h1>{}</h1>", name.len())})),
        ))
        .entry(RawEntry::stored(
            image_entry.as_bytes(),
            &image_bytes(&format!("image of {image}")),
        ))
        .write(path)
}

/// Check every path below `root` (but `.mkimport/`): every component at
/// most 255 bytes, no control character, no forbidden character, no
/// leading or trailing space, no trailing dot, no reserved stem; and no
/// link anywhere.
#[track_caller]
fn assert_safe_tree(root: &Path) {
    for (rel, node) in snapshot(root) {
        assert!(!matches!(node, Node::Link(_)), "a link: {}", rel.display());
        for part in rel.components() {
            let part = part.as_os_str().to_str().unwrap_or_else(|| {
                panic!("a file name that is not UTF-8: {}", rel.display());
            });
            assert!(part.len() <= 255, "{} bytes: {part:?}", part.len());
            assert!(
                !part.chars().any(char::is_control),
                "a control character in {part:?}"
            );
            assert!(
                !part.contains(FORBIDDEN),
                "a forbidden character in {part:?}"
            );
            assert!(
                !part.starts_with(' ') && !part.ends_with(' ') && !part.ends_with('.'),
                "leading/trailing space or trailing dot in {part:?}"
            );
            assert!(part != "." && part != "..", "{part:?}");
            let stem = part
                .split('.')
                .next()
                .unwrap_or("")
                .trim_end()
                .to_lowercase();
            assert!(
                !RESERVED.contains(&stem.as_str()),
                "a reserved device name: {part:?}"
            );
        }
    }
}

/// Every stored program of the target: (directory, program.json).
fn stored_programs(target: &Path, folder: &str) -> Vec<(PathBuf, Value)> {
    let dir = target.join("marketing-activities").join(folder);
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).expect("read folder") {
        let path = entry.expect("entry").path();
        let file = path.join("program.json");
        if file.is_file() {
            let doc: Value =
                serde_json::from_slice(&fs::read(&file).expect("read")).expect("program.json");
            out.push((path, doc));
        }
    }
    out
}

/// Every JSON asset of a design-studio kind: (file name, name inside).
fn stored_docs(target: &Path, kind: &str) -> Vec<(String, String)> {
    let dir = target.join("design-studio").join(kind);
    let Ok(read) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    read.map(|e| {
        let path = e.expect("entry").path();
        let doc: Value = serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
        (
            path.file_name().unwrap().to_string_lossy().into_owned(),
            doc["name"].as_str().expect("name").to_string(),
        )
    })
    .collect()
}

#[test]
fn hostile_names_land_as_safe_files_keeping_their_names() {
    let s = Scratch::new();
    let programs = hostile_program_names();
    let images = hostile_image_names();
    assert_eq!(programs.len(), images.len());
    let mut bundles = Vec::new();
    for (i, (name, image)) in programs.iter().zip(&images).enumerate() {
        bundles.push(hostile_bundle(
            &s.src().join(format!("b{i:02}.zip")),
            name,
            image,
        ));
    }
    // Where a naive join of each name would write, wherever that is
    // (some of these are far outside the scratch area, or /etc/passwd).
    let naive: Vec<PathBuf> = programs
        .iter()
        .flat_map(|name| {
            [
                s.target().join("marketing-activities/Inbox").join(name),
                s.target()
                    .join("design-studio/email-templates")
                    .join(format!("{name}.json")),
            ]
        })
        .chain(
            images
                .iter()
                .map(|image| s.target().join("design-studio/images").join(image)),
        )
        .collect();
    let probe = |path: &Path| -> Option<(bool, Option<Vec<u8>>)> {
        let meta = fs::symlink_metadata(path).ok()?;
        Some((
            meta.is_dir(),
            meta.is_file().then(|| fs::read(path).ok()).flatten(),
        ))
    };
    let naive_before: Vec<_> = naive.iter().map(|p| probe(p)).collect();
    let frozen = s.freeze();

    let out = preview(&s.src(), &s.target(), &[]);
    out.expect_code(0);
    let report = out.json();
    for (bundle, name) in bundles.iter().zip(&programs) {
        let program = program_in(report, bundle);
        assert_eq!(program["status"], "ok", "{program:#}");
        assert_eq!(program["name"], name.as_str());
    }
    frozen.assert_unchanged(&s);

    let out = run_into(&s.src(), &s.target(), &[]);
    out.expect_code(0);
    frozen.assert_outside_unchanged(&s);
    for (path, before) in naive.iter().zip(&naive_before) {
        // A path that names a file the run created inside the target is
        // fine; anything else must be as it was.
        let inside =
            path.starts_with(s.target()) && !path.components().any(|c| c.as_os_str() == "..");
        if !inside {
            assert!(probe(path) == *before, "{} changed", path.display());
        }
    }
    assert_safe_tree(&s.target());
    let report = out.json();

    // The programs: every one landed once, its JSON name intact.
    let stored = stored_programs(&s.target(), "Inbox");
    assert_eq!(stored.len(), programs.len());
    let templates = stored_docs(&s.target(), "email-templates");
    for (bundle, (name, image)) in bundles.iter().zip(programs.iter().zip(&images)) {
        let entry = program_in(report, bundle);
        assert_eq!(entry["imported_as"], name.as_str());
        let (dir, doc) = stored
            .iter()
            .find(|(_, doc)| doc["program"]["name"] == name.as_str())
            .unwrap_or_else(|| panic!("no stored program named {name:?}"));
        assert!(dir.starts_with(s.target().join("marketing-activities/Inbox")));
        // Its template: written under its own name, exactly.
        let template = doc["emails"][0]["template"].as_str().expect("template");
        assert_eq!(template, name.as_str());
        assert!(
            templates.iter().any(|(_, n)| n == name),
            "no email template named {name:?}: {templates:?}"
        );
        // Its image: the reference names a file that holds the image.
        let reference = doc["emails"][0]["images"][0].as_str().expect("image");
        let file = s.target().join("design-studio/images").join(reference);
        assert_eq!(
            fs::read(&file).unwrap_or_else(|e| panic!(
                "image {image:?} is referenced as {reference:?}, which cannot be read: {e}"
            )),
            image_bytes(&format!("image of {image}")),
            "image {image:?}"
        );
        let row = entry["assets"]
            .as_array()
            .expect("assets")
            .iter()
            .find(|a| a["kind"] == "image")
            .expect("image row");
        assert_eq!(row["name"], image.as_str(), "the report shows the original");
        assert_eq!(row["result_name"], reference, "{row:#}");
    }
    // Nothing else appeared: the new files are these programs, templates
    // and images, and the receipt under .mkimport/.
    assert_eq!(templates.len(), 1 + programs.len());
}

#[test]
fn safe_file_names_are_unique_ignoring_case() {
    // "a/b", "a_b" and "A_B" are three names, but would be one file name:
    // each gets its own file, and none overwrites another.
    let s = Scratch::new();
    let names = ["a/b", "a_b", "A_B", "a:b"];
    let mut bundles = Vec::new();
    for (i, name) in names.iter().enumerate() {
        bundles.push(hostile_bundle(
            &s.src().join(format!("b{i}.zip")),
            name,
            &format!("img{i}.png"),
        ));
    }
    let out = run_into(&s.src(), &s.target(), &[]);
    // "a_b" and "A_B" are equal names: the second is program-exists.
    out.expect_code(3);
    assert_eq!(
        s.target_snapshot().len(),
        Scratch::new().target_snapshot().len()
    );

    let out = run_into(&s.src(), &s.target(), &["--skip-blocked"]);
    out.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let report = out.json();
    assert_eq!(report["summary"]["ok"], 3);
    assert_eq!(report["summary"]["blocked"], 1);
    assert_safe_tree(&s.target());
    let stored = stored_programs(&s.target(), "Inbox");
    assert_eq!(stored.len(), 3);
    let dirs: BTreeSet<String> = stored
        .iter()
        .map(|(d, _)| d.file_name().unwrap().to_string_lossy().to_lowercase())
        .collect();
    assert_eq!(dirs.len(), 3, "program directories collide: {dirs:?}");
    let stored_names: BTreeSet<String> = stored
        .iter()
        .map(|(_, doc)| doc["program"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        stored_names,
        ["a/b", "a_b", "a:b"]
            .iter()
            .map(|n| n.to_string())
            .collect()
    );
    let templates = stored_docs(&s.target(), "email-templates");
    let files: BTreeSet<String> = templates.iter().map(|(f, _)| f.to_lowercase()).collect();
    assert_eq!(files.len(), templates.len(), "template files collide");
    for name in ["a/b", "a_b", "a:b"] {
        assert!(templates.iter().any(|(_, n)| n == name), "{name:?}");
    }
}

#[test]
fn programs_equal_but_for_case_are_one_name() {
    let s = Scratch::new();
    let promo = Files::program("Promo").write_zip(&s.src().join("a-promo.zip"));
    let upper = Files::program("PROMO").write_zip(&s.src().join("b-promo-upper.zip"));
    let frozen = s.freeze();

    let out = preview(&s.src(), &s.target(), &[]);
    out.expect_code(3);
    let report = out.json();
    assert_eq!(program_in(report, &promo)["status"], "ok");
    let second = program_in(report, &upper);
    assert_eq!(second["status"], "blocked");
    assert_eq!(codes(second), vec!["program-exists".to_string()]);
    frozen.assert_unchanged(&s);

    // Without --skip-blocked, run writes nothing.
    let out = run_into(&s.src(), &s.target(), &[]);
    out.expect_code(3);
    frozen.assert_unchanged(&s);

    let out = run_into(&s.src(), &s.target(), &["--skip-blocked"]);
    out.expect_code(4); // partial: some imported, some blocked (spec 5a)
    frozen.assert_outside_unchanged(&s);
    let stored = stored_programs(&s.target(), "Inbox");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1["program"]["name"], "Promo");
    assert_eq!(stored[0].0.file_name().unwrap(), "Promo");
}

#[test]
fn program_directory_never_reuses_an_existing_one_ignoring_case() {
    // The target holds a directory "promo" (another program) and a plain
    // file "PROMO 2": "Promo" must land elsewhere, overwriting neither.
    let s = Scratch::new();
    let other = pretty(&json!({
        "format": 1,
        "program": {"name": "Something Else", "type": "default"}
    }));
    s.target_file("marketing-activities/Inbox/promo/program.json", &other);
    s.target_file("marketing-activities/Inbox/PROMO (2)", b"not a program");
    let before = s.target_snapshot();
    let bundle = Files::program("Promo").write_zip(&s.src().join("promo.zip"));
    let out = run_into(&bundle, &s.target(), &[]);
    out.expect_code(0);
    let after = s.target_snapshot();
    for (path, node) in &before {
        assert_eq!(after.get(path), Some(node), "{} changed", path.display());
    }
    let stored = stored_programs(&s.target(), "Inbox");
    let promo = stored
        .iter()
        .find(|(_, d)| d["program"]["name"] == "Promo")
        .expect("Promo landed");
    let dir = promo
        .0
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_lowercase();
    assert!(dir != "promo" && dir != "promo (2)", "{dir}");
}

#[test]
fn hostile_program_folders_are_missing_folders() {
    // program.folder (from the bundle) and --folder can only name a campaign
    // folder the target has: `..`, absolute paths and the like are
    // missing-folder, and nothing is written.
    let s = Scratch::new();
    let folders = [
        "../../outside",
        "/etc",
        "Inbox/../../..",
        "..",
        r"..\..\outside",
        "C:/x",
    ];
    for (i, folder) in folders.iter().enumerate() {
        let mut doc = program_doc(&format!("Wanderer {i}"));
        doc["program"]["folder"] = json!(folder);
        Files::from_doc(&doc).write_zip(&s.src().join(format!("w{i}.zip")));
    }
    let frozen = s.freeze();
    let out = run_into(&s.src(), &s.target(), &["--skip-blocked"]);
    out.expect_code(3); // blocked, and nothing imported (spec 5a)
    let report = out.json();
    assert_eq!(report["summary"]["blocked"], folders.len());
    for program in report["programs"].as_array().unwrap() {
        assert_eq!(
            codes(program),
            vec!["missing-folder".to_string()],
            "{program:#}"
        );
    }
    frozen.assert_unchanged(&s);

    let bundle = Files::program("Flagged").write_zip(&s.root().join("flagged.zip"));
    let frozen = s.freeze();
    for folder in folders {
        let out = run_into(&bundle, &s.target(), &["--folder", folder]);
        out.expect_code(3);
        assert!(codes(&out.json()["programs"][0]).contains(&"missing-folder".to_string()));
        frozen.assert_unchanged(&s);
    }
}

#[test]
fn equal_asset_names_in_one_run_are_one_asset() {
    // Two bundles carry the templates "Hero" and "hero " with different
    // content: the second is the same name (rule email-template=reuse), so
    // one file, named after the first.
    let s = Scratch::new();
    let make = |file: &str, program: &str, template: &str, html: &str| {
        let doc = json!({
            "format": 1,
            "program": {"name": program, "type": "default", "folder": "Inbox"},
            "emails": [{"name": "Invite", "template": template, "html": "<p/>"}]
        });
        Files(vec![
            ("program.json".into(), pretty(&doc)),
            (
                "external/email-templates/t.json".into(),
                pretty(&json!({"name": template, "html": html})),
            ),
        ])
        .write_zip(&s.src().join(file))
    };
    make("a.zip", "First", "Hero", "<h1>one</h1>");
    make("b.zip", "Second", "hero ", "<h1>two</h1>");
    let out = run_into(&s.src(), &s.target(), &[]);
    out.expect_code(0);
    let heroes: Vec<_> = stored_docs(&s.target(), "email-templates")
        .into_iter()
        .filter(|(_, n)| n.trim().eq_ignore_ascii_case("hero"))
        .collect();
    assert_eq!(heroes.len(), 1, "{heroes:?}");
    assert_eq!(heroes[0].1, "Hero");
    let second = stored_programs(&s.target(), "Inbox")
        .into_iter()
        .find(|(_, d)| d["program"]["name"] == "Second")
        .expect("Second");
    assert_eq!(second.1["emails"][0]["template"], "Hero");
}

#[test]
fn renamed_image_near_the_length_limit_keeps_its_file_and_the_target_image() {
    // The target has an image whose name is 180 bytes (the longest stem
    // mkimport writes). A bundle brings a different image of that name and
    // the rule is image=rename: the new image must get its own file, the
    // reference must name that file, and the target's image must stay.
    let s = Scratch::new();
    let long = format!("{}.png", "b".repeat(176));
    assert_eq!(long.len(), 180);
    s.target_file(
        &format!("design-studio/images/{long}"),
        image_bytes("target's"),
    );
    let before = s.target_snapshot();
    let bundle = hostile_bundle(&s.src().join("long.zip"), "Long Image", &long);
    let out = run_into(&bundle, &s.target(), &["--rule", "image=rename"]);
    out.expect_code(0);
    let report = out.json();
    let row = program_in(report, &bundle)["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "image")
        .cloned()
        .expect("image row");
    assert_eq!(row["action"], "rename", "{row:#}");
    let result = row["result_name"].as_str().unwrap().to_string();
    assert!(
        fs::read(s.target().join("design-studio/images").join(&long)).unwrap()
            == image_bytes("target's"),
        "the target's image was overwritten"
    );
    let (_, doc) = stored_programs(&s.target(), "Inbox")
        .pop()
        .expect("program");
    let reference = doc["emails"][0]["images"][0].as_str().unwrap().to_string();
    assert_eq!(reference, result);
    assert!(
        fs::read(s.target().join("design-studio/images").join(&reference)).ok()
            == Some(image_bytes(&format!("image of {long}"))),
        "the renamed image is not in the file its reference names ({reference:?}); \
         images present: {:?}",
        fs::read_dir(s.target().join("design-studio/images"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    );
    let after = s.target_snapshot();
    for (path, node) in &before {
        assert_eq!(after.get(path), Some(node), "{} changed", path.display());
    }
}

#[test]
fn renamed_image_over_the_length_limit_does_not_overwrite_the_target_image() {
    // The bundle's image name is longer than 180 bytes, so its file name is
    // cut to 180 bytes, the name of an image the target already has (with
    // other bytes). With image=rename it must be renamed, not written over
    // the target's image.
    let s = Scratch::new();
    let cut = "c".repeat(180);
    s.target_file(
        &format!("design-studio/images/{cut}"),
        image_bytes("target's"),
    );
    let long = format!("{}.png", "c".repeat(200));
    let bundle = hostile_bundle(&s.src().join("longer.zip"), "Longer Image", &long);
    let out = run_into(&bundle, &s.target(), &["--rule", "image=rename"]);
    out.expect_code(0);
    assert!(
        fs::read(s.target().join("design-studio/images").join(&cut)).unwrap()
            == image_bytes("target's"),
        "the target's image was overwritten although the rule is rename"
    );
    let (_, doc) = stored_programs(&s.target(), "Inbox")
        .pop()
        .expect("program");
    let reference = doc["emails"][0]["images"][0].as_str().unwrap().to_string();
    assert!(
        fs::read(s.target().join("design-studio/images").join(&reference)).ok()
            == Some(image_bytes(&format!("image of {long}"))),
        "the image is not in the file its reference names ({reference:?})"
    );
    assert_safe_tree(&s.target());
}

#[test]
fn stricter_windows_device_names_are_made_safe() {
    // Windows also treats CONIN$, CONOUT$ and COM/LPT with a superscript
    // digit as devices, and strips spaces before the extension ("NUL .txt"
    // is NUL): the rule of Python's ntpath.isreserved.
    let s = Scratch::new();
    let names = [
        "CONIN$",
        "conout$.json",
        "COM\u{b9}",
        "LPT\u{b3}.txt",
        "NUL .txt",
        "con .json",
    ];
    for (i, name) in names.iter().enumerate() {
        hostile_bundle(
            &s.src().join(format!("w{i}.zip")),
            name,
            &format!("{name}.png"),
        );
    }
    let out = run_into(&s.src(), &s.target(), &[]);
    out.expect_code(0);
    let mut bad = Vec::new();
    for rel in snapshot(&s.target()).into_keys() {
        for part in rel.components() {
            let part = part.as_os_str().to_string_lossy().to_lowercase();
            let stem = part.split('.').next().unwrap_or("").trim_end();
            if RESERVED.contains(&stem) {
                bad.push(part);
            }
        }
    }
    assert!(bad.is_empty(), "reserved device names written: {bad:?}");
}
