//! Zip entries whose names or attributes are unsafe: refused as bad input
//! (exit 1), with a message naming the bundle and the entry, and nothing
//! written. Separators written as `\` by Windows archivers are fine.

use crate::support::*;

/// A well-formed bundle with one extra stored entry (written by hand, so
/// the name reaches the archive exactly as given).
fn with_entry(scratch: &Scratch, file: &str, entry: RawEntry) -> std::path::PathBuf {
    Files::program("Hostile Program")
        .raw()
        .entry(entry)
        .write(&scratch.src().join(file))
}

#[test]
fn parent_directory_entry_is_refused() {
    let s = Scratch::new();
    let zip = with_entry(&s, "dotdot.zip", RawEntry::stored(b"../evil.txt", b"pwned"));
    refused(&s, &zip, &["../evil.txt", "unsafe entry name"], &[]);
    assert!(!s.root().join("evil.txt").exists());
}

#[test]
fn nested_parent_directory_entry_is_refused() {
    let s = Scratch::new();
    let name = "external/images/../../../../outside/secret.txt";
    let zip = with_entry(&s, "deep.zip", RawEntry::stored(name.as_bytes(), b"pwned"));
    refused(&s, &zip, &[name], &[]);
}

#[test]
fn backslash_parent_directory_entry_is_refused() {
    let s = Scratch::new();
    let zip = with_entry(
        &s,
        "backdots.zip",
        RawEntry::stored(br"..\evil.txt", b"pwned"),
    );
    refused(&s, &zip, &[r"..\evil.txt", "unsafe entry name"], &[]);
}

#[test]
fn absolute_entry_is_refused() {
    let s = Scratch::new();
    let zip = with_entry(&s, "abs.zip", RawEntry::stored(b"/tmp/evil.txt", b"pwned"));
    refused(&s, &zip, &["/tmp/evil.txt", "absolute"], &[]);
}

#[test]
fn absolute_program_json_is_refused() {
    // The only program.json is absolute: refused for the name, not merely
    // reported missing.
    let s = Scratch::new();
    let files = Files::program("Hostile Program");
    let program = files.0[0].1.clone();
    let zip = files
        .without("program.json")
        .raw()
        .entry(RawEntry::stored(b"/program.json", &program))
        .write(&s.src().join("abs-program.zip"));
    refused(&s, &zip, &["/program.json", "absolute"], &[]);
}

#[test]
fn drive_letter_with_slash_is_refused() {
    let s = Scratch::new();
    let zip = with_entry(&s, "drive.zip", RawEntry::stored(b"C:/evil.txt", b"pwned"));
    refused(&s, &zip, &["C:/evil.txt", "drive letter"], &[]);
}

#[test]
fn drive_letter_with_backslash_is_refused() {
    let s = Scratch::new();
    let zip = with_entry(
        &s,
        "drive-back.zip",
        RawEntry::stored(br"C:\Windows\evil.txt", b"pwned"),
    );
    refused(&s, &zip, &[r"C:\Windows\evil.txt", "drive letter"], &[]);
}

#[test]
fn duplicated_entry_names_are_refused() {
    let s = Scratch::new();
    let zip = with_entry(
        &s,
        "dup.zip",
        RawEntry::stored(b"external/images/hero.png", b"the other hero"),
    );
    refused(&s, &zip, &["external/images/hero.png"], &[]);
}

#[test]
fn duplicated_program_json_is_refused() {
    let s = Scratch::new();
    let other = pretty(&program_doc("Another Program"));
    let zip = with_entry(
        &s,
        "dup-program.zip",
        RawEntry::stored(b"program.json", &other),
    );
    refused(&s, &zip, &["program.json"], &[]);
}

#[test]
fn names_equal_after_reading_backslash_as_slash_are_refused() {
    let s = Scratch::new();
    let zip = with_entry(
        &s,
        "dup-back.zip",
        RawEntry::stored(br"external\images\hero.png", b"the other hero"),
    );
    refused(&s, &zip, &[r"external\images\hero.png"], &[]);
}

#[test]
fn symlink_entry_is_refused() {
    let s = Scratch::new();
    let path = s.src().join("link.zip");
    {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        let options = zip::write::SimpleFileOptions::default();
        for (rel, bytes) in &Files::program("Hostile Program")
            .without("external/images/hero.png")
            .0
        {
            zip.start_file(rel.as_str(), options).expect("start");
            zip.write_all(bytes).expect("write");
        }
        zip.add_symlink("external/images/hero.png", "/etc/passwd", options)
            .expect("symlink");
        zip.finish().expect("finish");
    }
    refused(&s, &path, &["external/images/hero.png", "link"], &[]);
}

#[test]
fn symlink_mode_bits_are_refused() {
    // A regular-looking entry whose Unix mode says "symbolic link". (zip 9's
    // `unix_permissions` keeps only the permission bits, `& 0o777`, so the
    // file type goes in through `external_attributes`.)
    let s = Scratch::new();
    let path = s.src().join("mode-link.zip");
    {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        let options = zip::write::SimpleFileOptions::default();
        for (rel, bytes) in &Files::program("Hostile Program").0 {
            let options = if rel.starts_with("external/images/") {
                options.external_attributes(0o120777 << 16)
            } else {
                options
            };
            zip.start_file(rel.as_str(), options).expect("start");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("finish");
    }
    refused(&s, &path, &["external/images/hero.png", "link"], &[]);
}

#[test]
fn symlink_entry_written_by_hand_is_refused() {
    let s = Scratch::new();
    let zip = Files::program("Hostile Program")
        .without("external/images/hero.png")
        .raw()
        .entry(
            RawEntry::stored(b"external/images/hero.png", b"../../outside/secret.txt")
                .mode(0o120777),
        )
        .write(&s.src().join("raw-link.zip"));
    refused(&s, &zip, &["external/images/hero.png", "link"], &[]);
}

#[test]
fn encrypted_entry_is_refused() {
    let s = Scratch::new();
    let zip = Files::program("Hostile Program")
        .without("external/images/hero.png")
        .raw()
        .entry(RawEntry::stored(b"external/images/hero.png", &image_bytes("hero")).flags(0x0001))
        .write(&s.src().join("encrypted.zip"));
    refused(&s, &zip, &["external/images/hero.png", "encrypted"], &[]);
}

#[test]
fn unsupported_compression_method_is_refused() {
    let s = Scratch::new();
    let zip = Files::program("Hostile Program")
        .without("external/images/hero.png")
        .raw()
        // 98 is PPMd, which 7-Zip can write and mkimport does not read.
        .entry(RawEntry::stored(b"external/images/hero.png", &image_bytes("hero")).method(98))
        .write(&s.src().join("ppmd.zip"));
    refused(
        &s,
        &zip,
        &["external/images/hero.png", "compression method"],
        &[],
    );
}

#[test]
fn corrupt_zip_is_refused() {
    let s = Scratch::new();
    let mut bytes = Files::program("Hostile Program").raw().bytes();
    bytes.truncate(bytes.len() / 2);
    let zip = s.src().join("truncated.zip");
    std::fs::write(&zip, bytes).expect("write");
    refused(&s, &zip, &["zip"], &[]);
}

#[test]
fn one_hostile_bundle_does_not_hide_the_others() {
    let s = Scratch::new();
    let good = Files::program("Good Program").write_zip(&s.src().join("a-good.zip"));
    let good_dir = Files::program("Good Directory Program").write_dir(&s.src().join("c-good-dir"));
    let bad = Files::program("Bad Program")
        .raw()
        .entry(RawEntry::stored(b"../../evil.txt", b"pwned"))
        .write(&s.src().join("b-bad.zip"));
    let frozen = s.freeze();

    let out = preview(&s.src(), &s.target(), &[]);
    out.expect_code(1)
        .stderr_has(&[&shown(&bad), "../../evil.txt"]);
    let report = out.json();
    assert_bad_input(report, &bad, &["../../evil.txt"]);
    for (bundle, name) in [
        (&good, "Good Program"),
        (&good_dir, "Good Directory Program"),
    ] {
        let program = program_in(report, bundle);
        assert_eq!(program["name"], name);
        assert_eq!(program["status"], "ok", "{program:#}");
        assert!(
            !out.stderr.contains(&format!("{}:", shown(bundle))),
            "the good bundle is reported as an error:\n{}",
            out.stderr
        );
    }
    assert_eq!(report["summary"]["programs"], 3);
    assert_eq!(report["summary"]["ok"], 2);
    frozen.assert_unchanged(&s);

    // run refuses the whole run: nothing of the good programs is written.
    let out = run_into(&s.src(), &s.target(), &["--skip-blocked"]);
    out.expect_code(1)
        .stderr_has(&[&shown(&bad), "../../evil.txt"]);
    assert_eq!(program_in(out.json(), &good)["status"], "ok");
    frozen.assert_unchanged(&s);
}

#[test]
fn backslash_separators_are_read_as_slashes() {
    let s = Scratch::new();
    let files = Files::program("Windows Program");
    let mut raw = RawZip::default();
    for (rel, bytes) in &files.0 {
        raw = raw.entry(RawEntry::stored(rel.replace('/', "\\").as_bytes(), bytes));
    }
    let zip = raw.write(&s.src().join("windows.zip"));
    let frozen = s.freeze();

    let out = preview(&zip, &s.target(), &[]);
    out.expect_code(0);
    let report = out.json();
    let program = program_in(report, &zip);
    assert_eq!(program["status"], "ok", "{program:#}");
    let assets = program["assets"].as_array().expect("assets");
    let image = assets
        .iter()
        .find(|a| a["kind"] == "image" && a["name"] == "hero.png")
        .expect("the image is planned");
    assert_eq!(image["action"], "create", "the image was found: {image:#}");
    let template = assets
        .iter()
        .find(|a| a["kind"] == "email-template" && a["name"] == "Hero Email")
        .expect("the template is planned");
    assert_eq!(template["action"], "create");
    assert!(!codes(program).contains(&"missing-asset".to_string()));
    frozen.assert_unchanged(&s);

    let out = run_into(&zip, &s.target(), &[]);
    out.expect_code(0);
    frozen.assert_outside_unchanged(&s);
    assert_eq!(
        std::fs::read(s.target().join("design-studio/images/hero.png")).expect("image written"),
        image_bytes("hero")
    );
    assert!(s
        .target()
        .join("marketing-activities/Inbox/Windows Program/program.json")
        .is_file());
}

#[test]
fn backslash_separators_inside_a_single_top_folder() {
    // `Export\program.json`, `Export\external\images\hero.png`: one
    // top-level folder, written by a Windows archiver.
    let s = Scratch::new();
    let files = Files::program("Wrapped Windows Program");
    let mut raw = RawZip::default();
    for (rel, bytes) in &files.0 {
        let name = format!("Export\\{}", rel.replace('/', "\\"));
        raw = raw.entry(RawEntry::stored(name.as_bytes(), bytes));
    }
    let zip = raw.write(&s.src().join("wrapped.zip"));
    let out = preview(&zip, &s.target(), &[]);
    out.expect_code(0);
    let report = out.json();
    let program = program_in(report, &zip);
    assert_eq!(program["status"], "ok", "{program:#}");
    assert!(program["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .any(|a| a["kind"] == "image" && a["name"] == "hero.png" && a["action"] == "create"));
}
