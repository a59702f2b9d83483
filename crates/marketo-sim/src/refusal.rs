//! A refusal, as Marketo answers a write it will not do (a leaf: every
//! rule of the write endpoints gives one).

use crate::model::Id;

/// A refusal, as Marketo answers it: a code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn business(message: impl Into<String>) -> Refusal {
        Refusal::new("709", message)
    }

    pub(crate) fn duplicate(what: &str, name: &str) -> Refusal {
        Refusal::new("709", format!("{what} '{name}' already exists"))
    }

    pub(crate) fn missing(what: &str, id: Id) -> Refusal {
        Refusal::new("702", format!("{what} {id} not found"))
    }
}

pub type Outcome<T> = Result<T, Refusal>;
