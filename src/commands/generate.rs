//! A generator of synthetic sources and targets for the benchmark
//! (`mkimport generate`, hidden from `--help`). Seeded and deterministic:
//! the same arguments give byte-identical files.
//!
//! Each bundle holds a program with 10 emails of about 8 KB of HTML, 3
//! landing pages, 5 smart campaigns, 10 tokens and one ~40 KB image, plus
//! external templates shared among bundles so that conflicts occur: some
//! identical to the target's (reuse), some clashing (rename, once, then
//! identical to the planned one), some new (create, once). The target holds
//! about 5,000 design-studio assets.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::{json, Value};

use crate::model::to_canonical_json;

/// splitmix64: small, fast, and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "pipeline",
    "webinar",
    "scoring",
    "nurture",
    "campaign",
    "engagement",
    "revenue",
    "customer",
    "journey",
    "insight",
    "platform",
    "demo",
    "trial",
    "partner",
    "event",
    "report",
    "growth",
    "strategy",
    "analytics",
    "automation",
    "segment",
    "audience",
    "conversion",
    "content",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// About `size` bytes of email HTML using the program's tokens.
fn html(rng: &mut Rng, size: usize) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{{my.Token 0}}</title></head><body><table role=\"presentation\" width=\"600\">",
    );
    while out.len() < size {
        let token = rng.below(10);
        out.push_str(&format!(
            "<tr><td class=\"mktoText\" style=\"padding:8px 32px;font-size:16px;\"><p>{} {{{{my.Token {token}}}}} {}.</p></td></tr>",
            sentence(rng, 12),
            sentence(rng, 8)
        ));
    }
    out.push_str("<tr><td><a href=\"{{system.unsubscribeLink}}\">Unsubscribe</a></td></tr></table></body></html>");
    out
}

/// `len` bytes that look like a PNG and do not compress.
fn image(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

fn template(kind: &str, k: u64, flavour: &str) -> Value {
    json!({
        "name": format!("Shared {kind} {k}"),
        "html": format!("<html><body><div class=\"mktoContainer\">{flavour} {kind} template {k}</div></body></html>"),
    })
}

const FIELDS: &[&str] = &["Email Address", "First Name", "Lead Score", "Company Name"];

fn bundle_zip(seed: u64, index: usize) -> Result<Vec<u8>> {
    let mut rng = Rng(seed ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let email_template = rng.below(20);
    let page_template = rng.below(10);
    let form = rng.below(5);
    let tokens: Vec<Value> = (0..10)
        .map(|t| json!({"name": format!("my.Token {t}"), "type": "text", "value": sentence(&mut rng, 3)}))
        .collect();
    let image_name = format!("hero-{index:05}.png");
    let emails: Vec<Value> = (0..10)
        .map(|e| {
            json!({
                "name": format!("Email {e}"),
                "template": format!("Shared Email {email_template}"),
                "subject": format!("{} {{{{my.Token 1}}}}", sentence(&mut rng, 5)),
                "html": html(&mut rng, 8 * 1024),
                "images": if e == 0 { vec![image_name.clone(), "logo.png".to_string()] } else { vec![] },
            })
        })
        .collect();
    let pages: Vec<Value> = (0..3)
        .map(|p| {
            json!({
                "name": format!("Page {p}"),
                "template": format!("Shared Page {page_template}"),
                "html": html(&mut rng, 2 * 1024),
                "forms": [format!("Shared Form {form}")],
            })
        })
        .collect();
    let campaigns: Vec<Value> = (0..5)
        .map(|c| {
            if c % 2 == 0 {
                json!({"name": format!("Send {c}"), "type": "batch", "schedule": "2026-09-01T09:00:00Z",
                       "emails": [format!("Email {c}")], "fields": [FIELDS[c % FIELDS.len()]]})
            } else {
                json!({"name": format!("Trigger {c}"), "type": "trigger", "active": true,
                       "triggers": ["Fills Out Form"], "fields": ["Email Address"]})
            }
        })
        .collect();
    let program = json!({
        "format": 1,
        "exported_from": "Bench Sandbox",
        "program": {"name": format!("Bench Program {index:05}"), "type": "event",
                    "channel": "Webinar", "folder": "Imports", "description": sentence(&mut rng, 10)},
        "tokens": tokens,
        "emails": emails,
        "landing_pages": pages,
        "smart_campaigns": campaigns,
    });
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let stored = options.compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("program.json", options)?;
    zip.write_all(&to_canonical_json(&program))?;
    let externals = [
        (
            "email-templates",
            template("Email", email_template, "sandbox"),
        ),
        (
            "landing-page-templates",
            template("Page", page_template, "sandbox"),
        ),
        (
            "forms",
            json!({"name": format!("Shared Form {form}"), "fields": ["Email Address", "First Name"]}),
        ),
    ];
    for (dir, doc) in externals {
        let name = doc["name"].as_str().unwrap_or_default().to_string();
        zip.start_file(format!("external/{dir}/{name}.json"), options)?;
        zip.write_all(&to_canonical_json(&doc))?;
    }
    zip.start_file(format!("external/images/{image_name}"), stored)?;
    zip.write_all(&image(&mut rng, 40 * 1024))?;
    zip.start_file("external/images/logo.png", stored)?;
    zip.write_all(&image(&mut Rng(seed), 4 * 1024))?;
    Ok(zip.finish()?.into_inner())
}

fn write_target(dir: &Path, seed: u64, assets: usize) -> Result<()> {
    let mut rng = Rng(seed.wrapping_add(7));
    let sub = json!({
        "format": 1, "name": "Bench Target", "kind": "production",
        "fields": FIELDS.iter().map(|f| json!({"name": f, "type": "string"})).collect::<Vec<_>>(),
        "channels": [{"name": "Webinar", "statuses": ["Invited", "Registered", "Attended"]}],
        "tags": {"Region": ["EMEA"]},
    });
    fs_err::create_dir_all(dir.join("marketing-activities/Imports"))?;
    fs_err::write(
        dir.join("marketing-activities/Imports/folder.json"),
        b"{\"tokens\": []}\n",
    )?;
    fs_err::write(dir.join("subscription.json"), to_canonical_json(&sub))?;
    let studio = dir.join("design-studio");
    for kind in [
        "email-templates",
        "landing-page-templates",
        "forms",
        "images",
        "snippets",
    ] {
        fs_err::create_dir_all(studio.join(kind))?;
    }
    // Shared templates: half the email ones identical to the bundles'
    // (reuse), every page one different (rename once, then reuse).
    for k in 0..10 {
        let doc = template("Email", k, "sandbox");
        fs_err::write(
            studio.join(format!("email-templates/shared-email-{k}.json")),
            to_canonical_json(&doc),
        )?;
        let doc = template("Page", k, "production");
        fs_err::write(
            studio.join(format!("landing-page-templates/shared-page-{k}.json")),
            to_canonical_json(&doc),
        )?;
    }
    let split = [
        (0.4, "email-templates"),
        (0.3, "landing-page-templates"),
        (0.2, "forms"),
        (0.1, "images"),
    ];
    for (share, kind) in split {
        let count = (assets as f64 * share) as usize;
        for i in 0..count {
            let path = studio.join(kind);
            match kind {
                "images" => fs_err::write(
                    path.join(format!("legacy-{i:05}.png")),
                    image(&mut rng, 2048),
                )?,
                "forms" => fs_err::write(
                    path.join(format!("legacy-{i:05}.json")),
                    to_canonical_json(
                        &json!({"name": format!("Legacy Form {i}"), "fields": ["Email Address"]}),
                    ),
                )?,
                _ => fs_err::write(
                    path.join(format!("legacy-{i:05}.json")),
                    to_canonical_json(
                        &json!({"name": format!("Legacy {kind} {i}"), "html": html(&mut rng, 1024)}),
                    ),
                )?,
            }
        }
    }
    Ok(())
}

/// `mkimport generate --bundles N --out DIR`: DIR/source/*.zip and
/// DIR/target/.
pub fn generate(out: &Path, bundles: usize, seed: u64, target_assets: usize) -> Result<()> {
    let source = out.join("source");
    fs_err::create_dir_all(&source).with_context(|| format!("cannot create {}", out.display()))?;
    let results = crate::parallel::map((0..bundles).collect(), |i| -> Result<()> {
        let bytes = bundle_zip(seed, i)?;
        fs_err::write(source.join(format!("bundle-{i:05}.zip")), bytes)?;
        Ok(())
    });
    results.into_iter().collect::<Result<Vec<()>>>()?;
    write_target(&out.join("target"), seed, target_assets)
}
