//! The texts of a plan's rows, each kept once.
//!
//! A plan of thousands of programs holds hundreds of thousands of rows,
//! and their names and reasons repeat: every program made from one
//! template has an email "Invite", a token "my.Event Date", the reason
//! "local token". [`Texts`] hands out one shared copy of each distinct
//! text, so a row's texts cost a pointer each (one word: a [`Text`] is a
//! thin pointer), not an allocation.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A shared, immutable text; reads as a `str`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<String>);

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &**self == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}

/// A text of its own, not shared through [`Texts`] (for the few rows a
/// plan gains after planning).
impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Arc::new(text.to_string()))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Arc::new(text))
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

/// The distinct texts of a plan.
#[derive(Debug, Default)]
pub struct Texts(HashSet<Text>);

impl Texts {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Text {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared = Text(Arc::new(text.to_string()));
        self.0.insert(shared.clone());
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_are_one_copy_behind_a_thin_pointer() {
        let mut texts = Texts::default();
        let a = texts.get("Invite");
        let b = texts.get(&String::from("Invite"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &texts.get("invite").0));
        assert_eq!(std::mem::size_of::<Text>(), std::mem::size_of::<usize>());
        assert_eq!(a, "Invite");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"Invite\"");
    }
}
