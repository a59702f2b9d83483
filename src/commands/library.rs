//! `mkimport library list` and `library show NAME`: the built-in Program
//! Library (spec section 6).

use crate::load::bundle::Bundle;
use crate::load::library::loaded;
use crate::output::text::Fit;

/// One line of `library list`.
fn summary(bundle: &Bundle) -> serde_json::Value {
    let p = &bundle.program;
    let required: Vec<serde_json::Value> = p
        .requires
        .fields
        .iter()
        .map(|f| serde_json::json!({"name": f.name, "type": f.kind}))
        .collect();
    serde_json::json!({
        "name": p.program.name,
        "description": p.program.description,
        "type": p.program.kind,
        "channel": p.program.channel,
        "assets": {
            "emails": p.emails.len(),
            "landing_pages": p.landing_pages.len(),
            "forms": p.forms.len(),
            "smart_campaigns": p.smart_campaigns.len(),
            "tokens": p.tokens.len(),
            "external": bundle.external.len(),
        },
        "requires": {"fields": required},
    })
}

/// `mkimport library list`.
pub fn list(json: bool, fit: Fit) -> anyhow::Result<String> {
    let bundles = loaded()?;
    if json {
        let items: Vec<serde_json::Value> = bundles.iter().map(summary).collect();
        return Ok(crate::output::report::to_json_text(
            &serde_json::Value::Array(items),
        ));
    }
    let mut rows = vec![[
        "name",
        "type",
        "channel",
        "emails",
        "pages",
        "forms",
        "campaigns",
        "tokens",
    ]
    .map(String::from)
    .to_vec()];
    for b in &bundles {
        let p = &b.program;
        rows.push(vec![
            p.program.name.clone(),
            p.program.kind.clone(),
            p.program.channel.clone().unwrap_or_default(),
            p.emails.len().to_string(),
            p.landing_pages.len().to_string(),
            p.forms.len().to_string(),
            p.smart_campaigns.len().to_string(),
            p.tokens.len().to_string(),
        ]);
    }
    let table = crate::output::text::fitted_table(&rows, fit);
    if fit == Fit::Records {
        // A script's input: the records only.
        return Ok(format!("{table}\n"));
    }
    let trailer = format!(
        "{} programs. Import one with: mkimport preview --from library --program NAME --to TARGET --folder PATH",
        bundles.len()
    );
    Ok(format!("{table}\n{}\n", fit.lines(&trailer).join("\n")))
}

/// `mkimport library show NAME`.
pub fn show(name: &str, width: usize) -> anyhow::Result<String> {
    let bundles = loaded()?;
    let Some(bundle) = bundles
        .iter()
        .find(|b| crate::names::same(&b.program.program.name, name))
    else {
        let names: Vec<&str> = bundles
            .iter()
            .map(|b| b.program.program.name.as_str())
            .collect();
        let hint = match crate::suggest::did_you_mean(name, names.iter().copied()) {
            none if none.is_empty() => " (`mkimport library list` lists them)".to_string(),
            some => some,
        };
        return Err(crate::error::usage(format!(
            "no library program named \"{name}\"{hint}"
        )));
    };
    use crate::output::text::wrap;
    use std::fmt::Write as _;
    let p = &bundle.program;
    let mut out = String::new();
    let _ = writeln!(out, "{}", p.program.name);
    let _ = writeln!(
        out,
        "  type: {}   channel: {}",
        p.program.kind,
        p.program.channel.as_deref().unwrap_or("-")
    );
    let room = width.saturating_sub(4).max(20);
    if let Some(description) = &p.program.description {
        for line in wrap(description, width.saturating_sub(2).max(20)) {
            let _ = writeln!(out, "  {line}");
        }
    }
    let mut section = |title: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title} ({}):", items.len());
        for item in items {
            for (i, line) in wrap(&item, room).into_iter().enumerate() {
                let bullet = if i == 0 { "-" } else { " " };
                let _ = writeln!(out, "  {bullet} {line}");
            }
        }
    };
    section(
        "Tokens",
        p.tokens
            .iter()
            .map(|t| format!("{} ({})", t.name, t.kind))
            .collect(),
    );
    section(
        "Emails",
        p.emails
            .iter()
            .map(|e| match &e.subject {
                Some(s) => format!("{}: \"{s}\"", e.name),
                None => e.name.clone(),
            })
            .collect(),
    );
    section(
        "Landing pages",
        p.landing_pages.iter().map(|l| l.name.clone()).collect(),
    );
    section("Forms", p.forms.iter().map(|f| f.name.clone()).collect());
    section(
        "Smart campaigns",
        p.smart_campaigns
            .iter()
            .map(|c| format!("{} ({})", c.name, c.kind))
            .collect(),
    );
    section(
        "External assets",
        bundle
            .external
            .iter()
            .map(|a| format!("{}: {}", crate::plan::AssetKind::from(a.kind), a.name))
            .collect(),
    );
    let mut requires: Vec<String> = p
        .requires
        .fields
        .iter()
        .map(|f| {
            format!(
                "field \"{}\" ({})",
                f.name,
                f.kind.as_deref().unwrap_or("any type")
            )
        })
        .collect();
    let mut fields: Vec<String> = p
        .smart_campaigns
        .iter()
        .flat_map(|c| c.fields.iter())
        .chain(p.forms.iter().flat_map(|f| f.fields.iter()))
        .cloned()
        .collect();
    fields.sort();
    fields.dedup();
    for f in fields {
        if !p
            .requires
            .fields
            .iter()
            .any(|r| crate::names::same(&r.name, &f))
        {
            requires.push(format!("field \"{f}\""));
        }
    }
    if let Some(channel) = &p.program.channel {
        requires.push(format!("channel \"{channel}\""));
    }
    section("Requires of a target", requires);
    Ok(out)
}
