//! `report` and `policy`: a center's rollout, and the policy only the operator may loosen.

use std::sync::Arc;

use twostep_server::operate;
use twostep_server::{ApiError, AppState, SystemClock};

use super::{load, Common};

/// `report --center C`: how far 2-Step Verification has rolled out, and who must still set it
/// up.
pub async fn report(common: &Common, center: &str) -> anyhow::Result<()> {
    let (st, id) = center_state(common, center).await?;
    let report = operate::report_of(&st, &id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    st.courier.stop();
    print!("{}", operate::as_text(center, &report));
    Ok(())
}

/// What `policy` is asked to change; nothing given shows the policy as it is.
pub struct PolicyChange {
    pub reset_approvals: Option<u32>,
    pub guardians_required: Option<bool>,
    pub new_admin_wait_days: Option<u32>,
}

/// `policy --center C [...]`.
pub async fn policy(common: &Common, center: &str, change: PolicyChange) -> anyhow::Result<()> {
    let (st, id) = center_state(common, center).await?;
    let err = |e: ApiError| anyhow::anyhow!("{e}");
    let mut policy = operate::policy_of(&st, &id).await.map_err(err)?;
    if change.reset_approvals.is_some()
        || change.guardians_required.is_some()
        || change.new_admin_wait_days.is_some()
    {
        policy.reset_approvals = change.reset_approvals;
        policy.guardians_required = change.guardians_required;
        policy.new_admin_wait_days = change.new_admin_wait_days;
        policy = operate::set_policy_of(&st, &id, policy, None)
            .await
            .map_err(err)?;
    }
    st.courier.stop();
    let kinds: Vec<String> = policy
        .allowed_kinds
        .iter()
        .map(|k| format!("{k:?}").to_lowercase())
        .collect();
    println!("{center}");
    println!("Allowed methods: {}", kinds.join(", "));
    println!(
        "Administrators a reset takes: {}",
        policy.reset_approvals.unwrap_or(1)
    );
    println!(
        "Days an administrator added by another waits to count for two-person resets: {}",
        policy.new_admin_wait_days.unwrap_or_default()
    );
    println!(
        "Families must use 2-Step Verification: {}",
        if policy.guardians_required == Some(true) {
            "yes"
        } else {
            "no"
        }
    );
    Ok(())
}

/// The server's state, and the id of the center named `name`.
async fn center_state(common: &Common, name: &str) -> anyhow::Result<(AppState, String)> {
    let st = twostep_server::build_state(load(common)?, Arc::new(SystemClock)).await?;
    let id = operate::center_id(&st, name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("there is no center named {name}"))?;
    Ok((st, id))
}
