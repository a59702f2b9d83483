//! The texts of a plan's rows, each kept once.
//!
//! A plan of thousands of programs holds hundreds of thousands of rows,
//! and their names and reasons repeat: every program made from one
//! template has an email "Invite", a token "my.Event Date", the reason
//! "local token". [`Texts`] hands out one shared copy of each distinct
//! text, so the rows cost a pointer each, not an allocation.

use std::collections::HashSet;
use std::sync::Arc;

/// A shared, immutable text.
pub type Text = Arc<str>;

/// The distinct texts of a plan.
#[derive(Debug, Default)]
pub struct Texts(HashSet<Text>);

impl Texts {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Text {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared: Text = Arc::from(text);
        self.0.insert(shared.clone());
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_are_one_copy() {
        let mut texts = Texts::default();
        let a = texts.get("Invite");
        let b = texts.get(&String::from("Invite"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &texts.get("invite")));
    }
}
