//! Entry points for the fuzz targets (`fuzz/`) and their regression tests:
//! each takes arbitrary bytes and must never panic.

use std::path::PathBuf;

use crate::load::bundle::{read_zip_bundle, Bundle, Limits, SourceItem};
use crate::load::subscription::{parse_program, Folder, Subscription};
use crate::plan::{plan, PlanOptions};

/// Small limits, so the fuzzer explores instead of inflating.
pub const FUZZ_LIMITS: Limits = Limits {
    max_entry_bytes: 1 << 20,
    max_bundle_bytes: 4 << 20,
    max_ratio: 200,
};

/// A tiny in-memory target with one folder and every key declared.
pub fn empty_target() -> Subscription {
    let meta = serde_json::from_value(serde_json::json!({
        "format": 1, "name": "Fuzz Target", "fields": [], "channels": [],
        "webhooks": [], "custom_objects": [], "segmentations": [], "tags": {},
    }))
    .expect("a valid subscription");
    Subscription {
        root: PathBuf::from("fuzz-target"),
        label: "fuzz-target".into(),
        meta,
        raw: Default::default(),
        assets: Vec::new(),
        folders: vec![Folder {
            path: vec!["Imports".into()],
            tokens: Vec::new(),
            children: Vec::new(),
        }],
        programs: Vec::new(),
        digest: String::new(),
        files: Default::default(),
    }
}

fn plan_and_render(bundle: Bundle) {
    let items = vec![SourceItem {
        label: bundle.label.clone(),
        bundle: Ok(bundle),
    }];
    let options = PlanOptions {
        folder: Some("Imports".into()),
        ..PlanOptions::default()
    };
    let planned = plan(&items, &empty_target(), &options);
    // Every human rendering, at a narrow and a common width: names from
    // bundles must never break them.
    for width in [40, 80] {
        let layout = crate::output::table::Layout::plain(width);
        let _ = crate::output::table::table(&planned, &layout);
        let collapsed = crate::output::table::Layout {
            verbosity: crate::cli::Verbosity::Normal,
            ..layout
        };
        let _ = crate::output::table::table(&planned, &collapsed);
    }
    let context = crate::output::Context {
        mode: crate::output::Mode::Preview,
        import_id: None,
        source: "fuzz".into(),
        target: "fuzz-target".into(),
    };
    let view = crate::output::ReportView::new(&planned, &context);
    let _ = crate::output::markdown::markdown(&view, crate::cli::Verbosity::Verbose);
}

/// Bytes as a zip bundle: read, then plan.
pub fn read_zip_bytes(data: &[u8]) {
    if let Ok(bundle) = read_zip_bundle("fuzz.zip", data, &FUZZ_LIMITS) {
        assert!(!bundle.program.program.name.trim().is_empty());
        plan_and_render(bundle);
    }
}

/// Bytes as program.json: parse, then plan.
pub fn plan_program_bytes(data: &[u8]) {
    if let Ok(program) = parse_program("fuzz", "program.json", data) {
        plan_and_render(Bundle {
            label: "fuzz".into(),
            digest: crate::digest::sha256_hex(data),
            program,
            external: Vec::new(),
            origin: crate::load::bundle::Origin::Memory,
        });
    }
}
