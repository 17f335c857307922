//! Changes awsnav makes to its own config file when asked in the navigator (the profile that
//! reads the organization), line by line so every comment and setting of the person's stays.

/// `text` (a config file, possibly empty) with `[org] profile` set to `profile`: the line
/// replaced where there is one, added under `[org]` where the section is there, else the
/// section added at the end. Everything else is kept as it is.
#[must_use]
pub fn with_org_profile(text: &str, profile: &str) -> String {
    let value = format!("profile = {}", toml::Value::String(profile.to_owned()));
    let lines: Vec<&str> = text.lines().collect();
    let is_header = |l: &str| l.trim_start().starts_with('[');
    let Some(org) = lines.iter().position(|l| l.trim() == "[org]") else {
        let mut out = text.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("[org]\n");
        out.push_str(&value);
        out.push('\n');
        return out;
    };
    let end = lines[org + 1..]
        .iter()
        .position(|l| is_header(l))
        .map_or(lines.len(), |i| org + 1 + i);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let existing = (org + 1..end).find(|&i| {
        let l = lines[i].trim_start();
        l.strip_prefix("profile")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match existing {
        Some(i) => out[i] = value,
        None => out.insert(org + 1, value),
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_org_profile_is_set_and_nothing_else_moves() {
        assert_eq!(with_org_profile("", "mgmt"), "[org]\nprofile = \"mgmt\"\n");
        assert_eq!(
            with_org_profile("# mine\n[ui]\ntheme = \"dark\"", "mgmt"),
            "# mine\n[ui]\ntheme = \"dark\"\n\n[org]\nprofile = \"mgmt\"\n"
        );
        assert_eq!(
            with_org_profile("[org]\nregion = \"eu-west-1\"\n[ui]\n", "a b\"c"),
            "[org]\nprofile = 'a b\"c'\nregion = \"eu-west-1\"\n[ui]\n"
        );
        assert_eq!(
            with_org_profile(
                "[org]\n# the org's\nprofile = \"old\"\n[roles]\nprofile = \"x\"\n",
                "new"
            ),
            "[org]\n# the org's\nprofile = \"new\"\n[roles]\nprofile = \"x\"\n"
        );
        let edited = with_org_profile("[org]\nprofile=\"old\"\n", "new");
        let parsed: toml::Table = toml::from_str(&edited).unwrap();
        assert_eq!(parsed["org"]["profile"].as_str(), Some("new"));
    }
}
