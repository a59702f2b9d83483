//! Conflict rules (spec section 4): one rule per kind, defaults that do what
//! Marketo does, overridden by a rules file and then by `--rule KIND=RULE`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

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
}

impl RuleKind {
    pub const ALL: [RuleKind; 7] = [
        RuleKind::Program,
        RuleKind::EmailTemplate,
        RuleKind::LandingPageTemplate,
        RuleKind::Image,
        RuleKind::Form,
        RuleKind::Tag,
        RuleKind::ImageToken,
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
            crate::suggest::did_you_mean(kind, valid.iter().copied()),
            valid.join(", ")
        ));
    };
    let choices = kind_value.choices();
    let Some(rule_value) = choices.iter().copied().find(|r| r.as_str() == rule.trim()) else {
        let valid: Vec<&str> = choices.iter().map(|r| r.as_str()).collect();
        return Err(format!(
            "unknown rule {rule:?} for {kind_value}{}; valid rules: {}",
            crate::suggest::did_you_mean(rule, valid.iter().copied()),
            valid.join(", ")
        ));
    };
    Ok((kind_value, rule_value))
}

/// A wrong entry of a rules file: which key, and whether the mistake is
/// in its value (else in the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    pub key: String,
    pub in_value: bool,
    pub message: String,
}

/// The rule in force for every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    rules: BTreeMap<RuleKind, Rule>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            rules: RuleKind::ALL
                .into_iter()
                .map(|k| (k, k.default_rule()))
                .collect(),
        }
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

    /// Apply a rules file's JSON object `{"kind": "rule", ...}`. An error
    /// names the key it is about, so the caller can say where it is.
    pub fn apply_object(
        &mut self,
        object: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), EntryError> {
        for (kind, rule) in object {
            let Some(text) = rule.as_str() else {
                return Err(EntryError {
                    key: kind.clone(),
                    in_value: true,
                    message: format!("the rule for {kind:?} must be a string, not {rule}"),
                });
            };
            let (kind_value, rule) = parse_pair(kind, text).map_err(|message| EntryError {
                key: kind.clone(),
                in_value: RuleKind::parse(kind).is_some(),
                message,
            })?;
            self.set(kind_value, rule);
        }
        Ok(())
    }

    /// As the report shows them: kind → rule, sorted by kind.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.rules
            .iter()
            .map(|(k, r)| (k.as_str().to_string(), r.as_str().to_string()))
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
    fn unknown_kind_and_rule_list_valid_ones() {
        let err = parse_pair("widget", "reuse").unwrap_err();
        assert!(err.contains("landing-page-template"), "{err}");
        let err = parse_pair("program", "reuse").unwrap_err();
        assert!(err.contains("fail, rename, skip"), "{err}");
    }
}
