//! The docs stay true: the guides under `docs/` document every key binding and every config
//! key, the README names the commands it promises, and the README's map of the guides matches
//! the files in `docs/`, with every relative link between the docs leading somewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use awsnav::tui::keymap::BINDINGS;

/// The guide that lists every key.
const KEYS_DOC: &str = "docs/navigator.md";
/// The guide that is the whole configuration reference.
const CONFIG_DOC: &str = "docs/configuration.md";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The Markdown files of the docs: the README and every `docs/*.md`, as paths from the root.
fn markdown_files() -> Vec<String> {
    let mut files = vec!["README.md".to_owned()];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = path.file_name().unwrap().to_str().unwrap();
            files.push(format!("docs/{name}"));
        }
    }
    files.sort();
    files
}

/// The text outside fenced code blocks, line by line.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// Every link target `[text](target)` in the prose of `text`.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose(text) {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            targets.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    targets
}

/// The anchors GitHub makes of the headings of `text`: lower case, spaces as hyphens,
/// punctuation other than `-` and `_` dropped.
fn anchors(text: &str) -> BTreeSet<String> {
    prose(text)
        .into_iter()
        .filter_map(|line| {
            let heading = line.trim_start_matches('#');
            (heading.len() < line.len() && heading.starts_with(' ')).then_some(heading.trim())
        })
        .map(|heading| {
            heading
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    '-' | '_' => Some(c),
                    c if c.is_alphanumeric() => Some(c.to_lowercase().next().unwrap_or(c)),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_key_binding_is_documented() {
    let text = read(KEYS_DOC);
    for b in BINDINGS {
        assert!(
            text.contains(b.help),
            "{KEYS_DOC} does not describe `{}`",
            b.help
        );
    }
}

#[test]
fn names_the_demo_and_test_commands() {
    let text = read("README.md");
    assert!(
        text.contains("cargo run --release -- --demo"),
        "README.md lacks the demo command"
    );
    assert!(
        text.contains("scripts/test"),
        "README.md lacks the test command"
    );
    let ci = read(".ci/run");
    assert!(
        ci.contains("scripts/test"),
        ".ci/run calls the README's test command"
    );
}

#[test]
fn documents_every_config_key() {
    // Every section and key of the commented default config (`awsnav config default`).
    let text = read(CONFIG_DOC);
    for line in awsnav::config::DEFAULT_CONFIG.lines() {
        let line = line.trim_start_matches(['#', ' ']).trim_end();
        if line.starts_with('[') && line.ends_with(']') && !line.contains(' ') {
            assert!(text.contains(line), "{CONFIG_DOC} lacks {line}");
        } else if let Some((key, _)) = line.split_once(" = ")
            && !key.is_empty()
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            assert!(
                text.contains(&format!("{key} =")),
                "{CONFIG_DOC} lacks {key} ="
            );
        }
    }
}

#[test]
fn the_readme_maps_every_guide() {
    let linked: BTreeSet<String> = link_targets(&read("README.md"))
        .into_iter()
        .filter_map(|target| {
            let file = target.split('#').next().unwrap_or_default();
            file.starts_with("docs/").then(|| file.to_owned())
        })
        .collect();
    for file in &linked {
        assert!(
            root().join(file).is_file(),
            "README.md links to {file}, which does not exist"
        );
    }
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let file = format!("docs/{name}");
        assert!(
            linked.contains(&file),
            "README.md's map of the guides does not link {file}"
        );
    }
    // The guides the key and config checks read are among them.
    assert!(linked.contains(KEYS_DOC) && linked.contains(CONFIG_DOC));
}

#[test]
fn relative_links_between_the_docs_resolve() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = read(&file);
        let dir = Path::new(&file).parent().unwrap_or(Path::new(""));
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let linked: PathBuf = if path.is_empty() {
                PathBuf::from(&file)
            } else {
                dir.join(path)
            };
            let Ok(linked_text) = std::fs::read_to_string(root().join(&linked)) else {
                if !root().join(&linked).exists() {
                    broken.push(format!("{file}: {target} (no such file)"));
                }
                continue;
            };
            if let Some(fragment) = fragment
                && linked.extension().is_some_and(|e| e == "md")
                && !anchors(&linked_text).contains(fragment)
            {
                broken.push(format!("{file}: {target} (no such heading)"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    let text = "# The session's environment\n```sh\n# not a heading\n```\n## awsnav list --json\n### What `scripts/check-layers` enforces\n";
    let found = anchors(text);
    let expected: BTreeSet<String> = [
        "the-sessions-environment",
        "awsnav-list---json",
        "what-scriptscheck-layers-enforces",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(found, expected);
}
