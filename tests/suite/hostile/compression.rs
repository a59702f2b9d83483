//! Compression methods: zips written by 7-Zip, Windows and Python use
//! deflate64, bzip2, LZMA or zstd; they are read like deflate ones, and a
//! bomb of any method is stopped while it inflates. The committed archives
//! are described in `tests/suite/hostile/archives/README.md`.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zip::CompressionMethod;

use crate::support::*;

fn archives() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite/hostile/archives")
}

/// The bundle of `archives/src/` as files.
fn archived_bundle() -> Files {
    let root = archives().join("src");
    let mut files = Vec::new();
    for rel in [
        "program.json",
        "external/email-templates/archive-email.json",
        "external/images/chart.png",
    ] {
        files.push((rel.to_string(), fs::read(root.join(rel)).expect("fixture")));
    }
    Files(files)
}

/// The digest `preview --out` records for the single bundle `from`.
#[track_caller]
fn planned_digest(s: &Scratch, from: &Path) -> String {
    let plan = s.root().join("plan.json");
    let out = preview(from, &s.target(), &["--out", plan.to_str().unwrap()]);
    out.expect_code(0);
    let report = out.json();
    let program = &report["programs"][0];
    assert_eq!(program["status"], "ok", "{program:#}");
    assert_eq!(program["name"], "Archived Program");
    let saved: Value = serde_json::from_slice(&fs::read(&plan).expect("plan")).expect("json");
    saved["plan"]["bundles"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_string()
}

#[test]
fn archives_from_common_tools_are_read_like_deflate_ones() {
    let s = Scratch::new();
    let expected = planned_digest(&s, &archives().join("src"));
    let mut zips: Vec<(String, PathBuf)> = [
        "deflate64.zip",
        "lzma-7zip.zip",
        "bzip2-7zip.zip",
        "lzma-python.zip",
        "bzip2-python.zip",
    ]
    .iter()
    .map(|name| {
        let copy = s.src().join(name);
        fs::copy(archives().join(name), &copy).expect("copy fixture");
        (name.to_string(), copy)
    })
    .collect();
    for (name, method) in [
        ("bzip2-zip-crate.zip", CompressionMethod::Bzip2),
        ("zstd-zip-crate.zip", CompressionMethod::Zstd),
    ] {
        let path = archived_bundle().write_zip_with(&s.src().join(name), method);
        zips.push((name.to_string(), path));
    }
    for (name, zip) in &zips {
        assert_eq!(
            planned_digest(&s, zip),
            expected,
            "{name} does not read as the same bundle as its files"
        );
    }

    // And they import: the image lands with its bytes.
    let (_, deflate64) = &zips[0];
    let frozen = s.freeze();
    let out = run_into(deflate64, &s.target(), &[]);
    out.expect_code(0);
    frozen.assert_outside_unchanged(&s);
    assert_eq!(
        fs::read(s.target().join("design-studio/images/chart.png")).expect("image"),
        fs::read(archives().join("src/external/images/chart.png")).expect("fixture")
    );
}

/// The first entry of a zip as it is stored: (method id, CRC-32, the
/// compressed bytes, the uncompressed size).
fn raw_entry(zip: &Path) -> (u16, u32, Vec<u8>, u64) {
    let mut archive = zip::ZipArchive::new(fs::File::open(zip).expect("open")).expect("zip");
    let mut entry = archive.by_index_raw(0).expect("entry");
    #[allow(deprecated)]
    let method = entry.compression().to_u16();
    let (crc, size) = (entry.crc32(), entry.size());
    let mut data = Vec::new();
    entry.read_to_end(&mut data).expect("read raw");
    (method, crc, data, size)
}

/// `zeros` zero bytes compressed with `method` by the zip crate, as a
/// one-entry zip in `dir`.
fn zeros_zip(dir: &Path, method: CompressionMethod, zeros: usize) -> PathBuf {
    let path = dir.join(format!("zeros-{method}.zip"));
    Files(vec![("zeros.bin".into(), vec![0u8; zeros])]).write_zip_with(&path, method)
}

#[test]
fn bombs_of_every_method_are_stopped_while_inflating() {
    let s = Scratch::new();
    let work = s.root().join("work");
    let streams = [
        archives().join("zeros-deflate64.zip"),
        archives().join("zeros-lzma.zip"),
        zeros_zip(&work, CompressionMethod::Bzip2, 8_000_000),
        zeros_zip(&work, CompressionMethod::Zstd, 8_000_000),
    ];
    for zip in &streams {
        let (method, crc, data, size) = raw_entry(zip);
        assert!(size / data.len() as u64 > 200, "{method}: not a bomb");
        let bundle = |declared: u32, file: &str| {
            let mut bomb = RawEntry::stored(b"external/images/hero.png", b"");
            bomb.data = data.clone();
            bomb.method = method;
            bomb.size = declared;
            bomb.crc = crc;
            if method == 14 {
                bomb.flags |= 0x0002; // LZMA with an end marker, as 7-Zip writes it
            }
            Files::program("Bomb Program")
                .without("external/images/hero.png")
                .raw()
                .entry(bomb)
                .write(&s.src().join(file))
        };
        // Honest headers: refused from the declared sizes.
        let honest = bundle(size as u32, &format!("honest-{method}.zip"));
        refused(&s, &honest, &["external/images/hero.png", "zip bomb"], &[]);
        fs::remove_file(&honest).expect("rm");
        // Headers that lie (1,000 bytes): stopped while inflating, by the
        // zip reader (it reads no further than the declared size: "cannot
        // decompress: File is larger than its declared ...") or by
        // mkimport's own limits, whichever comes first; with every limit
        // raised too.
        let liar = bundle(1000, &format!("liar-{method}.zip"));
        for extra in [
            &[][..],
            &["--max-ratio", "100000000", "--max-entry-bytes", "100000000"][..],
        ] {
            let report = refused(&s, &liar, &["external/images/hero.png"], extra);
            let message = report["programs"][0]["problems"][0]["message"]
                .as_str()
                .expect("message")
                .to_string();
            assert!(
                ["cannot decompress", "zip bomb", "inflates past"]
                    .iter()
                    .any(|why| message.contains(why)),
                "method {method}: {message}"
            );
        }
        fs::remove_file(&liar).expect("rm");
    }
}

#[test]
fn encrypted_entries_of_any_method_stay_refused() {
    let s = Scratch::new();
    for method in [9u16, 12, 14, 93] {
        let zip = Files::program("Hostile Program")
            .without("external/images/hero.png")
            .raw()
            .entry(
                RawEntry::stored(b"external/images/hero.png", &image_bytes("hero"))
                    .method(method)
                    .flags(0x0001),
            )
            .write(&s.src().join(format!("encrypted-{method}.zip")));
        refused(&s, &zip, &["external/images/hero.png", "encrypted"], &[]);
        fs::remove_file(&zip).expect("rm");
    }
}
