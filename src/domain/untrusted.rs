//! Names that come from AWS or from a shared inventory (account, OU and role names, tags,
//! policies, emails, aliases) are data, never code or terminal control: each place they go
//! gets them through the one function here made for that place.
//!
//! A member account's own administrator can rename it (`account:PutAccountName`) and a shared
//! inventory is written by someone else, so a name may hold `` `…` ``, `$(…)`, `%`, `!`, line
//! ends, escape sequences (a title set, a clipboard write, cursor moves), bidirectional
//! overrides, or run for pages. Which characters matter depends on where the name goes:
//!
//! | place | function | what is done |
//! |---|---|---|
//! | terminal text (TUI, tables, prefixes, errors) | [`visible`] | controls, characters that do not show and outer spaces as `\x1b`, `\u{202e}`, `\u{200b}`, `\x20` |
//! | text laid out around names (messages, output lines) | [`visible_text`], [`visible_lines`] | as [`visible`], its own spaces and line ends kept |
//! | terminal title (OSC 2) | [`title`] | controls and what does not show removed, length capped |
//! | tmux window name | [`tmux_window_name`] | as a title, `#` doubled |
//! | bash `PS1` | [`bash_prompt`] | `\ $ \` !` written as prompt escapes |
//! | zsh `PROMPT` | [`zsh_prompt`] | `%`, and with its options `! $ \` \` |
//! | fish, POSIX shell words | [`fish_quoted`], [`sh_quoted`] | single-quoted |
//! | `~/.aws/config` section and value | [`ini_name`], [`ini_value`] | sanitised, or refused |
//! | a file or directory name | [`file_name`], [`file_key`] | one safe path component |
//! | kubeconfig context, user and cluster names | [`kube_name`] | controls `_`, spaces one, invisible ones dropped |
//! | zenity, kdialog, osascript text | [`pango_markup`], [`qt_rich_text`], [`applescript_string`] | escaped |
//!
//! JSON for a terminal ([`json_pretty`], [`JsonSerializer`]): serde escapes the C0 controls;
//! DEL, the C1 controls, the bidirectional overrides and the characters that do not show are
//! written as `\uXXXX` too, so the value read back is exactly the name and nothing raw reaches
//! the terminal.
//!
//! A name may also pass for another by looking like it (`payments-prod\u{200b}`,
//! `pаyments-prod` with a Cyrillic `а`): [`super::lookalike`] finds such names.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is not shown as itself: a character that changes how a terminal shows what
/// follows (the control characters — C0 with tab and line ends, DEL, C1 with CSI and NEL —,
/// the bidirectional marks, embeddings, overrides and isolates, the line and paragraph
/// separators), one that shows as nothing (zero-width space, word joiner, soft hyphen,
/// byte order mark, Hangul fillers, tag characters and other format characters), or a space
/// that looks like an ASCII space but is not one (no-break, en, em, thin, ideographic…). A
/// renamed account can use any of these to look like another.
#[must_use]
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks and controls.
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2028}'
                | '\u{2029}'
                // Word joiner, invisible operators, the isolates and deprecated format controls.
                | '\u{2060}'..='\u{206f}'
                // Shown as nothing.
                | '\u{00ad}'
                | '\u{034f}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e007f}'
                // Spaces that are not U+0020.
                | '\u{00a0}'
                | '\u{2000}'..='\u{200a}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
        )
}

/// Whether `c` is a joiner (ZWNJ, ZWJ) or a variation selector: shown as nothing, but in an
/// emoji sequence (👩‍👩‍👧, ❤️) or between Arabic or Indic letters it changes how its neighbours
/// look, so it is hidden only where it has nothing to change (see [`visible`]).
#[must_use]
pub fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\u{200c}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}'
    )
}

/// The first bytes of the UTF-8 of every character of [`is_hidden`] (but the C0 controls,
/// which JSON escapes itself) and of [`is_joiner`]: text holding none of them has nothing more
/// to escape.
pub const HIDDEN_LEAD_BYTES: [u8; 10] =
    [0x7f, 0xc2, 0xcd, 0xd8, 0xe1, 0xe2, 0xe3, 0xef, 0xf0, 0xf3];

/// [`HIDDEN_LEAD_BYTES`] as a table, to test a byte at a time without a search.
const HIDDEN_LEADS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < HIDDEN_LEAD_BYTES.len() {
        table[HIDDEN_LEAD_BYTES[i] as usize] = true;
        i += 1;
    }
    table
};

/// Calls `emit` with each character of `s` and whether it is shown as itself: not when it
/// is [`is_hidden`], a joiner or variation selector next to ASCII or an end (where it can
/// only hide), or, with `outer_spaces`, a space at either end.
fn each_shown(s: &str, outer_spaces: bool, mut emit: impl FnMut(char, bool)) {
    let (start, end) = if outer_spaces {
        (
            s.len() - s.trim_start_matches(' ').len(),
            s.trim_end_matches(' ').len(),
        )
    } else {
        (0, s.len())
    };
    // The character before, when it was shown as itself.
    let mut before: Option<char> = None;
    for (i, c) in s.char_indices() {
        let shown = if c == ' ' {
            (start..end).contains(&i)
        } else if is_hidden(c) {
            false
        } else if is_joiner(c) {
            let joins = |n: Option<char>| n.is_some_and(|n| !n.is_ascii() && !is_hidden(n));
            let after = s[i + c.len_utf8()..].chars().next();
            // A variation selector changes the character before it; a joiner, both.
            let selector = !matches!(c, '\u{200c}' | '\u{200d}');
            joins(before) && (selector || joins(after))
        } else {
            true
        };
        before = shown.then_some(c);
        emit(c, shown);
    }
}

/// Whether [`each_shown`] could find anything in `s` not shown as itself.
fn may_hide(s: &str, outer_spaces: bool) -> bool {
    (outer_spaces && (s.starts_with(' ') || s.ends_with(' ')))
        || s.chars().any(|c| is_hidden(c) || is_joiner(c))
}

/// A name or value from the organization for a terminal: shown as it is but for the
/// characters of [`is_hidden`], a joiner or variation selector where it can only hide, and
/// spaces at either end, which are written as escapes (`\n`, `\t`, `\x1b`, `\u{202e}`,
/// `\u{200b}`, `\u{a0}`, `\x20`): a name can neither move the cursor, set a title, write the
/// clipboard, ring the bell, break a table row, reorder what is shown after it, nor pass for
/// another by a character that does not show (`payments-prod\x20`, `payments-prod\u{200b}`).
#[must_use]
pub fn visible(s: &str) -> Cow<'_, str> {
    escaped(s, true)
}

/// Text laid out by awsnav (a message, an output line, a policy document's line, a prompt
/// mark), with the names in it already made [`visible`]: as [`visible`], but spaces at its
/// ends are its own layout and kept.
#[must_use]
pub fn visible_text(s: &str) -> Cow<'_, str> {
    escaped(s, false)
}

fn escaped(s: &str, outer_spaces: bool) -> Cow<'_, str> {
    if !may_hide(s, outer_spaces) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    each_shown(s, outer_spaces, |c, shown| {
        if shown {
            out.push(c);
            return;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    });
    Cow::Owned(out)
}

/// `text` for a terminal with its line ends kept: every other character of [`is_hidden`]
/// written as an escape, as [`visible_text`] does. For whole messages and tables, whose own
/// lines are meant; names inside them go through [`visible`] first, so that a line end in a
/// name cannot start a line of its own.
#[must_use]
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text.split('\n').any(|line| may_hide(line, false)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&visible_text(line));
    }
    Cow::Owned(out)
}

/// The longest title or prompt mark, in characters: AWS's own names stop at 50; a shared
/// inventory's need not.
pub const MAX_MARK_CHARS: usize = 96;

/// `s` cut to `max` characters, with `…` where it was cut.
#[must_use]
pub fn shortened(s: &str, max: usize) -> Cow<'_, str> {
    if s.char_indices().nth(max).is_none() {
        return Cow::Borrowed(s);
    }
    let end = s
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(s.len(), |(i, _)| i);
    Cow::Owned(format!("{}…", &s[..end]))
}

/// `s` as a kubeconfig context, user or cluster name, which `kubectl config get-contexts`
/// and kubectx print raw: every run of spaces and line ends (any Unicode white space) one
/// space, the ends trimmed; the other characters of [`is_hidden`] and the [`is_joiner`] ones
/// dropped, so that a name looks like what it is; every other control `_`. Everything else,
/// YAML's `: # & * ! | > ' " %` too, is kept: the YAML writer quotes it. Never empty (`_`).
#[must_use]
pub fn kube_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if c.is_control() {
            out.push('_');
        } else if !is_hidden(c) && !is_joiner(c) {
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// `s` for a terminal's title (OSC 2, whose text ends at BEL or ESC): what [`visible_text`]
/// would escape removed (a space that is not U+0020 made one), at most [`MAX_MARK_CHARS`].
#[must_use]
pub fn title(s: &str) -> String {
    let mut clean = String::with_capacity(s.len());
    each_shown(s, false, |c, shown| {
        if shown {
            clean.push(c);
        } else if c.is_whitespace() && !c.is_control() {
            clean.push(' ');
        }
    });
    shortened(&clean, MAX_MARK_CHARS).into_owned()
}

/// `s` for `tmux rename-window`: a [`title`] with each `#` made `_`. tmux reads the name as
/// a format (`#(…)` runs a command, `#[…]` is a style); a doubled `#` would be taken as text,
/// but then the window's name holds `#(…)` itself, which whatever later renames the window
/// back from `#W` (awsnav's own nested shell, a user's script) would run.
#[must_use]
pub fn tmux_window_name(s: &str) -> String {
    title(s).replace('#', "_")
}

/// A window name read back from tmux (`#W`), to give `tmux rename-window` again as the same
/// text: every `#` doubled, so nothing in it is read as a format.
#[must_use]
pub fn tmux_literal(name: &str) -> String {
    name.replace('#', "##")
}

/// `s` as literal text in bash's `PS1`. Bash decodes a prompt's backslash escapes, then
/// (with `promptvars`, on by default) expands `$…` and `` `…` `` in it, and in POSIX mode
/// makes `!` the history number. So `\`, `$` and `` ` `` are written as an escaped octal
/// pair (`\134\044`: decoded to `\$`, which the expansion makes a plain `$`) and `!` as
/// `\041`, which no step reads again. (`\$` itself is no escape for `$`: bash shows `#` for
/// root.) With `promptvars` off nothing is expanded and a backslash alone is enough.
/// Controls are made visible first ([`visible_text`]: `s` is a whole mark, its names in it).
#[must_use]
pub fn bash_prompt(s: &str, promptvars: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible_text(s).chars() {
        match (c, promptvars) {
            ('\\', true) => out.push_str(r"\134\134"),
            ('$', true) => out.push_str(r"\134\044"),
            ('`', true) => out.push_str(r"\134\140"),
            ('\\', false) => out.push_str(r"\134"),
            ('!', _) => out.push_str(r"\041"),
            (c, _) => out.push(c),
        }
    }
    out
}

/// The zsh options that decide how `PROMPT` is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZshPromptOptions {
    /// `PROMPT_SUBST` (oh-my-zsh and most themes set it): `$…`, `` `…` `` and `\` are expanded.
    pub subst: bool,
    /// `PROMPT_BANG`: `!` is the history number, `!!` a `!`.
    pub bang: bool,
}

impl ZshPromptOptions {
    /// Every combination, for the start-up file to pick from by the options in force.
    pub const ALL: [Self; 4] = [
        Self {
            subst: false,
            bang: false,
        },
        Self {
            subst: true,
            bang: false,
        },
        Self {
            subst: false,
            bang: true,
        },
        Self {
            subst: true,
            bang: true,
        },
    ];

    /// The suffix of the environment variable holding the mark for these options.
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match (self.subst, self.bang) {
            (false, false) => "",
            (true, false) => "_SUBST",
            (false, true) => "_BANG",
            (true, true) => "_SUBST_BANG",
        }
    }
}

/// `s` as literal text in zsh's `PROMPT` read with `options`: `%` doubled always; `!` doubled
/// under `PROMPT_BANG`; `\`, `$` and `` ` `` backslash-escaped under `PROMPT_SUBST` (which
/// expands before the `%` escapes are read). Controls are made visible first
/// ([`visible_text`], as for [`bash_prompt`]).
#[must_use]
pub fn zsh_prompt(s: &str, options: ZshPromptOptions) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible_text(s).chars() {
        match c {
            '%' => out.push_str("%%"),
            '!' if options.bang => out.push_str("!!"),
            '\\' | '$' | '`' if options.subst => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` as one single-quoted fish word (inside which only `\\` and `\'` are escapes).
#[must_use]
pub fn fish_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// `s` as a PowerShell single-quoted string: nothing is expanded there, and a quote is
/// written twice — PowerShell takes the typographic single quotes (U+2018–U+201B) as quotes
/// too, so those are doubled as well.
#[must_use]
pub fn powershell_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `s` as the value of cmd.exe's `set "NAME=value"`: inside the quotes `&|<>` are plain, but
/// `%` and `!` still expand, `"` ends the quoting and `^` escapes: those, and control
/// characters (a line end would start a command), are written as `_`. Credentials never
/// hold any of them; a name from the organization may.
#[must_use]
pub fn cmd_value(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '%' | '!' | '"' | '^') || c.is_control() || is_hidden(c) {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// `s` as a single-quoted value of a `.env` file (python-dotenv, docker compose, direnv's
/// dotenv): nothing is interpolated there; `\` and `'` are escaped, a line end is written
/// as a space so that one variable stays one line.
#[must_use]
pub fn dotenv_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `s` as one single-quoted POSIX shell word, for the few places a shell cannot be avoided
/// (a browser command the user configured). Nothing is special inside single quotes.
#[must_use]
pub fn sh_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as one directory or file name: letters, digits, `-`, `_`, `.` kept and every other
/// character `_`, so it holds no `/`, NUL or control; a leading `-` or `.` (an option to a
/// program, a hidden file, `..`) becomes `_`; empty becomes `_`. At most 100 characters.
#[must_use]
pub fn file_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(['-', '.']) {
        out.replace_range(..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// `s` inside a cache file's name after a fixed prefix (`role-…json`): ASCII letters, digits,
/// `-` and `_` kept, every other character `_` (so no `/`, `.`, NUL or control).
#[must_use]
pub fn file_key(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `bytes` as lowercase hexadecimal (digests in cache file names, random tokens).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `s` as part of a `~/.aws/config` section name (`[profile NAME]`): letters, digits and
/// `._-+@` kept, every other character (space, `[`, `]`, `=`, `;`, `#`, line ends) `-`.
#[must_use]
pub fn ini_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+@".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A value that cannot go into `~/.aws/config` as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{}` cannot be written to an AWS config file: {why}", visible(.value))]
pub struct NotIniSafe {
    pub value: String,
    pub why: &'static str,
}

/// `s` as a value after `key = ` in `~/.aws/config`, refused when it would end the line, start
/// a continuation, or be cut at a comment: it holds a control or line end, starts or ends
/// with a space, or holds ` #` or ` ;`.
///
/// # Errors
/// [`NotIniSafe`] saying why.
pub fn ini_value(s: &str) -> Result<&str, NotIniSafe> {
    let refuse = |why| {
        Err(NotIniSafe {
            value: s.to_owned(),
            why,
        })
    };
    if s.chars().any(is_hidden) {
        refuse("it holds a control character, a line end, or a character that does not show")
    } else if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        refuse("it starts or ends with a space")
    } else if s.contains(" #") || s.contains(" ;") || s.contains("\t#") {
        refuse("a comment would cut it short")
    } else {
        Ok(s)
    }
}

/// Whether `s` can be put on a command line as it is: letters (any script), digits and
/// `-_.+@:,=%/` only, so no shell reads anything in it. Completion offers only such names
/// (a shell inserts what it is offered unquoted: `$(…)` in a name would run at Enter); other
/// accounts are offered by id.
#[must_use]
pub fn is_plain_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_.+@:,=%/".contains(c))
}

/// Whether `s` is an IAM role or permission set name as AWS allows them (`[\w+=,.@-]`, at
/// most 128 characters): safe as a word in a config file and a command line.
#[must_use]
pub fn is_iam_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// `s` for zenity's `--text`, which zenity first unescapes like a C string (`\n`, `\101`) and
/// then reads as Pango markup: backslashes doubled, `& < > " '` as entities. Controls other
/// than line ends are made visible ([`visible_text`]).
#[must_use]
pub fn pango_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for line in s.split('\n') {
        if !out.is_empty() {
            out.push('\n');
        }
        for c in visible_text(line).chars() {
            match c {
                '\\' => out.push_str(r"\\"),
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
    }
    out
}

/// `s` for kdialog's text, which Qt reads as rich text when it looks like HTML: always given
/// as rich text (`<qt>…</qt>`), `& < > "` as entities and line ends as `<br>`, so nothing in
/// `s` is read as a tag or a link.
#[must_use]
pub fn qt_rich_text(s: &str) -> String {
    let mut out = String::from("<qt>");
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in visible_text(line).chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
    }
    out.push_str("</qt>");
    out
}

/// `s` as an `AppleScript` string literal (`"…"`, with `\` and `"` escaped, line ends as
/// `\n`, other controls made visible by [`visible_text`]).
#[must_use]
pub fn applescript_string(s: &str) -> String {
    let mut out = String::from("\"");
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push_str(r"\n");
        }
        for c in visible_text(line).chars() {
            match c {
                '\\' => out.push_str(r"\\"),
                '"' => out.push_str("\\\""),
                c => out.push(c),
            }
        }
    }
    out.push('"');
    out
}

/// `format` with each `{key}` of `values` put in, in one pass: a value holding `{role}` stays
/// as it is instead of being filled in again.
#[must_use]
pub fn fill(format: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(format.len() + 32);
    let mut rest = format;
    'outer: while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        for (key, value) in values {
            if let Some(tail) = after
                .strip_prefix('{')
                .and_then(|a| a.strip_prefix(key))
                .and_then(|a| a.strip_prefix('}'))
            {
                out.push_str(value);
                rest = tail;
                continue 'outer;
            }
        }
        out.push('{');
        rest = &after[1..];
    }
    out.push_str(rest);
    out
}

/// `serde_json`'s pretty printer, with every character of [`is_hidden`] written as a `\uXXXX`
/// escape (serde escapes C0 itself; JSON allows any character escaped): the same value, read
/// back exactly, with nothing in it a terminal would act on.
#[derive(Debug, Default)]
pub struct TerminalJson(serde_json::ser::PrettyFormatter<'static>);

/// A pretty JSON serializer writing to `W` through [`TerminalJson`].
pub type JsonSerializer<W> = serde_json::Serializer<W, TerminalJson>;

/// A [`JsonSerializer`] over `writer`.
pub fn json_serializer<W: std::io::Write>(writer: W) -> JsonSerializer<W> {
    serde_json::Serializer::with_formatter(writer, TerminalJson::default())
}

/// `value` as pretty JSON for a terminal ([`TerminalJson`]).
///
/// # Errors
/// When `value` cannot be serialized (a map with non-string keys).
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    value.serialize(&mut json_serializer(&mut out))?;
    // The formatter writes UTF-8 only.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(
            fn $name<W: ?Sized + std::io::Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
                self.0.$name(writer $(, $arg)*)
            }
        )*
    };
}

impl serde_json::ser::Formatter for TerminalJson {
    delegate!(
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        end_array_value(),
        begin_object(),
        end_object(),
        begin_object_key(first: bool),
        begin_object_value(),
        end_object_value(),
    );

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // Most fragments hold no byte that starts a character to escape and are written at once.
        if !fragment.bytes().any(|b| HIDDEN_LEADS[usize::from(b)]) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            // Joiners too, wherever they are: the value read back is the same.
            if is_hidden(c) || is_joiner(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names a hostile organization might hold.
    const HOSTILE: &[&str] = &[
        "acct`touch /tmp/pwn1`",
        "acct$(touch /tmp/pwn2)",
        "acct${HOME}%n%~!!\\",
        "a\nb",
        "[profile x]\nregion = evil",
        "a\x1b]2;owned\x07b",
        "a\x1b]52;c;aGVsbG8=\x07b",
        "a\x1b[2J\x1b[Hb",
        "a\u{9b}31mb",
        "a\u{202e}gnp.exe",
        "a\x00\x01\x7fb",
        "payments-prod\u{200b}",
        "pay\u{200d}ments\u{feff}-prod\u{2060}",
        "payments-prod ",
        " payments\u{a0}prod\u{3000}",
        "pay\u{ad}ments\u{115f}\u{3164}\u{ffa0}\u{180e}\u{34f}",
    ];

    #[test]
    fn visible_text_holds_no_control() {
        assert_eq!(visible("payments-prod"), "payments-prod");
        assert!(matches!(visible("東京 ✓"), Cow::Borrowed(_)));
        assert_eq!(visible("a\nb\tc\rd"), r"a\nb\tc\rd");
        assert_eq!(visible("a\x1b]2;x\x07b"), r"a\x1b]2;x\x07b");
        assert_eq!(visible("a\u{9b}b\u{85}"), r"a\u{9b}b\u{85}");
        assert_eq!(visible("x\u{202e}y\u{2066}"), r"x\u{202e}y\u{2066}");
        assert_eq!(visible("\x7f\0"), r"\x7f\x00");
        for name in HOSTILE {
            let shown = visible(name);
            assert!(!shown.chars().any(is_hidden), "{name:?}");
            assert!(!shown.starts_with(' ') && !shown.ends_with(' '), "{name:?}");
        }
    }

    #[test]
    fn characters_that_do_not_show_are_made_visible() {
        assert_eq!(visible("payments-prod\u{200b}"), r"payments-prod\u{200b}");
        assert_eq!(
            visible("\u{feff}pay\u{200c}ments\u{2060}-\u{ad}prod\u{2064}"),
            r"\u{feff}pay\u{200c}ments\u{2060}-\u{ad}prod\u{2064}"
        );
        assert_eq!(
            visible("a\u{115f}\u{1160}\u{3164}\u{ffa0}\u{180e}\u{34f}b"),
            r"a\u{115f}\u{1160}\u{3164}\u{ffa0}\u{180e}\u{34f}b"
        );
        assert_eq!(visible("a\u{e0041}b"), r"a\u{e0041}b");
        // Spaces: at either end, and any that is not U+0020, wherever it is.
        assert_eq!(visible("payments-prod "), r"payments-prod\x20");
        assert_eq!(visible("  a b  "), r"\x20\x20a b\x20\x20");
        assert_eq!(visible("   "), r"\x20\x20\x20");
        assert_eq!(
            visible("a\u{a0}b\u{2009}c\u{202f}d\u{205f}e\u{3000}f"),
            r"a\u{a0}b\u{2009}c\u{202f}d\u{205f}e\u{3000}f"
        );
        assert!(matches!(visible("team a"), Cow::Borrowed(_)));
        assert!(matches!(visible(""), Cow::Borrowed(_)));
        // Joiners and variation selectors where they change something: kept.
        for kept in [
            "👩\u{200d}👩\u{200d}👧 family",
            "❤\u{fe0f}\u{200d}🔥",
            "☁\u{fe0f}-infra",
            "می\u{200c}خواهم",
            "क्\u{200d}ष",
        ] {
            assert_eq!(visible(kept), kept, "{kept:?}");
            assert_eq!(title(kept), kept, "{kept:?}");
        }
        // Next to ASCII or at an end they can only hide: escaped.
        assert_eq!(visible("pay\u{200d}ments"), r"pay\u{200d}ments");
        assert_eq!(visible("prod\u{fe0f}"), r"prod\u{fe0f}");
        assert_eq!(visible("👩\u{200d}"), r"👩\u{200d}");
        assert_eq!(visible("\u{200d}👩"), r"\u{200d}👩");
        assert_eq!(visible("\u{fe0f}☁"), r"\u{fe0f}☁");
        assert_eq!(visible("東\u{200b}京"), r"東\u{200b}京");
        // Text awsnav lays out keeps its own spaces; what hides in it is still shown.
        assert_eq!(visible_text("  indented "), "  indented ");
        assert_eq!(visible_text(" a\u{200b}b "), r" a\u{200b}b ");
        assert_eq!(visible_lines("  one\n  two\u{a0}"), "  one\n  two\\u{a0}");
        assert!(matches!(visible_lines("  one\n  two "), Cow::Borrowed(_)));
    }

    #[test]
    fn every_character_to_escape_starts_with_a_listed_byte() {
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            if (is_hidden(c) || is_joiner(c)) && (c as u32) >= 0x20 {
                let mut bytes = [0; 4];
                let lead = c.encode_utf8(&mut bytes).as_bytes()[0];
                assert!(HIDDEN_LEAD_BYTES.contains(&lead), "{c:?}");
            }
        }
    }

    #[test]
    fn whole_messages_keep_their_own_lines() {
        assert_eq!(visible_lines("a\nb"), "a\nb");
        assert_eq!(visible_lines("a\x1b[2J\nb\r\n"), "a\\x1b[2J\nb\\r\n");
        assert!(matches!(visible_lines("plain\ntext"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_json_is_the_same_value_without_raw_controls() {
        let names: Vec<String> = HOSTILE.iter().map(|s| (*s).to_owned()).collect();
        let text = json_pretty(&serde_json::json!({ "names": names, "k\u{202e}": 1 })).unwrap();
        assert!(!text.chars().any(|c| c != '\n' && is_hidden(c)), "{text}");
        assert!(text.contains(r"a\u202egnp.exe"), "{text}");
        assert!(text.contains(r"a\u009b31mb"), "{text}");
        assert!(text.contains(r"payments-prod\u200b"), "{text}");
        assert!(text.contains(r"pay\u200dments\ufeff-prod\u2060"), "{text}");
        assert!(text.contains(r"\u00a0"), "{text}");
        assert!(text.contains(r"\u007fb"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["names"], serde_json::json!(names));
        assert_eq!(back["k\u{202e}"], 1);
        // Exactly serde_json's pretty layout otherwise.
        let plain = serde_json::json!({"a": [1, {"b": "c"}], "d": "東京"});
        assert_eq!(
            json_pretty(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
    }

    #[test]
    fn titles_lose_controls_and_length() {
        assert_eq!(title("a\x1b]2;x\x07b\u{202e}c\n"), "a]2;xbc");
        assert_eq!(
            title("pay\u{200b}ments\u{feff}-prod\u{200d}\u{fe0f}"),
            "payments-prod"
        );
        assert_eq!(title("a\u{a0}b\u{3000}c"), "a b c");
        assert_eq!(tmux_window_name("#a\u{200b}\u{2060}b"), "_ab");
        let long = "x".repeat(500);
        assert_eq!(title(&long).chars().count(), MAX_MARK_CHARS);
        assert!(title(&long).ends_with('…'));
        // No `#` in a window's name: a later rename from `#W` cannot run it.
        assert_eq!(
            tmux_window_name("a#(touch x)#[fg=red]\x1b"),
            "a_(touch x)_[fg=red]"
        );
        assert_eq!(tmux_literal("w#(touch x)##"), "w##(touch x)####");
    }

    #[test]
    fn bash_prompt_text_is_never_expanded() {
        assert_eq!(bash_prompt("pay-prod", true), "pay-prod");
        assert_eq!(
            bash_prompt("a`b`$(c)\\d!e", true),
            r"a\134\140b\134\140\134\044(c)\134\134d\041e"
        );
        assert_eq!(bash_prompt("a$\\!`", false), r"a$\134\041`");
        assert_eq!(bash_prompt("a\x1bb", true), r"a\134\134x1bb");
        assert_eq!(bash_prompt("a\u{200b}b", false), r"a\134u{200b}b");
        assert_eq!(bash_prompt(" [a] ", false), " [a] ");
    }

    #[test]
    fn zsh_prompt_text_is_never_expanded() {
        let plain = ZshPromptOptions::default();
        let all = ZshPromptOptions {
            subst: true,
            bang: true,
        };
        assert_eq!(zsh_prompt("a%b!c$d", plain), "a%%b!c$d");
        assert_eq!(zsh_prompt("a%b!c$(d)`e`\\", all), r"a%%b!!c\$(d)\`e\`\\");
        assert_eq!(
            zsh_prompt(
                "a$b",
                ZshPromptOptions {
                    subst: true,
                    bang: false
                }
            ),
            r"a\$b"
        );
        assert_eq!(zsh_prompt("a\x1b", plain), r"a\x1b");
        assert_eq!(zsh_prompt("a\u{feff} ", plain), r"a\u{feff} ");
        let suffixes: Vec<_> = ZshPromptOptions::ALL.iter().map(|o| o.suffix()).collect();
        assert_eq!(suffixes, ["", "_SUBST", "_BANG", "_SUBST_BANG"]);
    }

    #[test]
    fn shell_words_are_single_quoted() {
        assert_eq!(sh_quoted("it's $(x)"), r"'it'\''s $(x)'");
        assert_eq!(fish_quoted(r"it's \ $(x)"), r"'it\'s \\ $(x)'");
    }

    #[test]
    fn file_names_stay_in_their_directory() {
        assert_eq!(file_name("sso:Admin Access/x"), "sso_Admin_Access_x");
        assert_eq!(file_name(".."), "_.");
        assert_eq!(file_name("../../etc"), "_._.._etc");
        assert_eq!(file_name("-rf"), "_rf");
        assert_eq!(file_name("a\0b"), "a_b");
        assert_eq!(file_name(""), "_");
        assert_eq!(file_name(&"x".repeat(300)).len(), 100);
        for name in HOSTILE {
            let f = file_name(name);
            assert!(
                !f.contains(['/', '\0']) && !f.starts_with(['-', '.']),
                "{f}"
            );
        }
    }

    #[test]
    fn config_names_and_values_cannot_open_a_section_or_add_a_key() {
        assert_eq!(
            ini_name("[profile x]\nregion = evil"),
            "-profile-x--region---evil"
        );
        assert_eq!(ini_name("pay;#x"), "pay--x");
        for name in HOSTILE {
            assert!(ini_name(name).chars().all(|c| !"[]=;# \n\r".contains(c)));
        }
        assert_eq!(ini_value("Admin"), Ok("Admin"));
        assert_eq!(ini_value("a b=c"), Ok("a b=c"));
        assert!(ini_value("a\nb = c").is_err());
        assert!(ini_value("a\rb").is_err());
        assert!(ini_value(" a").is_err());
        assert!(ini_value("a ;c").is_err());
        assert!(ini_value("a #c").is_err());
        let err = ini_value("a\x1bb").unwrap_err().to_string();
        assert!(err.contains(r"a\x1bb") && !err.contains('\x1b'), "{err}");
        assert!(is_plain_word("payments-prod"));
        assert!(is_plain_word("東京-prod_2"));
        assert!(!is_plain_word("a b"));
        assert!(!is_plain_word("-rf"));
        for name in HOSTILE {
            assert!(!is_plain_word(name), "{name:?}");
        }
        assert!(is_iam_name("AWSAdministratorAccess"));
        assert!(is_iam_name("a+=,.@_-1"));
        assert!(!is_iam_name("a b"));
        assert!(!is_iam_name("a\nb"));
        assert!(!is_iam_name(""));
    }

    #[test]
    fn dialog_text_is_never_markup() {
        assert_eq!(
            pango_markup("MFA for <b>x</b> & \\101 'y\"\nnext\x1b"),
            "MFA for &lt;b&gt;x&lt;/b&gt; &amp; \\\\101 &#39;y&quot;\nnext\\\\x1b"
        );
        assert_eq!(
            qt_rich_text("<a href=x>y</a>\nz&"),
            "<qt>&lt;a href=x&gt;y&lt;/a&gt;<br>z&amp;</qt>"
        );
        assert_eq!(applescript_string("a\"b\\c\nd\x07"), r#""a\"b\\c\nd\\x07""#);
        assert_eq!(pango_markup(" a\u{200b}"), r" a\\u{200b}");
        assert_eq!(qt_rich_text(" a\u{200b}"), r"<qt> a\u{200b}</qt>");
    }

    #[test]
    fn kube_names_hold_nothing_a_terminal_acts_on_or_hides() {
        assert_eq!(kube_name("payments-prod"), "payments-prod");
        assert_eq!(kube_name("Payments Prod 東京 ✓"), "Payments Prod 東京 ✓");
        // Escape sequences: ESC and BEL become `_`, what they carried stays as text.
        assert_eq!(
            kube_name("esc\x1b]2;owned\x07\x1b[2Jx"),
            "esc_]2;owned__[2Jx"
        );
        // C1 controls (CSI, NEL), DEL and NUL.
        assert_eq!(kube_name("a\u{9b}31mb\u{85}c\x7f\0"), "a_31mb c__");
        // Bidirectional overrides and marks are dropped: the name reads as it is stored.
        assert_eq!(kube_name("a\u{202e}gnp.exe\u{2066}\u{200f}"), "agnp.exe");
        // Zero-width characters: `prod` with them is `prod`.
        for zw in [
            '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{ad}',
        ] {
            assert_eq!(kube_name(&format!("pr{zw}od{zw}")), "prod", "{zw:?}");
        }
        assert_eq!(kube_name("\u{e0070}prod\u{fe0f}"), "prod");
        // Line ends and other white space: one space, never a line of its own.
        assert_eq!(
            kube_name("a\nb\r\nc\td\u{2028}e\u{a0}\u{3000}f"),
            "a b c d e f"
        );
        assert_eq!(kube_name("  prod \n"), "prod");
        assert_eq!(kube_name("\u{200b}\u{202e}\n"), "_");
        // YAML's specials are data: the writer quotes them.
        let yaml = "- name: x\n  user: {token: a} # &a *a !tag %x | > 'q' \"dq\" `b` @c";
        assert_eq!(
            kube_name(yaml),
            "- name: x user: {token: a} # &a *a !tag %x | > 'q' \"dq\" `b` @c"
        );
        for name in HOSTILE {
            let k = kube_name(name);
            assert!(
                !k.chars().any(|c| is_hidden(c) || is_joiner(c)),
                "{name:?} -> {k:?}"
            );
            assert_eq!(visible(&k), k, "{name:?}");
        }
    }

    #[test]
    fn templates_are_filled_once() {
        assert_eq!(
            fill(
                "[{account}/{role}{prod}]",
                &[("account", "{role}"), ("role", "Admin"), ("prod", " PROD")]
            ),
            "[{role}/Admin PROD]"
        );
        assert_eq!(fill("{x} {unknown} {", &[("x", "1")]), "1 {unknown} {");
        assert_eq!(fill("東{x}京", &[("x", "—")]), "東—京");
    }
}
