//! The AWS partitions (commercial, `GovCloud`, China): what an ARN or region says, and each one's
//! sign-in and console hosts.

/// The partition in an ARN (`aws`, `aws-us-gov`, `aws-cn`).
#[must_use]
pub fn partition_of(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The AWS partitions, each with its own sign-in and console hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    Aws,
    UsGov,
    China,
}

impl Partition {
    /// From an ARN's partition field; unknown partitions are treated as the commercial one.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "aws-us-gov" => Self::UsGov,
            "aws-cn" => Self::China,
            _ => Self::Aws,
        }
    }

    /// The partition a region is in (`us-gov-…`, `cn-…`, else the commercial one).
    #[must_use]
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("us-gov-") {
            Self::UsGov
        } else if region.starts_with("cn-") {
            Self::China
        } else {
            Self::Aws
        }
    }

    /// The partition's name in ARNs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::UsGov => "aws-us-gov",
            Self::China => "aws-cn",
        }
    }

    /// The federation endpoint of the partition.
    #[must_use]
    pub fn federation_url(self) -> &'static str {
        match self {
            Self::Aws => "https://signin.aws.amazon.com/federation",
            Self::UsGov => "https://signin.amazonaws-us-gov.com/federation",
            Self::China => "https://signin.amazonaws.cn/federation",
        }
    }

    /// The console's address for `region`, without a path.
    #[must_use]
    pub fn console_base(self, region: &str) -> String {
        match self {
            Self::Aws => format!("https://{region}.console.aws.amazon.com"),
            Self::UsGov => "https://console.amazonaws-us-gov.com".to_owned(),
            Self::China => "https://console.amazonaws.cn".to_owned(),
        }
    }

    /// The region of the partition's global services (IAM, `CloudFront`, Route 53).
    #[must_use]
    pub fn home_region(self) -> &'static str {
        match self {
            Self::Aws => "us-east-1",
            Self::UsGov => "us-gov-west-1",
            Self::China => "cn-north-1",
        }
    }

    /// The domain of the partition's API endpoints (`sqs.REGION.DOMAIN`).
    #[must_use]
    pub fn api_domain(self) -> &'static str {
        match self {
            Self::Aws | Self::UsGov => "amazonaws.com",
            Self::China => "amazonaws.com.cn",
        }
    }

    /// The console URL for `service` in `region`.
    #[must_use]
    pub fn console_url(self, region: &str, service: &str) -> String {
        let service = service.trim_matches('/');
        let service = if service.is_empty() {
            "console"
        } else {
            service
        };
        format!(
            "{}/{service}/home?region={region}",
            self.console_base(region)
        )
    }

    /// AWS's sign-out, which goes on to `login` (a sign-in link of this partition): a second
    /// account replaces the first without the console's "log out first" page. In the
    /// commercial partition only the us-east-1 sign-in host follows the redirect, and only to
    /// a sign-in URL on that host, so a link on the global host is moved there.
    #[must_use]
    pub fn signout_then(self, login: &str) -> String {
        let (host, login) = match self {
            Self::Aws => (
                "https://us-east-1.signin.aws.amazon.com",
                login.replacen(
                    "https://signin.aws.amazon.com/",
                    "https://us-east-1.signin.aws.amazon.com/",
                    1,
                ),
            ),
            Self::UsGov => ("https://signin.amazonaws-us-gov.com", login.to_owned()),
            Self::China => ("https://signin.amazonaws.cn", login.to_owned()),
        };
        format!(
            "{host}/oauth?Action=logout&redirect_uri={}",
            url::form_urlencoded::byte_serialize(login.as_bytes()).collect::<String>()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_have_their_hosts() {
        assert_eq!(Partition::from_name("aws-us-gov"), Partition::UsGov);
        for p in [Partition::Aws, Partition::UsGov, Partition::China] {
            assert_eq!(Partition::from_name(p.name()), p);
        }
        assert_eq!(Partition::of_region("us-gov-west-1"), Partition::UsGov);
        assert_eq!(Partition::of_region("cn-north-1"), Partition::China);
        assert_eq!(Partition::of_region("eu-west-1"), Partition::Aws);
        assert_eq!(Partition::from_name("aws-cn"), Partition::China);
        assert_eq!(Partition::from_name("aws"), Partition::Aws);
        assert_eq!(
            Partition::Aws.console_url("eu-west-1", "s3"),
            "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
        );
        assert_eq!(
            Partition::UsGov.console_url("us-gov-west-1", "ec2"),
            "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1"
        );
        assert_eq!(
            Partition::China.console_url("cn-north-1", ""),
            "https://console.amazonaws.cn/console/home?region=cn-north-1"
        );
        assert_eq!(
            Partition::UsGov.federation_url(),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            Partition::China.federation_url(),
            "https://signin.amazonaws.cn/federation"
        );
    }

    #[test]
    fn sign_out_goes_on_to_the_sign_in_in_every_partition() {
        let aws = Partition::Aws.signout_then(
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=awsnav&SigninToken=T%2B",
        );
        assert_eq!(
            aws,
            "https://us-east-1.signin.aws.amazon.com/oauth?Action=logout&redirect_uri=https%3A%2F%2Fus-east-1.signin.aws.amazon.com%2Ffederation%3FAction%3Dlogin%26Issuer%3Dawsnav%26SigninToken%3DT%252B"
        );
        let parsed = url::Url::parse(&aws).unwrap();
        let redirect: String = parsed
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .unwrap()
            .1
            .into_owned();
        assert_eq!(
            redirect,
            "https://us-east-1.signin.aws.amazon.com/federation?Action=login&Issuer=awsnav&SigninToken=T%2B"
        );
        assert_eq!(
            Partition::UsGov.signout_then("https://signin.amazonaws-us-gov.com/federation?a=1"),
            "https://signin.amazonaws-us-gov.com/oauth?Action=logout&redirect_uri=https%3A%2F%2Fsignin.amazonaws-us-gov.com%2Ffederation%3Fa%3D1"
        );
        assert_eq!(
            Partition::China.signout_then("https://signin.amazonaws.cn/federation?a=1"),
            "https://signin.amazonaws.cn/oauth?Action=logout&redirect_uri=https%3A%2F%2Fsignin.amazonaws.cn%2Ffederation%3Fa%3D1"
        );
    }

    #[test]
    fn arns_name_their_partition() {
        assert_eq!(partition_of("arn:aws-us-gov:iam::1:user/a"), "aws-us-gov");
        assert_eq!(partition_of("arn:aws:iam::1:user/a"), "aws");
        assert_eq!(partition_of("garbage"), "aws");
    }
}
