//! An asset's approval state (a leaf: the model and the approval rules
//! both use it).

use std::fmt;

/// An asset's approval state, as Marketo keeps it: only a draft, only an
/// approved (live) version, or an approved version with a draft of
/// changes beside it (Assets page: "Content updates change the draft
/// without affecting the approved live version").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Approved,
    ApprovedWithDraft,
}

impl Status {
    /// Marketo's spelling in records and in the `status` filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Approved => "approved",
            Status::ApprovedWithDraft => "approved with draft",
        }
    }

    /// Is there a live (approved) version?
    pub fn is_approved(self) -> bool {
        self != Status::Draft
    }

    /// Is there a draft (something `approveDraft` can approve)?
    pub fn has_draft(self) -> bool {
        self != Status::Approved
    }

    /// The state after an edit: editing an approved asset makes a draft.
    pub fn edited(self) -> Status {
        match self {
            Status::Approved => Status::ApprovedWithDraft,
            other => other,
        }
    }

    /// `approved` or `draft` (any case), as mkimport's format spells it.
    pub fn parse(text: &str) -> Option<Status> {
        match text.trim().to_ascii_lowercase().as_str() {
            "approved" => Some(Status::Approved),
            "draft" => Some(Status::Draft),
            "approved with draft" => Some(Status::ApprovedWithDraft),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Status {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Status {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
