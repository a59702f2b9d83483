//! Conflict rules (spec sections 4 and 8): one rule per kind, from a preset
//! (`default`, what the seed page of Marketo's import does, or `current`,
//! what today's Marketo does), overridden by a rules file and then by
//! `--rule KIND=RULE`; and the mappings of self-service flow steps
//! (`--map-service FROM=TO`, a rules file's `services`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::names::{self, Spelling};

/// What a rule applies to, as written on the command line and in rules files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Program,
    EmailTemplate,
    LandingPageTemplate,
    Image,
    Form,
    Tag,
    ImageToken,
    /// How a renamed program or asset is spelled (spec section 8).
    RenameStyle,
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    Fail,
    Rename,
    Skip,
    Reuse,
    Overwrite,
    Create,
    Ignore,
    DropAll,
    DropImage,
    /// `rename-style`: "Standard Template 1".
    Space,
    /// `rename-style`: "Standard Template - 1", as today's Marketo spells it.
    Dash,
}

impl RuleKind {
    pub const ALL: [RuleKind; 8] = [
        RuleKind::Program,
        RuleKind::EmailTemplate,
        RuleKind::LandingPageTemplate,
        RuleKind::Image,
        RuleKind::Form,
        RuleKind::Tag,
        RuleKind::ImageToken,
        RuleKind::RenameStyle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Program => "program",
            RuleKind::EmailTemplate => "email-template",
            RuleKind::LandingPageTemplate => "landing-page-template",
            RuleKind::Image => "image",
            RuleKind::Form => "form",
            RuleKind::Tag => "tag",
            RuleKind::ImageToken => "image-token",
            RuleKind::RenameStyle => "rename-style",
        }
    }

    /// The rules this kind accepts; the first is the default.
    pub fn choices(self) -> &'static [Rule] {
        use Rule::*;
        match self {
            RuleKind::Program => &[Fail, Rename, Skip],
            RuleKind::EmailTemplate => &[Reuse, Rename, Overwrite],
            RuleKind::LandingPageTemplate => &[Rename, Reuse, Overwrite],
            RuleKind::Image => &[Reuse, Rename, Overwrite],
            RuleKind::Form => &[Reuse, Rename, Overwrite],
            RuleKind::Tag => &[Create, Ignore],
            RuleKind::ImageToken => &[DropAll, DropImage],
            RuleKind::RenameStyle => &[Space, Dash],
        }
    }

    pub fn default_rule(self) -> Rule {
        self.choices()[0]
    }

    pub fn parse(text: &str) -> Option<RuleKind> {
        RuleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
    }
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Fail => "fail",
            Rule::Rename => "rename",
            Rule::Skip => "skip",
            Rule::Reuse => "reuse",
            Rule::Overwrite => "overwrite",
            Rule::Create => "create",
            Rule::Ignore => "ignore",
            Rule::DropAll => "drop-all",
            Rule::DropImage => "drop-image",
            Rule::Space => "space",
            Rule::Dash => "dash",
        }
    }

    /// The spelling of renamed names this rule stands for (the rules of
    /// `rename-style`); none for the other rules.
    pub fn spelling(self) -> Option<Spelling> {
        match self {
            Rule::Space => Some(Spelling::Space),
            Rule::Dash => Some(Spelling::Dash),
            Rule::Fail
            | Rule::Rename
            | Rule::Skip
            | Rule::Reuse
            | Rule::Overwrite
            | Rule::Create
            | Rule::Ignore
            | Rule::DropAll
            | Rule::DropImage => None,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule kind and a rule given as text (`--rule`, a rules file, a saved
/// plan); an unknown kind or rule is an error that lists the valid ones.
pub fn parse_pair(kind: &str, rule: &str) -> Result<(RuleKind, Rule), String> {
    let Some(kind_value) = RuleKind::parse(kind) else {
        let valid: Vec<&str> = RuleKind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(format!(
            "unknown rule kind {kind:?}{}; valid kinds: {}",
            hint(kind, &valid, "rule kinds"),
            valid.join(", ")
        ));
    };
    let choices = kind_value.choices();
    let Some(rule_value) = choices.iter().copied().find(|r| r.as_str() == rule.trim()) else {
        let valid: Vec<&str> = choices.iter().map(|r| r.as_str()).collect();
        return Err(format!(
            "unknown rule {rule:?} for {kind_value}{}; valid rules: {}",
            hint(rule, &valid, "rules"),
            valid.join(", ")
        ));
    };
    Ok((kind_value, rule_value))
}

/// " (rules are lower case: did you mean "overwrite"?)" for a word that
/// differs from a valid one only in case; else the nearest valid words.
fn hint(word: &str, valid: &[&str], what: &str) -> String {
    match valid.iter().find(|v| v.eq_ignore_ascii_case(word.trim())) {
        Some(same) => format!(" ({what} are lower case: did you mean \"{same}\"?)"),
        None => crate::suggest::did_you_mean(word, valid.iter().copied()),
    }
}

/// A wrong entry of a rules file: which key, and whether the mistake is
/// in its value (else in the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    pub key: String,
    pub in_value: bool,
    pub message: String,
}

/// A named set of rules to start from: `--conflict default|current`, or a
/// rules file's `"preset"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Preset {
    /// The rules of spec section 4: what the seed page of Marketo's
    /// "Import a Program" describes.
    Default,
    /// Today's Marketo (spec section 8): email templates and global forms
    /// renamed, renames spelled "<name> - <n>".
    Current,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Default, Preset::Current];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Default => "default",
            Preset::Current => "current",
        }
    }

    pub fn parse(text: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == text.trim())
    }

    /// The rules of this preset.
    pub fn rules(self) -> Rules {
        let mut rules = Rules {
            rules: RuleKind::ALL
                .into_iter()
                .map(|k| (k, k.default_rule()))
                .collect(),
        };
        match self {
            Preset::Default => {}
            Preset::Current => {
                rules.set(RuleKind::EmailTemplate, Rule::Rename);
                rules.set(RuleKind::Form, Rule::Rename);
                rules.set(RuleKind::RenameStyle, Rule::Dash);
            }
        }
        rules
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule in force for every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    rules: BTreeMap<RuleKind, Rule>,
}

impl Default for Rules {
    fn default() -> Self {
        Preset::Default.rules()
    }
}

impl Rules {
    pub fn get(&self, kind: RuleKind) -> Rule {
        self.rules[&kind]
    }

    pub fn set(&mut self, kind: RuleKind, rule: Rule) {
        debug_assert!(kind.choices().contains(&rule));
        self.rules.insert(kind, rule);
    }

    /// How renamed programs and assets are spelled (rule `rename-style`).
    pub fn spelling(&self) -> Spelling {
        self.get(RuleKind::RenameStyle)
            .spelling()
            .unwrap_or(Spelling::Space)
    }

    /// As the report shows them: kind → rule, sorted by kind.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.rules
            .iter()
            .map(|(k, r)| (k.as_str().to_string(), r.as_str().to_string()))
            .collect()
    }
}

/// A rules file (`--conflict FILE`): a JSON object of `"kind": "rule"`
/// pairs over a preset (`"preset": "default"`, the default, or
/// `"current"`), and `"services": {"FROM": "TO", ...}`, the mappings of
/// self-service flow steps. A mistake names the key it is about (and
/// what is valid), so the caller can say where it is.
pub fn read_rules_object(
    object: &serde_json::Map<String, serde_json::Value>,
) -> Result<(Rules, ServiceMap), EntryError> {
    let wrong = |key: &str, in_value: bool, message: String| EntryError {
        key: key.to_string(),
        in_value,
        message,
    };
    let preset = match object.get("preset") {
        None => Preset::Default,
        Some(serde_json::Value::String(text)) => Preset::parse(text).ok_or_else(|| {
            wrong(
                "preset",
                true,
                format!(
                    "unknown preset {text:?}{}; valid presets: {}",
                    crate::suggest::did_you_mean(text, Preset::ALL.iter().map(|p| p.as_str())),
                    preset_list()
                ),
            )
        })?,
        Some(other) => {
            return Err(wrong(
                "preset",
                true,
                format!(
                    "\"preset\" must be a string (one of {}), not {other}",
                    preset_list()
                ),
            ))
        }
    };
    let mut rules = preset.rules();
    let mut services = ServiceMap::default();
    for (kind, rule) in object {
        match kind.as_str() {
            "preset" => {}
            "services" => {
                let Some(map) = rule.as_object() else {
                    return Err(wrong(kind, true, format!(
                        "\"services\" must be an object {{\"Provider/Step\": \"Provider/Step\", ...}}, not {rule}"
                    )));
                };
                for (from, to) in map {
                    let Some(to) = to.as_str() else {
                        return Err(wrong(kind, true, format!(
                            "the service {from:?} must be mapped to a string \"Provider/Step\", not {to}"
                        )));
                    };
                    let mapping =
                        ServiceMapping::new(from, to).map_err(|m| wrong(kind, true, m))?;
                    services.add(mapping);
                }
            }
            _ => {
                let Some(text) = rule.as_str() else {
                    return Err(wrong(
                        kind,
                        true,
                        format!("the rule for {kind:?} must be a string, not {rule}"),
                    ));
                };
                let (kind_value, rule) = parse_pair(kind, text)
                    .map_err(|m| wrong(kind, RuleKind::parse(kind).is_some(), m))?;
                rules.set(kind_value, rule);
            }
        }
    }
    Ok((rules, services))
}

/// "default, current".
pub fn preset_list() -> String {
    Preset::ALL
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A self-service flow step, `"Provider/Step"`: both parts non-empty.
fn check_service(text: &str) -> Result<(), String> {
    match text.split_once('/') {
        Some((provider, step)) if !provider.trim().is_empty() && !step.trim().is_empty() => Ok(()),
        _ => Err(format!(
            "{text:?} is no self-service flow step; write it in full as \"Provider/Step\""
        )),
    }
}

/// One self-service flow step mapped to one of the target: both full
/// `"Provider/Step"` strings, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceMapping {
    pub from: String,
    pub to: String,
}

impl ServiceMapping {
    pub fn new(from: &str, to: &str) -> Result<ServiceMapping, String> {
        check_service(from)?;
        check_service(to)?;
        Ok(ServiceMapping {
            from: from.trim().to_string(),
            to: to.trim().to_string(),
        })
    }

    /// `--map-service FROM=TO`.
    pub fn parse(text: &str) -> Result<ServiceMapping, String> {
        let Some((from, to)) = text.split_once('=') else {
            return Err(format!(
                "--map-service takes FROM=TO, two \"Provider/Step\" strings (for example --map-service \"Zoom Sandbox/Register=Zoom/Register\"), not {text:?}"
            ));
        };
        ServiceMapping::new(from, to)
    }
}

/// How the self-service flow steps (`"Provider/Step"`) of the imported
/// campaigns are mapped to the target's, as Marketo asks when it imports a
/// program that uses custom services. Keyed by the name rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceMap {
    /// Key of FROM → (FROM, TO), both as written.
    map: BTreeMap<String, (String, String)>,
}

impl ServiceMap {
    /// Map FROM to TO; a later mapping of the same FROM wins.
    pub fn add(&mut self, mapping: ServiceMapping) {
        self.map
            .insert(names::key(&mapping.from), (mapping.from, mapping.to));
    }

    /// What a service is mapped to, if anything.
    pub fn get(&self, service: &str) -> Option<&str> {
        self.map
            .get(&names::key(service))
            .map(|(_, to)| to.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// (FROM, TO) pairs, sorted by FROM's key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.values().map(|(f, t)| (f.as_str(), t.as_str()))
    }

    /// FROM → TO, as plan files keep them.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_marketo() {
        let rules = Rules::default();
        assert_eq!(rules.get(RuleKind::Program), Rule::Fail);
        assert_eq!(rules.get(RuleKind::LandingPageTemplate), Rule::Rename);
        assert_eq!(rules.get(RuleKind::ImageToken), Rule::DropAll);
    }

    #[test]
    fn the_current_preset_is_todays_marketo() {
        let rules = Preset::Current.rules();
        assert_eq!(rules.get(RuleKind::EmailTemplate), Rule::Rename);
        assert_eq!(rules.get(RuleKind::Form), Rule::Rename);
        assert_eq!(rules.get(RuleKind::RenameStyle), Rule::Dash);
        assert_eq!(rules.get(RuleKind::LandingPageTemplate), Rule::Rename);
        assert_eq!(rules.get(RuleKind::Image), Rule::Reuse);
        assert_eq!(rules.spelling(), Spelling::Dash);
        assert_eq!(Rules::default().spelling(), Spelling::Space);
    }

    #[test]
    fn a_rules_file_starts_from_its_preset() {
        let object = serde_json::json!({"preset": "current", "image": "rename",
            "services": {"Zoom Sandbox/Register": "Zoom/Register"}});
        let (rules, services) = read_rules_object(object.as_object().unwrap()).unwrap();
        assert_eq!(rules.get(RuleKind::EmailTemplate), Rule::Rename);
        assert_eq!(rules.get(RuleKind::Image), Rule::Rename);
        assert_eq!(
            services.get(" zoom sandbox/register"),
            Some("Zoom/Register")
        );
        let bad = serde_json::json!({"preset": "curent"});
        let err = read_rules_object(bad.as_object().unwrap()).unwrap_err();
        assert!(err.message.contains("did you mean \"current\""), "{err:?}");
        let bad = serde_json::json!({"services": {"Zoom": "Zoom/Register"}});
        assert!(read_rules_object(bad.as_object().unwrap()).is_err());
    }

    #[test]
    fn service_mappings_need_full_steps() {
        assert_eq!(
            ServiceMapping::parse(" A/B = C/D").unwrap(),
            ServiceMapping {
                from: "A/B".to_string(),
                to: "C/D".to_string()
            }
        );
        assert!(ServiceMapping::parse("A/B").is_err());
        assert!(ServiceMapping::parse("A=C/D").is_err());
        assert!(ServiceMapping::parse("A/=C/D").is_err());
    }

    #[test]
    fn unknown_kind_and_rule_list_valid_ones() {
        let err = parse_pair("email-template", "Overwrite").unwrap_err();
        assert!(
            err.contains("(rules are lower case: did you mean \"overwrite\"?)"),
            "{err}"
        );
        let err = parse_pair("Email-Template", "overwrite").unwrap_err();
        assert!(
            err.contains("(rule kinds are lower case: did you mean \"email-template\"?)"),
            "{err}"
        );
        let err = parse_pair("widget", "reuse").unwrap_err();
        assert!(err.contains("landing-page-template"), "{err}");
        let err = parse_pair("program", "reuse").unwrap_err();
        assert!(err.contains("fail, rename, skip"), "{err}");
    }
}
