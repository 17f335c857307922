//! What a SAML assertion for AWS says: the roles it lets you take (role ARN and the identity
//! provider's ARN, in either order), the session name and length, and until when it may be
//! used. The assertion itself is a secret: it is read here and kept in memory only.

use base64::Engine as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/// One role the assertion offers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SamlRole {
    pub account_id: String,
    pub role_name: String,
    pub role_arn: String,
    /// The IAM identity provider (`…:saml-provider/NAME`) that trusts the IdP.
    pub principal_arn: String,
}

/// A parsed assertion (the `SAMLResponse` as sent, kept to call `AssumeRoleWithSAML`).
#[derive(Clone)]
pub struct Assertion {
    /// The base64 `SAMLResponse`, as `AssumeRoleWithSAML` takes it.
    pub encoded: String,
    pub roles: Vec<SamlRole>,
    pub session_name: Option<String>,
    pub session_duration: Option<i32>,
    /// The earliest `NotOnOrAfter` it carries: AWS refuses it from then on.
    pub not_on_or_after: Option<OffsetDateTime>,
}

impl std::fmt::Debug for Assertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assertion")
            .field("roles", &self.roles)
            .field("session_name", &self.session_name)
            .field("not_on_or_after", &self.not_on_or_after)
            .finish_non_exhaustive()
    }
}

impl Assertion {
    /// Whether AWS would still take it at `now` (a minute kept in hand).
    #[must_use]
    pub fn usable_at(&self, now: OffsetDateTime) -> bool {
        self.not_on_or_after
            .is_none_or(|end| end > now + time::Duration::minutes(1))
    }

    /// The role `role_name` in `account_id`, if the assertion offers it.
    #[must_use]
    pub fn role(&self, account_id: &str, role_name: &str) -> Option<&SamlRole> {
        self.roles
            .iter()
            .find(|r| r.account_id == account_id && r.role_name.eq_ignore_ascii_case(role_name))
    }
}

/// Why a `SAMLResponse` could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SamlError {
    #[error("the SAML response is not base64")]
    NotBase64,
    #[error("the SAML response is not XML ({0})")]
    NotXml(String),
    #[error(
        "the SAML response gives no AWS role (no {ROLE} attribute with a role ARN and a provider ARN): the IdP's AWS app has no role for you"
    )]
    NoRoles,
}

/// `arn:PARTITION:iam::ACCOUNT:role/…` → (account, role name).
fn role_parts(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn_word != "arn" || service != "iam" || account.len() != 12 {
        return None;
    }
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    Some((account.to_owned(), name.to_owned()))
}

fn is_provider(arn: &str) -> bool {
    arn.starts_with("arn:")
        && arn
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("saml-provider/"))
}

/// One `Role` attribute value: `ROLE_ARN,PROVIDER_ARN` in either order.
fn role_value(value: &str) -> Option<SamlRole> {
    let (a, b) = value.split_once(',')?;
    let (a, b) = (a.trim(), b.trim());
    let (role_arn, principal_arn) = if is_provider(b) { (a, b) } else { (b, a) };
    if !is_provider(principal_arn) {
        return None;
    }
    let (account_id, role_name) = role_parts(role_arn)?;
    Some(SamlRole {
        account_id,
        role_name,
        role_arn: role_arn.to_owned(),
        principal_arn: principal_arn.to_owned(),
    })
}

/// Reads a `SAMLResponse` (base64, as POSTed to AWS's ACS).
///
/// # Errors
/// When it is not base64 XML, or offers no role.
pub fn parse(encoded: &str) -> Result<Assertion, SamlError> {
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let xml = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| SamlError::NotBase64)?;
    let xml = String::from_utf8(xml).map_err(|e| SamlError::NotXml(e.to_string()))?;
    let doc = roxmltree::Document::parse_with_options(
        &xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| SamlError::NotXml(e.to_string()))?;
    let values = |name: &str| -> Vec<String> {
        doc.descendants()
            .filter(|n| n.tag_name().name() == "Attribute" && n.attribute("Name") == Some(name))
            .flat_map(|a| {
                a.children()
                    .filter(|v| v.tag_name().name() == "AttributeValue")
                    .map(|v| v.text().unwrap_or_default().trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let mut roles: Vec<SamlRole> = values(ROLE).iter().filter_map(|v| role_value(v)).collect();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(SamlError::NoRoles);
    }
    let not_on_or_after = doc
        .descendants()
        .filter_map(|n| n.attribute("NotOnOrAfter"))
        .filter_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .min();
    Ok(Assertion {
        encoded: compact,
        roles,
        session_name: values(SESSION_NAME).into_iter().next(),
        session_duration: values(SESSION_DURATION)
            .into_iter()
            .next()
            .and_then(|d| d.parse().ok()),
        not_on_or_after,
    })
}

/// AWS's assertion consumer service for a region's partition (or its own regional one).
#[must_use]
pub fn acs_url(region: Option<&str>) -> String {
    match region {
        Some(r) if r.starts_with("us-gov-") => "https://signin.amazonaws-us-gov.com/saml".into(),
        Some(r) if r.starts_with("cn-") => "https://signin.amazonaws.cn/saml".into(),
        Some(r) if !r.is_empty() && r != "us-east-1" => {
            format!("https://{r}.signin.aws.amazon.com/saml")
        }
        _ => "https://signin.aws.amazon.com/saml".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(values: &[&str], extra: &str) -> String {
        let attrs = values.iter().fold(String::new(), |mut s, v| {
            s += "<saml2:AttributeValue>";
            s += v;
            s += "</saml2:AttributeValue>";
            s
        });
        let xml = format!(
            r#"<?xml version="1.0"?><saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Assertion><saml2:Subject><saml2:SubjectConfirmation><saml2:SubjectConfirmationData NotOnOrAfter="2026-12-04T10:05:00Z"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotOnOrAfter="2026-12-04T10:10:00Z"/><saml2:AttributeStatement><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{attrs}</saml2:Attribute>{extra}</saml2:AttributeStatement></saml2:Assertion></saml2p:Response>"#
        );
        base64::engine::general_purpose::STANDARD.encode(xml)
    }

    #[test]
    fn roles_in_either_order_the_session_and_the_deadline() {
        let extra = r#"<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml2:AttributeValue>alice@corp.example</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml2:AttributeValue>7200</saml2:AttributeValue></saml2:Attribute>"#;
        let encoded = response(
            &[
                "arn:aws:iam::111111111111:role/Admin,arn:aws:iam::111111111111:saml-provider/okta",
                "arn:aws:iam::222222222222:saml-provider/okta, arn:aws:iam::222222222222:role/team/ReadOnly",
                "garbage",
                "arn:aws:iam::333333333333:role/NoProvider,arn:aws:iam::333333333333:role/Other",
            ],
            extra,
        );
        let a = parse(&encoded).unwrap();
        assert_eq!(a.roles.len(), 2);
        assert_eq!(a.roles[0].account_id, "111111111111");
        assert_eq!(a.roles[0].role_name, "Admin");
        assert_eq!(a.roles[1].role_name, "ReadOnly");
        assert_eq!(
            a.roles[1].principal_arn,
            "arn:aws:iam::222222222222:saml-provider/okta"
        );
        assert_eq!(a.session_name.as_deref(), Some("alice@corp.example"));
        assert_eq!(a.session_duration, Some(7200));
        let end = a.not_on_or_after.unwrap();
        assert_eq!(
            end,
            OffsetDateTime::parse("2026-12-04T10:05:00Z", &Rfc3339).unwrap()
        );
        assert!(a.usable_at(end - time::Duration::minutes(5)));
        assert!(!a.usable_at(end));
        assert!(a.role("222222222222", "readonly").is_some());
        assert!(!format!("{a:?}").contains(&encoded[..20]));
    }

    #[test]
    fn what_is_not_an_assertion_is_a_clear_error() {
        assert_eq!(parse("%%%").unwrap_err(), SamlError::NotBase64);
        let not_xml = base64::engine::general_purpose::STANDARD.encode("<open");
        assert!(matches!(parse(&not_xml), Err(SamlError::NotXml(_))));
        assert_eq!(parse(&response(&[], "")).unwrap_err(), SamlError::NoRoles);
        let dtd = base64::engine::general_purpose::STANDARD
            .encode("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>");
        assert!(matches!(parse(&dtd), Err(SamlError::NotXml(_))));
    }

    #[test]
    fn the_acs_of_each_partition() {
        assert_eq!(acs_url(None), "https://signin.aws.amazon.com/saml");
        assert_eq!(
            acs_url(Some("us-east-1")),
            "https://signin.aws.amazon.com/saml"
        );
        assert_eq!(
            acs_url(Some("eu-west-1")),
            "https://eu-west-1.signin.aws.amazon.com/saml"
        );
        assert_eq!(
            acs_url(Some("us-gov-west-1")),
            "https://signin.amazonaws-us-gov.com/saml"
        );
        assert_eq!(
            acs_url(Some("cn-north-1")),
            "https://signin.amazonaws.cn/saml"
        );
    }
}
