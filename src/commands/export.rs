//! `mkimport export`: build a self-contained bundle (a zip) from a program
//! stored in a subscription, so a program imported into one subscription
//! can move on to another.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::error::{show, usage};
use crate::load::bundle::{bundle_stored, Bundle};
use crate::load::subscription::Subscription;
use crate::model::{to_canonical_json, AssetContent};
use crate::names;

/// The bundle of the stored program named `name`.
pub fn stored_bundle(source: &Subscription, name: &str) -> Result<Bundle> {
    let stored = source
        .programs
        .iter()
        .find(|p| names::same(&p.file.program.name, name))
        .ok_or_else(|| {
            let names: Vec<&str> = source
                .programs
                .iter()
                .map(|p| p.file.program.name.as_str())
                .collect();
            usage(format!(
                "no program named \"{name}\" in {}{}; {}",
                source.label,
                crate::suggest::did_you_mean(name, names.iter().copied()),
                crate::suggest::holdings(&names)
            ))
        })?;
    Ok(bundle_stored(source, stored)?)
}

/// The bundle as zip bytes: `program.json` and `external/<kind>/<file>`,
/// deflated, with fixed timestamps, in a stable order: the same program
/// gives the same bytes.
pub fn zip_bytes(bundle: &Bundle) -> Result<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.start_file("program.json", options)?;
    writer.write_all(&to_canonical_json(&bundle.program))?;
    let mut used: HashSet<String> = HashSet::new();
    for asset in &bundle.external {
        let (file, bytes) = match &asset.content {
            AssetContent::Doc(doc) => (
                names::unique_file_name(&asset.name, ".json", |f| used.contains(f)),
                to_canonical_json(&doc.doc),
            ),
            // An image's entry name is its name, exactly (made safe, two
            // names could become one entry, and the program's references
            // would name no image). A name from a subscription is a file
            // name already; only a backslash would read back as a folder.
            AssetContent::Image { bytes, .. } if !asset.name.contains('\\') => {
                (asset.name.clone(), bytes.to_vec())
            }
            AssetContent::Image { .. } => anyhow::bail!(
                "image \"{}\" cannot be exported: a backslash in a zip entry's name reads as a folder separator",
                asset.name
            ),
        };
        let path = format!("external/{}/{}", asset.kind.dir(), file);
        used.insert(file.to_lowercase());
        writer.start_file(path, options)?;
        writer.write_all(&bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// `mkimport export --from SUBSCRIPTION --program NAME --out FILE.zip`;
/// `--out -` writes the zip to standard output (never to a terminal).
pub fn export(from: &Path, name: &str, out: &Path) -> Result<()> {
    Subscription::check_dir("--from", from)?;
    let source = Subscription::load(from).context("cannot read the source subscription")?;
    let to_stdout = out.as_os_str() == "-";
    if to_stdout && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(usage(
            "--out - writes the zip to standard output, which is a terminal: redirect it (> FILE.zip) or pipe it",
        ));
    }
    let bundle = stored_bundle(&source, name)?;
    let bytes = zip_bytes(&bundle)?;
    if to_stdout {
        return crate::output::console::print_with(|w| w.write_all(&bytes));
    }
    crate::fsutil::write_atomic(out, &bytes)
        .with_context(|| format!("cannot write {}", show(out)))?;
    Ok(())
}
