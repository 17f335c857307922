//! Docker's `config.json`: a `credHelpers` entry set in the text itself, every other byte
//! kept (the file holds other registries' settings, proxies, plugins, auths).

/// `text` with `credHelpers[registry] = helper`; `None` when it already says so.
///
/// # Errors
/// When `text` is not a JSON object, or `credHelpers` is not an object.
pub fn with_cred_helper(
    text: &str,
    registry: &str,
    helper: &str,
) -> Result<Option<String>, String> {
    let value: serde_json::Value = if text.trim().is_empty() {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?
    };
    let Some(top) = value.as_object() else {
        return Err("it is not a JSON object".to_owned());
    };
    let entry = format!("{}: {}", json_string(registry), json_string(helper));
    if text.trim().is_empty() {
        return Ok(Some(format!(
            "{{\n\t\"credHelpers\": {{\n\t\t{entry}\n\t}}\n}}\n"
        )));
    }
    let outer = object_start(text, 0).ok_or("it is not a JSON object")?;
    match top.get("credHelpers") {
        None => {
            let member = format!("\"credHelpers\": {{\n\t\t{entry}\n\t}}");
            Ok(Some(insert_member(
                text,
                outer,
                &member,
                "\t",
                top.is_empty(),
            )))
        }
        Some(serde_json::Value::Object(helpers)) => {
            if helpers.get(registry).and_then(|v| v.as_str()) == Some(helper) {
                return Ok(None);
            }
            let (start, _) = member_span(text, outer, "credHelpers").ok_or("no credHelpers")?;
            let inner = object_start(text, start).ok_or("credHelpers is not an object")?;
            if let Some((vs, ve)) = member_span(text, inner, registry) {
                let mut out = text.to_owned();
                out.replace_range(vs..ve, &json_string(helper));
                return Ok(Some(out));
            }
            Ok(Some(insert_member(
                text,
                inner,
                &entry,
                "\t\t",
                helpers.is_empty(),
            )))
        }
        Some(_) => Err("its credHelpers is not an object".to_owned()),
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// `member` as the first member of the object whose `{` is at `open`.
fn insert_member(text: &str, open: usize, member: &str, indent: &str, empty: bool) -> String {
    let mut out = String::with_capacity(text.len() + member.len() + 8);
    out.push_str(&text[..=open]);
    out.push('\n');
    out.push_str(indent);
    out.push_str(member);
    if !empty {
        out.push(',');
    }
    out.push_str(&text[open + 1..]);
    out
}

/// The index of the `{` of the object value at or after `from` (after whitespace).
fn object_start(text: &str, from: usize) -> Option<usize> {
    let i = skip_ws(text, from);
    (text.as_bytes().get(i) == Some(&b'{')).then_some(i)
}

fn skip_ws(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The span of the value of member `key` in the object whose `{` is at `open` (the text is
/// known to be valid JSON).
fn member_span(text: &str, open: usize, key: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut i = open + 1;
    loop {
        i = skip_ws(text, i);
        if b.get(i)? == &b'}' {
            return None;
        }
        let key_end = value_end(text, i)?;
        let name: String = serde_json::from_str(&text[i..key_end]).ok()?;
        i = skip_ws(text, key_end);
        // The colon.
        i = skip_ws(text, i + 1);
        let end = value_end(text, i)?;
        if name == key {
            return Some((i, end));
        }
        i = skip_ws(text, end);
        if b.get(i)? == &b',' {
            i += 1;
        }
    }
}

/// Where the JSON value starting at `i` ends.
fn value_end(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    match b.get(i)? {
        b'"' => {
            let mut j = i + 1;
            while j < b.len() {
                match b[j] {
                    b'\\' => j += 2,
                    b'"' => return Some(j + 1),
                    _ => j += 1,
                }
            }
            None
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = value_end(text, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";

    fn helpers(text: &str) -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(text).unwrap()["credHelpers"].clone()
    }

    #[test]
    fn a_new_file_gets_the_entry() {
        let out = with_cred_helper("", HOST, "awsnav").unwrap().unwrap();
        assert_eq!(helpers(&out)[HOST], "awsnav");
    }

    #[test]
    fn every_other_byte_is_kept() {
        let text = "{\n  \"auths\": {\"ghcr.io\": {\"auth\": \"x}{\\\"\"}},\n  \"proxies\": {}  ,\"credsStore\":\"desktop\"\n}\n";
        let out = with_cred_helper(text, HOST, "awsnav").unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["credHelpers"][HOST], "awsnav");
        assert_eq!(v["auths"]["ghcr.io"]["auth"], "x}{\"");
        assert_eq!(out.replace("\n\t\"credHelpers\": {\n\t\t\"111111111111.dkr.ecr.eu-west-1.amazonaws.com\": \"awsnav\"\n\t},", ""), text);

        // A second registry goes into the same object; the first stays.
        let other = "222222222222.dkr.ecr.us-east-1.amazonaws.com";
        let twice = with_cred_helper(&out, other, "awsnav").unwrap().unwrap();
        assert_eq!(helpers(&twice)[HOST], "awsnav");
        assert_eq!(helpers(&twice)[other], "awsnav");
        assert!(twice.ends_with(&out[out.find("\"auths\"").unwrap()..]));
        // Already so: nothing to write.
        assert_eq!(with_cred_helper(&twice, other, "awsnav").unwrap(), None);
    }

    #[test]
    fn another_helper_for_the_registry_is_replaced_in_place() {
        let text =
            format!("{{\"credHelpers\": {{\"a\": \"b\", \"{HOST}\": \"ecr-login\"}}, \"x\": 1}}");
        let out = with_cred_helper(&text, HOST, "awsnav").unwrap().unwrap();
        assert_eq!(out, text.replace("ecr-login", "awsnav"));
        let empty = "{\"credHelpers\": {}}";
        let out = with_cred_helper(empty, HOST, "awsnav").unwrap().unwrap();
        assert_eq!(helpers(&out)[HOST], "awsnav");
        let bare = "{}";
        assert_eq!(
            helpers(&with_cred_helper(bare, HOST, "awsnav").unwrap().unwrap())[HOST],
            "awsnav"
        );
    }

    #[test]
    fn damaged_files_are_refused_not_rewritten() {
        for bad in ["{", "[]", "{\"credHelpers\": []}", "null"] {
            assert!(with_cred_helper(bad, HOST, "awsnav").is_err(), "{bad}");
        }
    }
}
