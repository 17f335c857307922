//! Where in the config text a problem is: every error names the file, line and column, and a
//! key is found in the section it belongs to (`profile` is in `[org]`, `[auth]` and `[sso]`).

use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::ConfigError;

/// One step of a path into the document: a key of a table, or an element of an array (of
/// tables, such as `[[roles.rule]]`).
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Builds errors that point at a place in the config text.
pub struct Locate<'a> {
    text: &'a str,
    path: &'a Path,
    doc: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Locate<'a> {
    #[must_use]
    pub fn new(text: &'a str, path: &'a Path) -> Self {
        Self {
            text,
            path,
            doc: DeTable::parse(text).ok(),
        }
    }

    /// At `key = …` in the table `section` (dotted: `org`, `ui.colors`).
    pub fn key_in(&self, section: &str, key: &str, message: String, fix: &str) -> ConfigError {
        let mut path: Vec<Seg<'_>> = section.split('.').map(Seg::Key).collect();
        path.push(Seg::Key(key));
        self.at(&path, message, fix)
    }

    /// At the value of `key` in element `index` of the array of tables `section`
    /// (`roles.rule`): a rule's problem is in what it says.
    pub fn rule_value(
        &self,
        section: &str,
        index: usize,
        key: &str,
        message: String,
        fix: &str,
    ) -> ConfigError {
        let mut path: Vec<Seg<'_>> = section.split('.').map(Seg::Key).collect();
        path.push(Seg::Index(index));
        path.push(Seg::Key(key));
        self.place(&path, true, message, fix)
    }

    /// At `key` of entry `index` of `section`, written as a table (`[org]`, the only entry)
    /// or as an array of tables (`[[org]]`).
    pub fn entry(
        &self,
        section: &str,
        index: usize,
        key: &str,
        message: String,
        fix: &str,
    ) -> ConfigError {
        let listed = self.doc.as_ref().is_some_and(|doc| {
            doc.get_ref()
                .iter()
                .any(|(k, v)| k.get_ref() == section && matches!(v.get_ref(), DeValue::Array(_)))
        });
        if listed {
            self.at(
                &[Seg::Key(section), Seg::Index(index), Seg::Key(key)],
                message,
                fix,
            )
        } else {
            self.key_in(section, key, message, fix)
        }
    }

    /// At the key (or array element) `path` leads to; the start of the file when the
    /// document cannot say (it always can for text that deserialized).
    pub fn at(&self, path: &[Seg<'_>], message: String, fix: &str) -> ConfigError {
        self.place(path, false, message, fix)
    }

    fn place(&self, path: &[Seg<'_>], value: bool, message: String, fix: &str) -> ConfigError {
        let offset = self
            .doc
            .as_ref()
            .and_then(|doc| offset_of(doc.get_ref(), path, value))
            .unwrap_or(0);
        self.error(line_column(self.text, offset), message, fix)
    }

    fn error(&self, (line, column): (usize, usize), message: String, fix: &str) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            line,
            column,
            message,
            fix: fix.to_owned(),
        }
    }
}

/// Where the last step of `path` is written: a key's name (or with `value`, its value), or
/// an array element.
fn offset_of(table: &DeTable<'_>, path: &[Seg<'_>], value: bool) -> Option<usize> {
    let (Seg::Key(first), rest) = path.split_first()? else {
        return None;
    };
    let (key, found) = table.iter().find(|(k, _)| k.get_ref() == first)?;
    match (rest.is_empty(), value) {
        (true, false) => Some(key.span().start),
        (true, true) => Some(found.span().start),
        (false, _) => offset_in(found, rest, value),
    }
}

fn offset_in(found: &Spanned<DeValue<'_>>, path: &[Seg<'_>], value: bool) -> Option<usize> {
    match (found.get_ref(), path.split_first()?) {
        (DeValue::Table(table), _) => offset_of(table, path, value),
        (DeValue::Array(items), (Seg::Index(i), rest)) => {
            let item = items.get(*i)?;
            if rest.is_empty() {
                Some(item.span().start)
            } else {
                offset_in(item, rest, value)
            }
        }
        _ => None,
    }
}

/// serde speaks Rust ("usize", "a sequence"); the user wrote TOML.
pub fn plain_types(message: &str) -> String {
    message
        .replace("expected usize", "expected a whole number")
        .replace(
            "expected a sequence",
            "expected a list such as [\"a\", \"b\"]",
        )
}

pub fn fix_for(message: &str) -> String {
    if message.starts_with("unknown field") {
        "remove the key or correct its spelling; `awsnav config default` lists every key".into()
    } else if message.starts_with("unknown variant") {
        "use one of the expected values".into()
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        "give the value the type shown in `awsnav config default`".into()
    } else {
        "correct the TOML syntax; `awsnav config default` shows a valid file".into()
    }
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str, path: &[Seg<'_>]) -> usize {
        let at = Locate::new(text, Path::new("c.toml"));
        match at.at(path, String::new(), "") {
            ConfigError::Invalid { line, .. } => line,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_key_is_found_in_its_own_section() {
        let text = "[org]\nprofile = \"a\"\n\n[auth]\nprofile = \"b\"\n\n[sso]\nprofile = \"c\"\n";
        assert_eq!(line_of(text, &[Seg::Key("org"), Seg::Key("profile")]), 2);
        assert_eq!(line_of(text, &[Seg::Key("auth"), Seg::Key("profile")]), 5);
        assert_eq!(line_of(text, &[Seg::Key("sso"), Seg::Key("profile")]), 8);
    }

    #[test]
    fn rules_are_found_by_position_and_dotted_keys_work() {
        let text =
            "[[roles.rule]]\nou = \"a\"\n[[roles.rule]]\nou = \"a\"\n[ui.colors]\nx = \"red\"\n";
        let rule = |i| {
            [
                Seg::Key("roles"),
                Seg::Key("rule"),
                Seg::Index(i),
                Seg::Key("ou"),
            ]
        };
        assert_eq!(line_of(text, &rule(0)), 2);
        assert_eq!(line_of(text, &rule(1)), 4);
        assert_eq!(
            line_of(text, &[Seg::Key("ui"), Seg::Key("colors"), Seg::Key("x")]),
            6
        );
        assert_eq!(line_of(text, &[Seg::Key("nope")]), 1);
        let inline = "ui = { colors = { x = \"red\" } }\n\n";
        assert_eq!(
            line_of(inline, &[Seg::Key("ui"), Seg::Key("colors"), Seg::Key("x")]),
            1
        );
    }
}
