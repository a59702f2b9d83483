//! Distinct names never share a file (issue 9, items 2 and 9): two names
//! whose safe file names would be equal (`logo:dark.png` and
//! `logo_dark.png`; two long names equal in their first 180 bytes) land as
//! two files, each referenced where its name was, the file names do not
//! depend on the order things are imported in, and no program directory
//! takes a name the format gives meaning to (`program.json`,
//! `folder.json`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::*;

/// A bundle whose program uses every image of `images` (name, bytes) from
/// one email, and carries them all, in this order.
fn images_bundle(path: &Path, program: &str, images: &[(&str, Vec<u8>)]) -> PathBuf {
    let names: Vec<&str> = images.iter().map(|(n, _)| *n).collect();
    let html: String = names.iter().map(|n| format!("<img src=\"{n}\">")).collect();
    let doc = json!({
        "format": 1,
        "exported_from": "Hostile Sandbox",
        "program": {"name": program, "type": "default", "folder": "Inbox"},
        "emails": [{"name": "Invite", "html": html, "images": names}]
    });
    let mut raw = RawZip::default().entry(RawEntry::stored(b"program.json", &pretty(&doc)));
    for (name, bytes) in images {
        raw = raw.entry(RawEntry::stored(
            format!("external/images/{name}").as_bytes(),
            bytes,
        ));
    }
    raw.write(path)
}

/// The image rows of the program from `bundle`: bundle name → (action,
/// result name).
fn image_rows(report: &Value, bundle: &Path) -> BTreeMap<String, (String, String)> {
    program_in(report, bundle)["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .filter(|a| a["kind"] == "image")
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                (
                    a["action"].as_str().unwrap().to_string(),
                    a["result_name"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// The stored program named `name` in the target's `Inbox`.
fn stored(target: &Path, name: &str) -> Value {
    for entry in fs::read_dir(target.join("marketing-activities/Inbox")).unwrap() {
        let file = entry.unwrap().path().join("program.json");
        if let Ok(bytes) = fs::read(&file) {
            let doc: Value = serde_json::from_slice(&bytes).unwrap();
            if doc["program"]["name"] == name {
                return doc;
            }
        }
    }
    panic!("no stored program named {name:?}");
}

/// Import the images, check each lands as its own file holding its own
/// bytes, is referenced from the stored program where its name was, and
/// is created or renamed (none is "reused" from a target that never had
/// it). Returns bundle name → (action, file name).
#[track_caller]
fn land_images(images: &[(&str, Vec<u8>)]) -> BTreeMap<String, (String, String)> {
    let s = Scratch::new();
    let bundle = images_bundle(&s.src().join("images.zip"), "Pictures", images);
    let out = preview(&bundle, &s.target(), &[]);
    out.expect_code(0);
    let planned = image_rows(out.json(), &bundle);
    let out = run_into(&bundle, &s.target(), &[]);
    out.expect_code(0);
    let rows = image_rows(out.json(), &bundle);
    assert_eq!(rows, planned, "run and preview differ");
    assert_eq!(rows.len(), images.len(), "{rows:#?}");
    let files: BTreeSet<String> = rows.values().map(|(_, f)| f.to_lowercase()).collect();
    assert_eq!(
        files.len(),
        images.len(),
        "two images share a file: {rows:#?}"
    );
    for (name, bytes) in images {
        let (action, file) = &rows[*name];
        assert!(
            action == "create" || action == "rename",
            "{name:?}: {rows:#?}"
        );
        assert_eq!(
            &fs::read(s.target().join("design-studio/images").join(file)).unwrap(),
            bytes,
            "{name:?} is not in {file:?}"
        );
    }
    let program = stored(&s.target(), "Pictures");
    let references: Vec<&str> = program["emails"][0]["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    let expected: Vec<&str> = images.iter().map(|(n, _)| rows[*n].1.as_str()).collect();
    assert_eq!(references, expected);
    // The HTML names the files too (as URLs: a space is %20).
    let html = program["emails"][0]["html"].as_str().unwrap();
    let srcs: Vec<String> = expected
        .iter()
        .map(|file| format!("<img src=\"{}\">", file.replace(' ', "%20")))
        .collect();
    assert_eq!(html, srcs.concat());
    rows
}

/// [`land_images`], where every image is created under a file name of its
/// own. Returns bundle name → file name.
#[track_caller]
fn assert_distinct_images(images: &[(&str, Vec<u8>)]) -> BTreeMap<String, String> {
    land_images(images)
        .into_iter()
        .map(|(name, (action, file))| {
            assert_eq!(action, "create", "{name:?}");
            (name, file)
        })
        .collect()
}

#[test]
fn images_whose_safe_names_are_equal_stay_two_images() {
    let pair = [
        ("logo:dark.png", image_bytes("colon")),
        ("logo_dark.png", image_bytes("underscore")),
    ];
    let files = assert_distinct_images(&pair);
    // The name that is a safe file name keeps it.
    assert_eq!(files["logo_dark.png"], "logo_dark.png");
    // In the other order, each gets the same file: the choice depends on
    // the name, not on what came first.
    let reversed = [pair[1].clone(), pair[0].clone()];
    assert_eq!(assert_distinct_images(&reversed), files);

    // More of the kind: trailing dots and spaces, Windows characters,
    // device names, case.
    let many = [
        ("hero.png", image_bytes("plain")),
        ("hero.png.", image_bytes("dot")),
        ("hero?.png", image_bytes("question")),
        ("hero*.png", image_bytes("star")),
        ("hero_.png", image_bytes("underscore")),
        ("CON.png", image_bytes("device")),
        ("_CON.png", image_bytes("escaped device")),
    ];
    assert_distinct_images(&many);
}

#[test]
fn long_image_names_equal_in_their_first_180_bytes_stay_two_images() {
    let stem = "l".repeat(200);
    let (a, b) = (format!("{stem}a.png"), format!("{stem}b.png"));
    let files = assert_distinct_images(&[
        (a.as_str(), image_bytes("a")),
        (b.as_str(), image_bytes("b")),
    ]);
    for file in files.values() {
        assert!(file.len() < 230, "{} bytes: {file}", file.len());
    }
    let again = assert_distinct_images(&[
        (b.as_str(), image_bytes("b")),
        (a.as_str(), image_bytes("a")),
    ]);
    assert_eq!(again, files);
}

#[test]
fn an_image_named_like_another_ones_file_does_not_take_it() {
    // Whatever file name `a:b.png` gets, a bundle may also carry an image
    // literally named so: the two are still two images.
    let s = Scratch::new();
    let probe = images_bundle(
        &s.src().join("probe.zip"),
        "Probe",
        &[("a:b.png", image_bytes("probe"))],
    );
    let out = preview(&probe, &s.target(), &[]);
    out.expect_code(0);
    let file = image_rows(out.json(), &probe)["a:b.png"].1.clone();
    assert_ne!(file, "a:b.png");
    for images in [
        [
            ("a:b.png", image_bytes("colon")),
            (file.as_str(), image_bytes("literal")),
        ],
        [
            (file.as_str(), image_bytes("literal")),
            ("a:b.png", image_bytes("colon")),
        ],
    ] {
        // The first keeps the file name; the second, whichever it is, is
        // renamed ("a_b~… 1.png"), never merged with the first.
        let rows = land_images(&images);
        assert_eq!(rows[images[0].0].0, "create", "{rows:#?}");
        assert_eq!(rows[images[1].0].0, "rename", "{rows:#?}");
    }
}

#[test]
fn images_written_by_earlier_versions_are_still_read_by_their_file_name() {
    // A target holds `logo_dark.png` (an earlier mkimport wrote it for an
    // image named `logo:dark.png`, or a person put it there): its name is
    // its file name. A bundle using `logo_dark.png` reuses it; one bringing
    // `logo:dark.png` creates its own file beside it.
    let s = Scratch::new();
    s.target_file("design-studio/images/logo_dark.png", image_bytes("old"));
    let bundle = images_bundle(
        &s.src().join("both.zip"),
        "Both",
        &[
            ("logo:dark.png", image_bytes("colon")),
            ("logo_dark.png", image_bytes("old")),
        ],
    );
    let out = run_into(&bundle, &s.target(), &[]);
    out.expect_code(0);
    let rows = image_rows(out.json(), &bundle);
    assert_eq!(
        rows["logo_dark.png"],
        ("reuse".to_string(), "logo_dark.png".to_string())
    );
    let (action, file) = &rows["logo:dark.png"];
    assert_eq!(action, "create");
    assert_eq!(
        fs::read(s.target().join("design-studio/images").join(file)).unwrap(),
        image_bytes("colon")
    );
    assert_eq!(
        fs::read(s.target().join("design-studio/images/logo_dark.png")).unwrap(),
        image_bytes("old")
    );
}

/// A zip bundle of program `program` with email templates, landing page
/// templates and global forms of these names (each with its own content).
fn design_bundle(path: &Path, program: &str, names: &[&str]) -> PathBuf {
    let doc = json!({
        "format": 1,
        "program": {"name": program, "type": "default", "folder": "Inbox"},
        "emails": names.iter().map(|n| json!({"name": format!("E {n}"), "template": n})).collect::<Vec<_>>(),
        "landing_pages": names.iter().map(|n| json!({"name": format!("L {n}"), "template": n, "forms": [n]})).collect::<Vec<_>>(),
    });
    let mut files = vec![("program.json".to_string(), pretty(&doc))];
    for (i, n) in names.iter().enumerate() {
        for dir in ["email-templates", "landing-page-templates"] {
            files.push((
                format!("external/{dir}/{i}.json"),
                pretty(&json!({"name": n, "html": format!("{dir} {n}")})),
            ));
        }
        files.push((
            format!("external/forms/{i}.json"),
            pretty(&json!({"name": n, "fields": []})),
        ));
    }
    Files(files).write_zip(path)
}

/// Every design-studio JSON file of the target: (kind, file) → name.
fn design_files(target: &Path) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for kind in ["email-templates", "landing-page-templates", "forms"] {
        let Ok(read) = fs::read_dir(target.join("design-studio").join(kind)) else {
            continue;
        };
        for entry in read {
            let path = entry.unwrap().path();
            let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
            out.insert(
                (
                    kind.to_string(),
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                ),
                doc["name"].as_str().unwrap().to_string(),
            );
        }
    }
    out
}

/// Program directory → program name, in `Inbox`.
fn program_dirs(target: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(target.join("marketing-activities/Inbox")).unwrap() {
        let path = entry.unwrap().path();
        if let Ok(bytes) = fs::read(path.join("program.json")) {
            let doc: Value = serde_json::from_slice(&bytes).unwrap();
            out.insert(
                path.file_name().unwrap().to_string_lossy().into_owned(),
                doc["program"]["name"].as_str().unwrap().to_string(),
            );
        }
    }
    out
}

#[test]
fn design_studio_files_and_program_directories_do_not_depend_on_the_order() {
    // "Promo/Q3" and "Promo_Q3" are two names with one safe file name; so
    // are the programs "a/b" and "a_b". Imported in one order or the
    // other, each name gets the same file (and every kind its own).
    let names = ["Promo/Q3", "Promo_Q3", "Promo:Q3"];
    let programs = ["a/b", "a_b", "a:b"];
    let land = |order: &[usize]| {
        let s = Scratch::new();
        for (rank, &i) in order.iter().enumerate() {
            design_bundle(
                &s.src().join(format!("{rank}.zip")),
                programs[i],
                &[names[i]],
            );
        }
        run_into(&s.src(), &s.target(), &[]).expect_code(0);
        (design_files(&s.target()), program_dirs(&s.target()))
    };
    let (files, dirs) = land(&[0, 1, 2]);
    for kind in ["email-templates", "landing-page-templates", "forms"] {
        let of_kind: BTreeSet<&String> = files
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|(_, n)| n)
            .collect();
        for name in names {
            assert!(of_kind.contains(&name.to_string()), "{kind}: {files:#?}");
        }
    }
    assert_eq!(dirs.len(), 3, "{dirs:#?}");
    // The names that are safe file names keep them.
    assert_eq!(dirs.get("a_b").map(String::as_str), Some("a_b"));
    assert_eq!(
        files.get(&("forms".to_string(), "Promo_Q3.json".to_string())),
        Some(&"Promo_Q3".to_string())
    );
    assert_eq!(land(&[2, 1, 0]), (files.clone(), dirs.clone()));
    assert_eq!(land(&[1, 0, 2]), (files, dirs));
}

#[test]
fn programs_named_like_the_formats_own_files_get_other_directories() {
    // A program named "program.json" must not land as
    // Webinars/program.json/ (Webinars would look like a program), nor one
    // named "folder.json" take the folder file's name; whatever the case.
    let s = Scratch::new();
    fs::create_dir_all(s.target().join("marketing-activities/Webinars")).unwrap();
    let reserved = [
        "program.json",
        "folder.json",
        "PROGRAM.JSON",
        "Folder.Json ",
        "Thumbs.db",
        "__MACOSX",
    ];
    for (i, name) in reserved.iter().enumerate() {
        let mut doc = program_doc(name);
        doc["program"]["folder"] = json!("Webinars");
        Files::from_doc(&doc).write_zip(&s.src().join(format!("r{i}.zip")));
    }
    let out = run_into(&s.src(), &s.target(), &["--rule", "program=rename"]);
    out.expect_code(0);
    let folder = s.target().join("marketing-activities/Webinars");
    let children: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(children.len(), reserved.len(), "{children:?}");
    for child in &children {
        let lower = child.to_lowercase();
        assert!(
            !["program.json", "folder.json", "thumbs.db", "__macosx"].contains(&lower.as_str()),
            "a program directory named {child:?}"
        );
        assert!(folder.join(child).join("program.json").is_file(), "{child}");
    }
    // Webinars is still a folder: a program can be imported into it, and
    // every program stored there is found again (a second run changes
    // nothing).
    let other = Files::program("Later").write_zip(&s.root().join("later.zip"));
    let out = run_into(&other, &s.target(), &["--folder", "Webinars"]);
    out.expect_code(0);
    let out = run_into(&s.src(), &s.target(), &[]);
    out.expect_code(0);
    assert_eq!(
        out.json()["summary"]["unchanged"],
        reserved.len(),
        "{:#}",
        out.json()
    );
}
