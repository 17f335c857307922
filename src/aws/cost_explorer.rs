//! Cost Explorer: monthly cost per linked account, one paginated `GetCostAndUsage` per refresh.

use aws_config::SdkConfig;
use aws_sdk_costexplorer::types::{
    DateInterval, Granularity, GroupDefinition, GroupDefinitionType,
};
use time::Date;

use super::{AwsError, CallCounter, ErrorContext};
use crate::domain::cost::{MonthlyByAccount, YearMonth};

/// What one cost read returned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CostRead {
    pub monthly: MonthlyByAccount,
    /// The currency of the amounts (Cost Explorer's unit; USD usually).
    pub currency: String,
    /// `GetCostAndUsage` requests made: every page is a paid request.
    pub requests: u64,
}

/// Reads `metric` (e.g. `UnblendedCost`) per linked account and month from `start` up to
/// (excluding) `end`, following every page.
///
/// # Errors
/// An [`AwsError`]: access denied, Cost Explorer not enabled, throttled…
pub async fn monthly_by_account(
    sdk: &SdkConfig,
    metric: &str,
    start: Date,
    end: Date,
    counter: &CallCounter,
    ctx: &ErrorContext,
) -> Result<CostRead, AwsError> {
    const ACTION: &str = "ce:GetCostAndUsage";
    let config = aws_sdk_costexplorer::config::Builder::from(sdk)
        .interceptor(counter.clone())
        .build();
    let client = aws_sdk_costexplorer::Client::from_conf(config);
    let period = DateInterval::builder()
        .start(start.to_string())
        .end(end.to_string())
        .build()
        .map_err(|e| AwsError::Service {
            action: ACTION,
            code: "Client".into(),
            message: e.to_string(),
        })?;
    let group = GroupDefinition::builder()
        .r#type(GroupDefinitionType::Dimension)
        .key("LINKED_ACCOUNT")
        .build();
    let before = counter.calls();
    let mut read = CostRead::default();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .get_cost_and_usage()
            .time_period(period.clone())
            .granularity(Granularity::Monthly)
            .metrics(metric)
            .group_by(group.clone())
            .set_next_page_token(token.clone())
            .send()
            .await
            .map_err(|e| ctx.classify(ACTION, &e))?;
        for by_time in out.results_by_time() {
            let Some(month) = by_time
                .time_period()
                .and_then(|p| YearMonth::parse(p.start()))
            else {
                continue;
            };
            for g in by_time.groups() {
                let (Some(account), Some(value)) =
                    (g.keys().first(), g.metrics().and_then(|m| m.get(metric)))
                else {
                    continue;
                };
                let amount: f64 = value.amount().and_then(|a| a.parse().ok()).unwrap_or(0.0);
                if read.currency.is_empty()
                    && let Some(unit) = value.unit()
                {
                    read.currency = unit.to_owned();
                }
                *read
                    .monthly
                    .entry(account.clone())
                    .or_default()
                    .entry(month)
                    .or_insert(0.0) += amount;
            }
        }
        token = out
            .next_page_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if read.currency.is_empty() {
        "USD".clone_into(&mut read.currency);
    }
    read.requests = counter.calls() - before;
    tracing::info!(
        requests = read.requests,
        accounts = read.monthly.len(),
        "cost read"
    );
    Ok(read)
}
