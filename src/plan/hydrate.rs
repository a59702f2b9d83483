//! Building what `run` writes from the plan's decisions ([`Landing`]) and
//! the bundle, read again: the landed `program.json` ([`land`]) and the
//! design-studio files ([`hydrate`]). Pure.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::load::bundle::{Bundle, ExternalAsset};
use crate::model::{
    AssetContent, Campaign, CampaignType, DesignKind, Email, LandingPage, ProgramFile, Token,
};
use crate::names::key;

use super::{AssetWrite, Landing, ProgramWrites};

/// The items of `all` at the positions `at`, in that order.
pub(super) fn picked<'a, T>(all: &'a [T], at: &'a [u32]) -> impl Iterator<Item = &'a T> + 'a {
    at.iter().filter_map(move |&i| all.get(i as usize))
}

/// A token as it lands: inherited tokens become local ones.
pub(super) fn landed_token(token: &Token) -> Token {
    Token {
        inherited_from: None,
        ..token.clone()
    }
}

/// A smart campaign as it lands: a trigger campaign inactive, a batch
/// campaign unscheduled.
pub(super) fn land_campaign(campaign: &Campaign) -> Campaign {
    let mut landed = campaign.clone();
    match &campaign.kind {
        CampaignType::Trigger => landed.active = false,
        CampaignType::Batch => landed.schedule = None,
        CampaignType::Other(_) => {}
    }
    landed
}

/// The names in campaigns, local forms and `requires` that the import
/// rewrites: a field matched by API name takes the target's name
/// (`fields`, by name key); a mapped or differently spelled self-service
/// step, list or program takes the name it has in the target (`services`,
/// `lists`, `programs`, by the name as the program spells it; only those
/// that change).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rewrites {
    pub fields: BTreeMap<String, String>,
    pub services: BTreeMap<String, String>,
    pub lists: BTreeMap<String, String>,
    pub programs: BTreeMap<String, String>,
}

impl Rewrites {
    /// What the planner changed between the program's campaigns and the
    /// campaigns as they land (same order), and the field renames.
    pub(super) fn between(
        source: &[Campaign],
        landed: &[Campaign],
        fields: BTreeMap<String, String>,
    ) -> Rewrites {
        let mut rewrites = Rewrites {
            fields,
            ..Rewrites::default()
        };
        fn changes(
            into: &mut BTreeMap<String, String>,
            was: &Option<Vec<String>>,
            is: &Option<Vec<String>>,
        ) {
            if let (Some(was), Some(is)) = (was, is) {
                for (w, i) in was.iter().zip(is) {
                    if w != i {
                        into.insert(w.clone(), i.clone());
                    }
                }
            }
        }
        for (was, is) in source.iter().zip(landed) {
            changes(&mut rewrites.services, &was.services, &is.services);
            changes(&mut rewrites.lists, &was.lists, &is.lists);
            changes(&mut rewrites.programs, &was.programs, &is.programs);
        }
        rewrites
    }

    fn field(&self, name: &str) -> String {
        self.fields
            .get(&key(name))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    fn fields(&self, names: &mut [String]) {
        for name in names {
            *name = self.field(name);
        }
    }

    fn campaign(&self, campaign: &mut Campaign) {
        let exact = |map: &BTreeMap<String, String>, names: &mut Option<Vec<String>>| {
            for name in names.iter_mut().flatten() {
                if let Some(to) = map.get(name.as_str()) {
                    *name = to.clone();
                }
            }
        };
        exact(&self.services, &mut campaign.services);
        exact(&self.lists, &mut campaign.lists);
        exact(&self.programs, &mut campaign.programs);
        self.fields(&mut campaign.fields);
    }
}

/// External references rewritten to their names in the target.
struct References<'a>(&'a BTreeMap<(DesignKind, String), String>);

impl References<'_> {
    fn get(&self, kind: DesignKind, name: &str) -> String {
        self.0
            .get(&(kind, key(name)))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// A template reference and image references, rewritten.
    fn template_and_images(
        &self,
        kind: DesignKind,
        template: &Option<String>,
        images: &[String],
    ) -> (Option<String>, Vec<String>) {
        (
            template.as_ref().map(|t| self.get(kind, t)),
            images
                .iter()
                .map(|i| self.get(DesignKind::Image, i))
                .collect(),
        )
    }

    fn email(&self, email: &Email) -> Email {
        let (template, images) =
            self.template_and_images(DesignKind::EmailTemplate, &email.template, &email.images);
        Email {
            template,
            images,
            ..email.clone()
        }
    }

    fn page(&self, page: &LandingPage, local_forms: &BTreeSet<String>) -> LandingPage {
        let (template, images) = self.template_and_images(
            DesignKind::LandingPageTemplate,
            &page.template,
            &page.images,
        );
        let forms = page
            .forms
            .iter()
            .map(|f| {
                if local_forms.contains(&key(f)) {
                    f.clone()
                } else {
                    self.get(DesignKind::Form, f)
                }
            })
            .collect();
        LandingPage {
            template,
            images,
            forms,
            ..page.clone()
        }
    }
}

/// The program as it lands in the target: `source` (the bundle's program)
/// with the planner's decisions applied: its name, folder and tags, only
/// the tokens, emails and landing pages that are imported, references
/// rewritten to the target's names, campaigns inactive and unscheduled.
pub fn land(source: &ProgramFile, landing: &Landing) -> ProgramFile {
    let references = References(&landing.references);
    let local_forms: BTreeSet<String> = source.forms.iter().map(|f| key(&f.name)).collect();
    let mut program = ProgramFile {
        tokens: picked(&source.tokens, &landing.tokens)
            .map(landed_token)
            .collect(),
        emails: picked(&source.emails, &landing.emails)
            .map(|e| references.email(e))
            .collect(),
        landing_pages: picked(&source.landing_pages, &landing.pages)
            .map(|p| references.page(p, &local_forms))
            .collect(),
        smart_campaigns: source
            .smart_campaigns
            .iter()
            .map(|c| {
                let mut landed = land_campaign(c);
                landing.rewrites.campaign(&mut landed);
                landed
            })
            .collect(),
        imported: None,
        ..source.clone()
    };
    for form in &mut program.forms {
        landing.rewrites.fields(&mut form.fields);
    }
    for field in &mut program.requires.fields {
        field.name = landing.rewrites.field(&field.name);
    }
    program.program.name = landing.name.clone();
    program.program.folder = Some(landing.folder.clone());
    program.program.tags = landing.tags.clone();
    program
}

/// The program and design-studio files exactly as `run` writes them: the
/// planned (possibly slim) program completed with the full bundle's HTML,
/// renamed images' file names rewritten in that HTML, and image bytes.
/// Pure: `full` is the bundle the plan was made from, read again.
pub fn hydrate(writes: &ProgramWrites, full: &Bundle) -> (ProgramFile, Vec<AssetWrite>) {
    let renames: Vec<(String, String)> = writes
        .image_renames
        .iter()
        .map(|(old, new)| (old.clone(), new.replace(' ', "%20")))
        .collect();
    let renames = FileRenames::new(&renames);
    let rewrite = |html: &str| renames.rewrite(html);
    let mut program = land(&full.program, &writes.landing);
    for email in &mut program.emails {
        email.html = rewrite(&email.html);
    }
    for page in &mut program.landing_pages {
        page.html = rewrite(&page.html);
    }
    let carried = full.external_index();
    let assets = writes
        .assets
        .iter()
        .map(|write| {
            let mut write = write.clone();
            if let AssetContent::Image { digest, .. } = &write.content {
                if let Some(ExternalAsset {
                    content: AssetContent::Image { bytes, .. },
                    ..
                }) = carried.get(DesignKind::Image, &write.source)
                {
                    write.content = AssetContent::Image {
                        digest: digest.clone(),
                        bytes: bytes.clone(),
                    };
                }
            }
            write
        })
        .collect();
    (program, assets)
}

/// Replace `old` by `new` in `text` where it stands as a whole file name in
/// a URL or attribute: after `/`, a quote, `(` or `=`, and before a quote,
/// `)`, `?`, `#`, white space or the end.
pub fn rewrite_file_references(text: &str, old: &str, new: &str) -> String {
    FileRenames::new(&[(old.to_string(), new.to_string())]).rewrite(text)
}

/// File names to replace in HTML, all at once (see [`FileRenames::rewrite`]).
pub struct FileRenames<'a> {
    /// Old name → new name; the first pair given for a name wins.
    map: HashMap<&'a str, &'a str>,
    /// Length of the longest old name, in bytes.
    longest: usize,
}

impl<'a> FileRenames<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        let mut map = HashMap::new();
        for (old, new) in pairs {
            if !old.is_empty() {
                map.entry(old.as_str()).or_insert(new.as_str());
            }
        }
        let longest = map.keys().map(|k| k.len()).max().unwrap_or(0);
        FileRenames { map, longest }
    }

    /// Replace every old name where it stands as a whole file name in a
    /// URL or attribute: after `/`, a quote, `(` or `=` (or at the start),
    /// and before a quote, `)`, `?`, `#`, white space or the end. One pass:
    /// where several old names match at one place the longest wins, and
    /// replaced text is never scanned again, so renaming "a.png" to
    /// "b.png" and "b.png" to "c.png" never makes "a.png" into "c.png".
    /// Linear in the text (times the longest name), whatever the number of
    /// names.
    pub fn rewrite(&self, text: &str) -> String {
        if self.map.is_empty() {
            return text.to_string();
        }
        let after_ok = |c: Option<char>| {
            matches!(c, None | Some('"' | '\'' | ')' | '?' | '#'))
                || c.is_some_and(char::is_whitespace)
        };
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < text.len() {
            let starts = i == 0 || matches!(bytes[i - 1], b'/' | b'"' | b'\'' | b'(' | b'=');
            if starts {
                let limit = (i + self.longest).min(text.len());
                let found = (i + 1..=limit).rev().find_map(|end| {
                    if !text.is_char_boundary(end) || !after_ok(text[end..].chars().next()) {
                        return None;
                    }
                    self.map.get(&text[i..end]).map(|new| (end, *new))
                });
                if let Some((end, new)) = found {
                    out.push_str(&text[copied..i]);
                    out.push_str(new);
                    copied = end;
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }
}
