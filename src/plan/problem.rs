//! Problems: what blocks a program (errors) or needs a person's attention
//! (warnings), each with a code from the contract (spec sections 4, 5, 8).

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Every problem code, as the report spells it (kebab-case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    // A bundle that could not be read.
    BadInput,
    // What blocks a program (spec section 4).
    ProgramExists,
    MissingAsset,
    MissingChannel,
    MissingField,
    FieldTypeMismatch,
    MissingWebhook,
    MissingCustomObject,
    CustomObjectTrigger,
    PermissionDenied,
    NotConnected,
    MissingFolder,
    // What else blocks a program (spec section 8).
    FieldApiNameMismatch,
    FieldLabelMismatch,
    MissingCustomActivity,
    CrmFlowStep,
    MissingService,
    // Warnings.
    ImageToken,
    DynamicContent,
    MissingSnippet,
    MissingSegmentation,
    DanglingReference,
    UnresolvedToken,
    Unchecked,
    TokenShadowsFolder,
    OutsideReference,
    // Problems of a whole run.
    StalePlan,
    StaleUndo,
    NotifyFailed,
    // A live instance (spec 11).
    /// A write the instance refused for good: the program failed.
    ApiError,
    /// A program the run did not get to (an earlier one failed, or the
    /// run was interrupted).
    RunStopped,
    /// A program the run did not start: its calls would have gone past
    /// `--max-calls`.
    CallBudget,
    /// An email approved in the source that Marketo will not approve (it
    /// has no subject): it lands as a draft.
    NotApprovable,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadInput => "bad-input",
            Code::ProgramExists => "program-exists",
            Code::MissingAsset => "missing-asset",
            Code::MissingChannel => "missing-channel",
            Code::MissingField => "missing-field",
            Code::FieldTypeMismatch => "field-type-mismatch",
            Code::MissingWebhook => "missing-webhook",
            Code::MissingCustomObject => "missing-custom-object",
            Code::CustomObjectTrigger => "custom-object-trigger",
            Code::PermissionDenied => "permission-denied",
            Code::NotConnected => "not-connected",
            Code::MissingFolder => "missing-folder",
            Code::FieldApiNameMismatch => "field-api-name-mismatch",
            Code::FieldLabelMismatch => "field-label-mismatch",
            Code::MissingCustomActivity => "missing-custom-activity",
            Code::CrmFlowStep => "crm-flow-step",
            Code::MissingService => "missing-service",
            Code::ImageToken => "image-token",
            Code::DynamicContent => "dynamic-content",
            Code::MissingSnippet => "missing-snippet",
            Code::MissingSegmentation => "missing-segmentation",
            Code::DanglingReference => "dangling-reference",
            Code::UnresolvedToken => "unresolved-token",
            Code::Unchecked => "unchecked",
            Code::TokenShadowsFolder => "token-shadows-folder",
            Code::OutsideReference => "outside-reference",
            Code::StalePlan => "stale-plan",
            Code::StaleUndo => "stale-undo",
            Code::NotifyFailed => "notify-failed",
            Code::ApiError => "api-error",
            Code::RunStopped => "run-stopped",
            Code::CallBudget => "call-budget",
            Code::NotApprovable => "not-approvable",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    // Alphabetical, as the report's keys are sorted.
    pub code: Code,
    pub message: String,
    pub severity: Severity,
}

impl Problem {
    pub fn error(code: Code, message: String) -> Problem {
        Problem {
            severity: Severity::Error,
            code,
            message,
        }
    }
    pub fn warning(code: Code, message: String) -> Problem {
        Problem {
            severity: Severity::Warning,
            code,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_keys_come_in_alphabetical_order() {
        let all = [
            Undeclared::Channels,
            Undeclared::Crm,
            Undeclared::CustomActivities,
            Undeclared::CustomObjects,
            Undeclared::Fields,
            Undeclared::Lists,
            Undeclared::Roles,
            Undeclared::Segmentations,
            Undeclared::Services,
            Undeclared::Tags,
            Undeclared::Webhooks,
        ];
        for pair in all.windows(2) {
            assert!(pair[0] < pair[1] && pair[0].key() < pair[1].key());
        }
        assert!(Undeclared::Lists
            .message()
            .contains("the lists the program's smart campaigns name"));
        assert!(Undeclared::CustomObjects
            .message()
            .contains("the program's custom objects were not checked"));
    }

    #[test]
    fn codes_serialise_as_spelled() {
        for code in [
            Code::BadInput,
            Code::CustomObjectTrigger,
            Code::StalePlan,
            Code::FieldApiNameMismatch,
            Code::CrmFlowStep,
            Code::TokenShadowsFolder,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }
}

/// A key of `subscription.json` a check needs and the target does not
/// declare: the check is an `unchecked` warning (spec 2). In the order
/// the warnings come (alphabetical by key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Undeclared {
    Channels,
    Crm,
    CustomActivities,
    CustomObjects,
    Fields,
    Lists,
    Roles,
    Segmentations,
    Services,
    Tags,
    Webhooks,
}

impl Undeclared {
    /// The key as `subscription.json` spells it.
    pub fn key(self) -> &'static str {
        match self {
            Undeclared::Channels => "channels",
            Undeclared::Crm => "crm",
            Undeclared::CustomActivities => "custom_activities",
            Undeclared::CustomObjects => "custom_objects",
            Undeclared::Fields => "fields",
            Undeclared::Lists => "lists",
            Undeclared::Roles => "roles",
            Undeclared::Segmentations => "segmentations",
            Undeclared::Services => "services",
            Undeclared::Tags => "tags",
            Undeclared::Webhooks => "webhooks",
        }
    }

    /// The `unchecked` warning's text.
    pub fn message(self) -> String {
        let key = self.key();
        match self {
            Undeclared::Roles => format!(
                "the target declares users but no \"{key}\", so the acting user's permission was not checked"
            ),
            Undeclared::Crm => format!(
                "the target does not declare \"{key}\", so the program's CRM flow steps were not checked"
            ),
            Undeclared::Lists => format!(
                "the target does not declare \"{key}\", so the lists the program's smart campaigns name were not checked"
            ),
            _ => format!(
                "the target does not declare \"{key}\", so the program's {} were not checked",
                key.replace('_', " ")
            ),
        }
    }
}
