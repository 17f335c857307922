//! Amazon Resource Names: what an ARN says (partition, service, region, account, resource) and
//! the console page that shows the resource.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::partition::Partition;

/// An ARN taken apart: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn {
    pub partition: Partition,
    pub service: String,
    /// Empty for global services (IAM, S3, Route 53, `CloudFront`).
    pub region: String,
    /// The 12-digit account id; `None` where the ARN names none (S3 buckets, Route 53, API
    /// Gateway, AWS managed policies).
    pub account: Option<String>,
    pub resource: String,
}

/// Why a text is not an ARN awsnav can read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    #[error("`{0}` is not an ARN: an ARN starts with `arn:`")]
    NotAnArn(String),
    #[error(
        "`{0}` is not a whole ARN: it needs six parts, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"
    )]
    TooShort(String),
    #[error("`{arn}` names no service")]
    NoService { arn: String },
    #[error("`{arn}` names no resource")]
    NoResource { arn: String },
    #[error("`{arn}`: the partition `{partition}` is not one of aws, aws-us-gov, aws-cn")]
    Partition { arn: String, partition: String },
    #[error("`{arn}`: the account `{account}` is not a 12-digit account id")]
    Account { arn: String, account: String },
    #[error("`{arn}`: the region `{region}` is not a region name")]
    Region { arn: String, region: String },
}

/// Characters a URL component keeps as they are (JavaScript's `encodeURIComponent`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// `s` percent-encoded as a URL component (JavaScript's `encodeURIComponent`).
#[must_use]
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

fn enc(s: &str) -> String {
    encode_component(s)
}

/// The `CloudWatch` console's own encoding of a name in its `#` routes: encoded twice, `%` as `$`.
fn cloudwatch_enc(s: &str) -> String {
    enc(&enc(s)).replace('%', "$")
}

/// Whether `s` looks like an ARN (worth parsing rather than searching for).
#[must_use]
pub fn looks_like_arn(s: &str) -> bool {
    s.trim().starts_with("arn:")
}

impl Arn {
    /// Reads an ARN.
    ///
    /// # Errors
    /// [`ArnError`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        let text = text.trim();
        if !text.starts_with("arn:") {
            return Err(ArnError::NotAnArn(text.to_owned()));
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [_, partition, service, region, account, resource] = parts[..] else {
            return Err(ArnError::TooShort(text.to_owned()));
        };
        let arn = || text.to_owned();
        let partition = match partition {
            "aws" | "aws-us-gov" | "aws-cn" => Partition::from_name(partition),
            other => {
                return Err(ArnError::Partition {
                    arn: arn(),
                    partition: other.to_owned(),
                });
            }
        };
        if service.is_empty() {
            return Err(ArnError::NoService { arn: arn() });
        }
        if resource.is_empty() {
            return Err(ArnError::NoResource { arn: arn() });
        }
        if !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ArnError::Region {
                arn: arn(),
                region: region.to_owned(),
            });
        }
        let account = match account {
            // AWS managed policies (`arn:aws:iam::aws:policy/…`) belong to no account.
            "" | "aws" => None,
            id if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id.to_owned()),
            other => {
                return Err(ArnError::Account {
                    arn: arn(),
                    account: other.to_owned(),
                });
            }
        };
        Ok(Self {
            partition,
            service: service.to_owned(),
            region: region.to_owned(),
            account,
            resource: resource.to_owned(),
        })
    }

    /// The ARN as written.
    #[must_use]
    pub fn text(&self) -> String {
        format!(
            "arn:{}:{}:{}:{}:{}",
            self.partition.name(),
            self.service,
            self.region,
            self.account.as_deref().unwrap_or_default(),
            self.resource
        )
    }

    /// Whether the service lives in one region for the whole partition (IAM, `CloudFront`,
    /// Route 53), its console too.
    fn global(&self) -> bool {
        matches!(self.service.as_str(), "iam" | "cloudfront" | "route53")
    }

    /// The region the console opens in: the ARN's own, the partition's home for global
    /// services, else `fallback` (S3 ARNs carry no region).
    #[must_use]
    pub fn console_region<'a>(&'a self, fallback: &'a str) -> &'a str {
        if self.global() {
            return self.partition.home_region();
        }
        if self.region.is_empty() {
            fallback
        } else {
            &self.region
        }
    }

    /// The console page of the resource, in its region (`fallback` when the ARN has none); the
    /// service's console home for resources without a page of their own.
    #[must_use]
    pub fn console_url(&self, fallback_region: &str) -> String {
        let region = self.console_region(fallback_region);
        let base = self.partition.console_base(region);
        self.compute_page(&base, region)
            .or_else(|| self.identity_and_data_page(&base, region))
            .or_else(|| self.operations_page(&base, region))
            .unwrap_or_else(|| format!("{base}/{}/home?region={region}", self.service))
    }

    /// The resource type, what follows it (`type/name`, `type:name`), the ARN encoded, and the
    /// resource part as written.
    fn parts(&self) -> (&str, &str, String, &str) {
        let res = self.resource.as_str();
        let (kind, rest) = res
            .split_once(['/', ':'])
            .map_or((res, ""), |(k, rest)| (k, rest));
        (kind, rest, enc(&self.text()), res)
    }

    /// Compute and storage: EC2, VPC, S3, Lambda.
    fn compute_page(&self, base: &str, r: &str) -> Option<String> {
        let (kind, rest, _, res) = self.parts();
        Some(match (self.service.as_str(), kind) {
            ("ec2", "instance") => {
                format!(
                    "{base}/ec2/home?region={r}#InstanceDetails:instanceId={}",
                    enc(rest)
                )
            }
            ("ec2", "volume") => {
                format!(
                    "{base}/ec2/home?region={r}#VolumeDetails:volumeId={}",
                    enc(rest)
                )
            }
            ("ec2", "security-group") => {
                format!(
                    "{base}/ec2/home?region={r}#SecurityGroup:groupId={}",
                    enc(rest)
                )
            }
            ("ec2", "vpc") => {
                format!(
                    "{base}/vpcconsole/home?region={r}#VpcDetails:VpcId={}",
                    enc(rest)
                )
            }
            ("ec2", "subnet") => {
                format!(
                    "{base}/vpcconsole/home?region={r}#SubnetDetails:subnetId={}",
                    enc(rest)
                )
            }
            ("s3", _) => match res.split_once('/') {
                Some((bucket, key)) => format!(
                    "{base}/s3/object/{}?region={r}&prefix={}",
                    enc(bucket),
                    enc(key)
                ),
                None => format!("{base}/s3/buckets/{}?region={r}&tab=objects", enc(res)),
            },
            ("lambda", "function") => {
                let name = rest.split(':').next().unwrap_or(rest);
                format!("{base}/lambda/home?region={r}#/functions/{}", enc(name))
            }
            _ => return None,
        })
    }

    /// IAM, stacks, databases, queues and topics, ECS and EKS.
    fn identity_and_data_page(&self, base: &str, r: &str) -> Option<String> {
        let (kind, rest, arn, _) = self.parts();
        let home = |console: &str| format!("{base}/{console}/home?region={r}");
        Some(match (self.service.as_str(), kind) {
            ("iam", "role" | "user" | "group") => {
                // The name is the last part of the path (`role/service-role/Name`).
                let name = rest.rsplit('/').next().unwrap_or(rest);
                format!("{base}/iam/home#/{kind}s/details/{}", enc(name))
            }
            ("iam", "policy") => format!("{base}/iam/home#/policies/details/{arn}"),
            ("cloudformation", "stack") => {
                format!("{base}/cloudformation/home?region={r}#/stacks/stackinfo?stackId={arn}")
            }
            ("rds", "db" | "cluster") => format!(
                "{base}/rds/home?region={r}#database:id={};is-cluster={}",
                enc(rest),
                kind == "cluster"
            ),
            ("dynamodb", "table") => {
                let name = rest.split('/').next().unwrap_or(rest);
                format!("{base}/dynamodbv2/home?region={r}#table?name={}", enc(name))
            }
            ("sqs", queue) => {
                let account = self.account.as_deref().unwrap_or_default();
                let url = format!(
                    "https://sqs.{r}.{}/{account}/{queue}",
                    self.partition.api_domain()
                );
                format!("{base}/sqs/v3/home?region={r}#/queues/{}", enc(&url))
            }
            ("sns", _) => format!("{base}/sns/v3/home?region={r}#/topic/{arn}"),
            ("ecs", "cluster") => format!("{base}/ecs/v2/clusters/{}?region={r}", enc(rest)),
            ("ecs", "service") => match rest.split_once('/') {
                Some((cluster, service)) => format!(
                    "{base}/ecs/v2/clusters/{}/services/{}?region={r}",
                    enc(cluster),
                    enc(service)
                ),
                // The old format names no cluster.
                None => home("ecs"),
            },
            ("eks", "cluster") => format!("{base}/eks/home?region={r}#/clusters/{}", enc(rest)),
            _ => return None,
        })
    }

    /// Logs and alarms, secrets and keys, images, state machines, DNS, CDN and APIs.
    fn operations_page(&self, base: &str, r: &str) -> Option<String> {
        let (kind, rest, arn, res) = self.parts();
        Some(match (self.service.as_str(), kind) {
            ("logs", "log-group") => {
                let name = rest.strip_suffix(":*").unwrap_or(rest);
                let name = name.split(":log-stream:").next().unwrap_or(name);
                format!(
                    "{base}/cloudwatch/home?region={r}#logsV2:log-groups/log-group/{}",
                    cloudwatch_enc(name)
                )
            }
            ("cloudwatch", "alarm") => {
                format!(
                    "{base}/cloudwatch/home?region={r}#alarmsV2:alarm/{}",
                    enc(rest)
                )
            }
            ("secretsmanager", "secret") => {
                // Secrets Manager adds `-` and six random characters to the name in the ARN.
                let name = match rest.rsplit_once('-') {
                    Some((name, tail))
                        if tail.len() == 6 && tail.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                    {
                        name
                    }
                    _ => rest,
                };
                format!("{base}/secretsmanager/secret?name={}&region={r}", enc(name))
            }
            ("kms", "key") => format!("{base}/kms/home?region={r}#/kms/keys/{}", enc(rest)),
            ("kms", _) => format!("{base}/kms/home?region={r}#/kms/keys"),
            ("ecr", "repository") => format!(
                "{base}/ecr/repositories/private/{}/{}?region={r}",
                self.account.as_deref().unwrap_or_default(),
                rest
            ),
            ("states", "stateMachine") => {
                format!("{base}/states/home?region={r}#/statemachines/view/{arn}")
            }
            ("states", "execution") => {
                format!("{base}/states/home?region={r}#/v2/executions/details/{arn}")
            }
            ("route53", "hostedzone") => {
                format!("{base}/route53/v2/hostedzones#ListRecordSets/{}", enc(rest))
            }
            ("cloudfront", "distribution") => {
                format!("{base}/cloudfront/v4/home#/distributions/{}", enc(rest))
            }
            ("apigateway", _) => {
                // `/restapis/ID…` (REST) or `/apis/ID…` (HTTP and WebSocket).
                let mut parts = res.trim_start_matches('/').split('/');
                match (parts.next(), parts.next()) {
                    (Some("restapis"), Some(id)) => format!(
                        "{base}/apigateway/main/apis/{id}/resources?api={id}&region={r}",
                        id = enc(id)
                    ),
                    (Some("apis"), Some(id)) => format!(
                        "{base}/apigateway/main/api-detail?api={}&region={r}",
                        enc(id)
                    ),
                    _ => format!("{base}/apigateway/main/apis?region={r}"),
                }
            }
            ("execute-api", _) => {
                let id = res.split('/').next().unwrap_or(res);
                format!(
                    "{base}/apigateway/main/apis/{id}/resources?api={id}&region={r}",
                    id = enc(id)
                )
            }
            ("iam", _) => format!("{base}/iam/home"),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "111122223333";

    fn url(arn: &str) -> String {
        Arn::parse(arn).unwrap().console_url("eu-west-1")
    }

    #[test]
    fn compute_and_storage_open_their_pages() {
        let cases: &[(&str, &str)] = &[
            (
                "arn:aws:ec2:us-west-2:111122223333:instance/i-0abc123",
                "https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#InstanceDetails:instanceId=i-0abc123",
            ),
            (
                "arn:aws:s3:::my-bucket",
                "https://eu-west-1.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1&tab=objects",
            ),
            (
                "arn:aws:s3:::my-bucket/logs/2026/a b.txt",
                "https://eu-west-1.console.aws.amazon.com/s3/object/my-bucket?region=eu-west-1&prefix=logs%2F2026%2Fa%20b.txt",
            ),
            (
                "arn:aws:lambda:eu-central-1:111122223333:function:resize:live",
                "https://eu-central-1.console.aws.amazon.com/lambda/home?region=eu-central-1#/functions/resize",
            ),
        ];
        for (arn, expected) in cases {
            assert_eq!(&url(arn), expected, "{arn}");
        }
    }

    #[test]
    fn identity_databases_queues_and_containers_open_their_pages() {
        let cases: &[(&str, &str)] = &[
            (
                "arn:aws:iam::111122223333:role/service-role/Deployer",
                "https://us-east-1.console.aws.amazon.com/iam/home#/roles/details/Deployer",
            ),
            (
                "arn:aws:iam::111122223333:user/alice",
                "https://us-east-1.console.aws.amazon.com/iam/home#/users/details/alice",
            ),
            (
                "arn:aws:iam::111122223333:policy/Boundary",
                "https://us-east-1.console.aws.amazon.com/iam/home#/policies/details/arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2FBoundary",
            ),
            (
                "arn:aws:cloudformation:us-east-2:111122223333:stack/web/0a1b-2c3d",
                "https://us-east-2.console.aws.amazon.com/cloudformation/home?region=us-east-2#/stacks/stackinfo?stackId=arn%3Aaws%3Acloudformation%3Aus-east-2%3A111122223333%3Astack%2Fweb%2F0a1b-2c3d",
            ),
            (
                "arn:aws:rds:eu-west-1:111122223333:db:orders",
                "https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=orders;is-cluster=false",
            ),
            (
                "arn:aws:rds:eu-west-1:111122223333:cluster:orders-aurora",
                "https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=orders-aurora;is-cluster=true",
            ),
            (
                "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/stream/2026-01-01T00:00:00.000",
                "https://us-east-1.console.aws.amazon.com/dynamodbv2/home?region=us-east-1#table?name=Orders",
            ),
            (
                "arn:aws:sqs:eu-west-1:111122223333:jobs.fifo",
                "https://eu-west-1.console.aws.amazon.com/sqs/v3/home?region=eu-west-1#/queues/https%3A%2F%2Fsqs.eu-west-1.amazonaws.com%2F111122223333%2Fjobs.fifo",
            ),
            (
                "arn:aws:sns:eu-west-1:111122223333:alerts",
                "https://eu-west-1.console.aws.amazon.com/sns/v3/home?region=eu-west-1#/topic/arn%3Aaws%3Asns%3Aeu-west-1%3A111122223333%3Aalerts",
            ),
            (
                "arn:aws:ecs:eu-west-1:111122223333:cluster/main",
                "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/main?region=eu-west-1",
            ),
            (
                "arn:aws:ecs:eu-west-1:111122223333:service/main/web",
                "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/main/services/web?region=eu-west-1",
            ),
            (
                "arn:aws:eks:ap-southeast-2:111122223333:cluster/platform",
                "https://ap-southeast-2.console.aws.amazon.com/eks/home?region=ap-southeast-2#/clusters/platform",
            ),
        ];
        for (arn, expected) in cases {
            assert_eq!(&url(arn), expected, "{arn}");
        }
    }

    #[test]
    fn operations_services_open_their_pages() {
        let cases: &[(&str, &str)] = &[
            (
                "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/resize:*",
                "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fresize",
            ),
            (
                "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:High CPU",
                "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/High%20CPU",
            ),
            (
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-password-AbC123",
                "https://eu-west-1.console.aws.amazon.com/secretsmanager/secret?name=prod%2Fdb-password&region=eu-west-1",
            ),
            (
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
            (
                "arn:aws:ecr:eu-west-1:111122223333:repository/team/api",
                "https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/111122223333/team/api?region=eu-west-1",
            ),
            (
                "arn:aws:states:eu-west-1:111122223333:stateMachine:nightly",
                "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/statemachines/view/arn%3Aaws%3Astates%3Aeu-west-1%3A111122223333%3AstateMachine%3Anightly",
            ),
            (
                "arn:aws:route53:::hostedzone/Z0123456789ABC",
                "https://us-east-1.console.aws.amazon.com/route53/v2/hostedzones#ListRecordSets/Z0123456789ABC",
            ),
            (
                "arn:aws:cloudfront::111122223333:distribution/E2QWRUHEXAMPLE",
                "https://us-east-1.console.aws.amazon.com/cloudfront/v4/home#/distributions/E2QWRUHEXAMPLE",
            ),
            (
                "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3/stages/prod",
                "https://eu-west-1.console.aws.amazon.com/apigateway/main/apis/a1b2c3/resources?api=a1b2c3&region=eu-west-1",
            ),
            (
                "arn:aws:apigateway:eu-west-1::/apis/h77p",
                "https://eu-west-1.console.aws.amazon.com/apigateway/main/api-detail?api=h77p&region=eu-west-1",
            ),
            (
                "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/prod/GET/orders",
                "https://eu-west-1.console.aws.amazon.com/apigateway/main/apis/a1b2c3/resources?api=a1b2c3&region=eu-west-1",
            ),
            (
                "arn:aws:glue:eu-west-1:111122223333:database/sales",
                "https://eu-west-1.console.aws.amazon.com/glue/home?region=eu-west-1",
            ),
        ];
        for (arn, expected) in cases {
            assert_eq!(&url(arn), expected, "{arn}");
        }
    }

    #[test]
    fn other_partitions_use_their_console_hosts() {
        assert_eq!(
            url("arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:f"),
            "https://console.amazonaws-us-gov.com/lambda/home?region=us-gov-west-1#/functions/f"
        );
        assert_eq!(
            url("arn:aws-cn:iam::111122223333:role/Admin"),
            "https://console.amazonaws.cn/iam/home#/roles/details/Admin"
        );
        assert_eq!(
            url("arn:aws-cn:sqs:cn-north-1:111122223333:q"),
            "https://console.amazonaws.cn/sqs/v3/home?region=cn-north-1#/queues/https%3A%2F%2Fsqs.cn-north-1.amazonaws.com.cn%2F111122223333%2Fq"
        );
    }

    #[test]
    fn accounts_come_from_the_arn_when_it_has_one() {
        let a = Arn::parse("arn:aws:lambda:eu-west-1:111122223333:function:f").unwrap();
        assert_eq!(a.account.as_deref(), Some(ACCOUNT));
        assert_eq!(a.service, "lambda");
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.text(), "arn:aws:lambda:eu-west-1:111122223333:function:f");
        for none in [
            "arn:aws:s3:::bucket",
            "arn:aws:route53:::hostedzone/Z1",
            "arn:aws:apigateway:eu-west-1::/restapis/a",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ] {
            assert_eq!(Arn::parse(none).unwrap().account, None, "{none}");
        }
    }

    #[test]
    fn malformed_arns_say_what_is_wrong() {
        let err = |s: &str| Arn::parse(s).unwrap_err().to_string();
        assert!(err("i-0abc").contains("starts with `arn:`"));
        assert!(err("arn:aws:s3").contains("six parts"));
        assert!(err("arn:aws::eu-west-1:111122223333:x").contains("names no service"));
        assert!(err("arn:aws:sns:eu-west-1:111122223333:").contains("names no resource"));
        assert!(err("arn:azure:sns:eu-west-1:111122223333:t").contains("partition `azure`"));
        assert!(err("arn:aws:sns:eu-west-1:1234:t").contains("`1234` is not a 12-digit"));
        assert!(err("arn:aws:sns:EU WEST:111122223333:t").contains("region `EU WEST`"));
        assert!(looks_like_arn("  arn:aws:s3:::b"));
        assert!(!looks_like_arn("payments-prod"));
    }
}
