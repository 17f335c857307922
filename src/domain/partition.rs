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

    /// The console URL for `service` in `region`.
    #[must_use]
    pub fn console_url(self, region: &str, service: &str) -> String {
        let service = service.trim_matches('/');
        let service = if service.is_empty() {
            "console"
        } else {
            service
        };
        match self {
            Self::Aws => {
                format!("https://{region}.console.aws.amazon.com/{service}/home?region={region}")
            }
            Self::UsGov => {
                format!("https://console.amazonaws-us-gov.com/{service}/home?region={region}")
            }
            Self::China => format!("https://console.amazonaws.cn/{service}/home?region={region}"),
        }
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
    fn arns_name_their_partition() {
        assert_eq!(partition_of("arn:aws-us-gov:iam::1:user/a"), "aws-us-gov");
        assert_eq!(partition_of("arn:aws:iam::1:user/a"), "aws");
        assert_eq!(partition_of("garbage"), "aws");
    }
}
