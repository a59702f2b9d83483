//! Reading and planning scale linearly (issue 9, item 4): a hostile zip of
//! 30,000 tiny entries once kept `preview` busy for minutes, because each
//! entry was compared with every other one.
//!
//! No clock here (tests make no timed assertions): each test counts the
//! heap allocations the work makes, on this thread, and the bytes they
//! take, at size n and 2n. The name comparisons that made it quadratic
//! allocate (a lower-cased copy of each name), and so does rewriting a
//! text once per renamed image, so a quadratic step shows as a ratio near
//! 4; linear work gives 2 (n log n a little more). `benches/scaling.sh` times the same
//! shapes in a release build.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use serde_json::{json, Value};

use mkimport::load::bundle::{read_bundle, read_zip_bundle, Limits, SourceItem};
use mkimport::load::subscription::Subscription;
use mkimport::plan::{hydrate, plan, PlanOptions, Status};
use mkimport::rules::{Rule, RuleKind};
use zip::CompressionMethod;

use crate::support::*;

struct Counting;

thread_local! {
    /// (allocations, bytes allocated) on this thread.
    static ALLOCATIONS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

fn count_one(bytes: usize) {
    let _ = ALLOCATIONS.try_with(|c| {
        let (n, b) = c.get();
        c.set((n + 1, b + bytes as u64));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Allocations and bytes allocated that `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> (u64, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    let after = ALLOCATIONS.with(Cell::get);
    (after.0 - before.0, after.1 - before.1)
}

/// Run `work(n)` and `work(2n)` and check that doubling the size at most
/// (about) doubles the allocations, and the bytes allocated (a step that
/// copies a growing text once per item allocates little, but much).
#[track_caller]
fn assert_linear(what: &str, n: usize, work: impl Fn(usize) -> (u64, u64)) {
    let small = work(n);
    let large = work(2 * n);
    for (unit, small, large) in [
        ("allocations", small.0, large.0),
        ("bytes", small.1, large.1),
    ] {
        let ratio = large as f64 / small as f64;
        eprintln!("{what}: n={n}: {small} {unit}, 2n: {large} ({ratio:.2}x)");
        assert!(
            ratio < 2.6,
            "{what}: doubling n from {n} multiplies the work by {ratio:.2} \
             ({small} -> {large} {unit}): something is quadratic"
        );
    }
}

fn options() -> PlanOptions {
    PlanOptions {
        folder: Some("Inbox".into()),
        ..PlanOptions::default()
    }
}

/// A target subscription on disk: `Inbox`, and these files.
fn target(dir: &Path, files: &[(String, Vec<u8>)]) -> Subscription {
    write_file(
        dir,
        "subscription.json",
        br#"{"format": 1, "name": "Target"}"#,
    );
    write_file(dir, "marketing-activities/Inbox/folder.json", b"{}");
    for (rel, bytes) in files {
        write_file(dir, rel, bytes);
    }
    Subscription::load(dir).expect("target")
}

/// Plan the bundles into the target, render the table, and complete each
/// planned program as `run` would.
fn plan_all(items: &[SourceItem], target: &Subscription, options: &PlanOptions) {
    let planned = plan(items, target, options);
    for (program, item) in planned.programs.iter().zip(items) {
        assert!(
            matches!(program.status, Status::Ok),
            "{:?}",
            program.problems
        );
        let writes = program.writes.as_ref().expect("writes");
        hydrate(writes, item.bundle.as_ref().expect("bundle"));
    }
    let _ = mkimport::output::table::table(&planned, &mkimport::output::table::Layout::plain(100));
}

/// program.json for one email using every image named, in its list and
/// in its HTML.
fn program_using_images(name: &str, images: &[String]) -> Vec<u8> {
    let html: String = images
        .iter()
        .map(|i| format!("<img src=\"{i}\">"))
        .collect();
    serde_json::to_vec(&json!({
        "format": 1,
        "program": {"name": name, "folder": "Inbox"},
        "emails": [{"name": "Invite", "html": html, "images": images}]
    }))
    .unwrap()
}

#[test]
fn a_zip_of_many_tiny_entries_reads_and_plans_in_linear_work() {
    // The shape of the issue: n tiny external/images entries, all used by
    // the program; the target has n images too, half of them under the
    // names the bundle brings (other bytes), with rule image=rename.
    let work = |n: usize| {
        let dir = tempfile::tempdir().unwrap();
        let images: Vec<String> = (0..n).map(|i| format!("img{i}.png")).collect();
        let clashing: Vec<(String, Vec<u8>)> = (0..n)
            .map(|i| {
                let name = if i % 2 == 0 {
                    format!("img{i}.png")
                } else {
                    format!("other{i}.png")
                };
                (format!("design-studio/images/{name}"), b"target".to_vec())
            })
            .collect();
        let target = target(dir.path(), &clashing);
        let mut files = vec![(
            "program.json".to_string(),
            program_using_images("Many", &images),
        )];
        files.extend(
            images
                .iter()
                .map(|i| (format!("external/images/{i}"), i.as_bytes().to_vec())),
        );
        let zip = zip_bytes(&files, CompressionMethod::Stored);
        let mut options = options();
        options.rules.set(RuleKind::Image, Rule::Rename);
        allocations(|| {
            let bundle = read_zip_bundle("many.zip", &zip, &Limits::default()).expect("bundle");
            assert_eq!(bundle.external.len(), n);
            let items = vec![SourceItem {
                label: "many.zip".into(),
                bundle: Ok(bundle),
            }];
            plan_all(&items, &target, &options);
        })
    };
    assert_linear("zip entries", 2000, work);
}

#[test]
fn a_directory_bundle_of_many_files_reads_in_linear_work() {
    let work = |n: usize| {
        let dir = tempfile::tempdir().unwrap();
        let images: Vec<String> = (0..n).map(|i| format!("img{i}.png")).collect();
        let bundle = dir.path().join("bundle");
        write_file(
            &bundle,
            "program.json",
            program_using_images("Many", &images),
        );
        for (i, image) in images.iter().enumerate() {
            write_file(&bundle, &format!("external/images/{image}"), [i as u8]);
            let template = json!({"name": format!("Template {i}"), "html": ""});
            write_file(
                &bundle,
                &format!("external/email-templates/t{i}.json"),
                serde_json::to_vec(&template).unwrap(),
            );
        }
        allocations(|| {
            let bundle = read_bundle(&bundle, &Limits::default()).expect("bundle");
            assert_eq!(bundle.external.len(), 2 * n);
        })
    };
    assert_linear("directory files", 2000, work);
}

#[test]
fn a_big_program_json_plans_in_linear_work() {
    // n emails, landing pages, local forms, campaigns, tokens and tags,
    // every one naming others; a target that declares n fields,
    // segmentations, webhooks and snippets.
    let work = |n: usize| {
        let dir = tempfile::tempdir().unwrap();
        let names =
            |prefix: &str| -> Vec<String> { (0..n).map(|i| format!("{prefix} {i}")).collect() };
        let meta = json!({
            "format": 1,
            "name": "Target",
            "fields": names("Field").iter().map(|f| json!({"name": f})).collect::<Vec<_>>(),
            "segmentations": names("Segmentation"),
            "webhooks": names("Webhook"),
            "custom_objects": names("Object"),
            "tags": {"Region": names("Region")},
        });
        write_file(
            dir.path(),
            "subscription.json",
            serde_json::to_vec(&meta).unwrap(),
        );
        write_file(dir.path(), "marketing-activities/Inbox/folder.json", b"{}");
        for (i, snippet) in names("Snippet").iter().enumerate() {
            let doc = json!({"name": snippet, "html": ""});
            write_file(
                dir.path(),
                &format!("design-studio/snippets/s{i}.json"),
                serde_json::to_vec(&doc).unwrap(),
            );
        }
        let target = Subscription::load(dir.path()).expect("target");
        let program: Value = json!({
            "format": 1,
            "program": {
                "name": "Big",
                "folder": "Inbox",
                "tags": (0..n).map(|i| (format!("Tag {i}"), json!(format!("Value {i}")))).collect::<serde_json::Map<String, Value>>()
            },
            "tokens": (0..n).map(|i| json!({"name": format!("my.T{i}"), "type": "text", "value": "{{my.Missing}}"})).collect::<Vec<_>>(),
            "emails": (0..n).map(|i| json!({
                "name": format!("Email {i}"),
                "html": format!("{{{{my.T{i}}}}} {{{{my.Missing}}}}"),
                "snippets": [format!("Snippet {i}")],
                "segmentations": [format!("Segmentation {i}")],
            })).collect::<Vec<_>>(),
            "landing_pages": (0..n).map(|i| json!({
                "name": format!("Page {i}"),
                "html": "{{my.Missing}}",
                "forms": [format!("Form {i}")],
            })).collect::<Vec<_>>(),
            "forms": (0..n).map(|i| json!({"name": format!("Form {i}"), "fields": [format!("Field {i}")]})).collect::<Vec<_>>(),
            "smart_campaigns": (0..n).map(|i| json!({
                "name": format!("Campaign {i}"),
                "type": "batch",
                "emails": [format!("Email {i}")],
                "fields": [format!("Field {i}")],
                "webhooks": [format!("Webhook {i}")],
                "custom_objects": [format!("Object {i}")],
            })).collect::<Vec<_>>(),
            "requires": {"fields": (0..n).map(|i| json!({"name": format!("Field {i}")})).collect::<Vec<_>>()},
        });
        let zip = zip_bytes(
            &[(
                "program.json".to_string(),
                serde_json::to_vec(&program).unwrap(),
            )],
            CompressionMethod::Stored,
        );
        allocations(|| {
            let bundle = read_zip_bundle("big.zip", &zip, &Limits::default()).expect("bundle");
            let items = vec![SourceItem {
                label: "big.zip".into(),
                bundle: Ok(bundle),
            }];
            plan_all(&items, &target, &options());
        })
    };
    assert_linear("program.json", 1000, work);
}

#[test]
fn a_source_subscription_of_many_programs_bundles_in_linear_work() {
    // n programs in n folders, each using its own template and image and a
    // shared one, bundled on the fly from a source subscription.
    let work = |n: usize| {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source");
        write_file(
            &source,
            "subscription.json",
            br#"{"format": 1, "name": "Source"}"#,
        );
        for i in 0..n {
            let folder = format!("marketing-activities/Folder {i}");
            write_file(
                &source,
                &format!("{folder}/folder.json"),
                br#"{"tokens": [{"name": "my.F", "type": "text", "value": "x"}]}"#,
            );
            let program = json!({
                "format": 1,
                "program": {"name": format!("Program {i}")},
                "emails": [{"name": "Invite", "template": format!("Template {i}"), "images": [format!("img{i}.png"), "shared.png"]}]
            });
            write_file(
                &source,
                &format!("{folder}/P/program.json"),
                serde_json::to_vec(&program).unwrap(),
            );
            write_file(
                &source,
                &format!("design-studio/images/img{i}.png"),
                [i as u8],
            );
            let template = json!({"name": format!("Template {i}"), "html": ""});
            write_file(
                &source,
                &format!("design-studio/email-templates/t{i}.json"),
                serde_json::to_vec(&template).unwrap(),
            );
        }
        write_file(&source, "design-studio/images/shared.png", b"shared");
        let target = target(&dir.path().join("target"), &[]);
        let from = source.to_str().unwrap().to_string();
        allocations(|| {
            let items = mkimport::load::source::load(&from, &Limits::default()).expect("source");
            assert_eq!(items.len(), n);
            plan_all(&items, &target, &options());
        })
    };
    assert_linear("source subscription", 500, work);
}

#[test]
fn renames_into_a_crowded_target_take_linear_work() {
    // The target already holds "Standard Template", "Standard Template 1"
    // ... "Standard Template n" (many earlier imports with rule rename);
    // n bundles each bring another "Standard Template": each takes the
    // first free number without counting from 1 again.
    let work = |n: usize| {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(String, Vec<u8>)> = (0..=n)
            .map(|i| {
                let name = if i == 0 {
                    "Standard Template".to_string()
                } else {
                    format!("Standard Template {i}")
                };
                let doc = json!({"name": name, "html": "target"});
                (
                    format!("design-studio/landing-page-templates/t{i}.json"),
                    serde_json::to_vec(&doc).unwrap(),
                )
            })
            .collect();
        let target = target(dir.path(), &files);
        let zips: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let program = json!({
                    "format": 1,
                    "program": {"name": format!("Program {i}"), "folder": "Inbox"},
                    "landing_pages": [{"name": "Page", "template": "Standard Template"}]
                });
                let template = json!({"name": "Standard Template", "html": format!("bundle {i}")});
                zip_bytes(
                    &[
                        ("program.json".into(), serde_json::to_vec(&program).unwrap()),
                        (
                            "external/landing-page-templates/t.json".into(),
                            serde_json::to_vec(&template).unwrap(),
                        ),
                    ],
                    CompressionMethod::Stored,
                )
            })
            .collect();
        allocations(|| {
            let items: Vec<SourceItem> = zips
                .iter()
                .enumerate()
                .map(|(i, zip)| SourceItem {
                    label: format!("b{i}.zip"),
                    bundle: read_zip_bundle(&format!("b{i}.zip"), zip, &Limits::default()),
                })
                .collect();
            plan_all(&items, &target, &options());
        })
    };
    assert_linear("renames", 500, work);
}
