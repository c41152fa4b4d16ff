//! The public ARM operations by id: GET, PUT, PATCH, DELETE, POST actions, the resource
//! group HEAD, and waiting for a resource found mid-operation to settle.

use azure_core::http::Method;
use serde_json::Value;

use super::client::ArmClient;
use super::error::{ArmError, OperationStatus};
use super::events::OpContext;
use super::lro::{LroKind, provisioning_state};
use super::retry::Expect;

/// How a delete ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// The resource existed and is gone now.
    Deleted,
    /// There was nothing to delete (404, or ARM's 204 for a missing resource).
    AlreadyGone,
}

impl ArmClient {
    /// GET a resource. `Ok(None)` when it does not exist (404).
    pub async fn get(&self, id: &str, api_version: &str) -> Result<Option<Value>, ArmError> {
        let ctx = self.default_ctx().clone();
        let op = self.op(id, &ctx);
        let url = self.url(id, api_version)?;
        let r = self
            .execute(Method::Get, &url, None, Expect::default(), &op)
            .await?;
        match r.status {
            404 => Ok(None),
            _ if r.is_success() => Ok(Some(r.body)),
            _ => Err(r.into_error(Method::Get, id)),
        }
    }

    /// Whether a resource group exists (HEAD; 204 yes, 404 no).
    pub async fn head_resource_group(&self, id: &str, api_version: &str) -> Result<bool, ArmError> {
        let ctx = self.default_ctx().clone();
        let op = self.op(id, &ctx);
        let url = self.url(id, api_version)?;
        let r = self
            .execute(Method::Head, &url, None, Expect::default(), &op)
            .await?;
        match r.status {
            404 => Ok(false),
            _ if r.is_success() => Ok(true),
            _ => Err(r.into_error(Method::Head, id)),
        }
    }

    /// PUT a resource, follow its long-running operation to the end, and return the resource
    /// as a final GET shows it.
    pub async fn put(
        &self,
        id: &str,
        api_version: &str,
        body: &Value,
        ctx: &OpContext,
    ) -> Result<Value, ArmError> {
        self.write(Method::Put, id, api_version, body, ctx).await
    }

    /// PATCH a resource; like [`ArmClient::put`].
    pub async fn patch(
        &self,
        id: &str,
        api_version: &str,
        body: &Value,
        ctx: &OpContext,
    ) -> Result<Value, ArmError> {
        self.write(Method::Patch, id, api_version, body, ctx).await
    }

    async fn write(
        &self,
        method: Method,
        id: &str,
        api_version: &str,
        body: &Value,
        ctx: &OpContext,
    ) -> Result<Value, ArmError> {
        let op = self.op(id, ctx);
        let url = self.url(id, api_version)?;
        let expect = Expect {
            parent_may_lag: true,
            ..Default::default()
        };
        let first = self.execute(method, &url, Some(body), expect, &op).await?;
        if !first.is_success() {
            return Err(first.into_error(method, id));
        }
        self.follow(&first, &op, LroKind::Write).await?;
        let settled = self
            .read_settled(id, api_version, &op, true)
            .await?
            .ok_or_else(|| ArmError::InvalidResponse {
                resource: id.to_string(),
                message: "the resource was not found after it was written".to_string(),
            })?;
        match provisioning_state(&settled) {
            Some(s) if s.eq_ignore_ascii_case("failed") || s.eq_ignore_ascii_case("canceled") => {
                Err(ArmError::OperationFailed {
                    resource: id.to_string(),
                    status: if s.eq_ignore_ascii_case("failed") {
                        OperationStatus::Failed
                    } else {
                        OperationStatus::Canceled
                    },
                    code: format!("ProvisioningState{s}"),
                    message: format!("the resource's provisioningState is {s} after the {method}"),
                    target: None,
                    details: Vec::new(),
                    request_id: None,
                })
            }
            _ => Ok(settled),
        }
    }

    /// DELETE a resource and follow the operation to the end.
    pub async fn delete(
        &self,
        id: &str,
        api_version: &str,
        ctx: &OpContext,
    ) -> Result<DeleteOutcome, ArmError> {
        let op = self.op(id, ctx);
        let url = self.url(id, api_version)?;
        let first = self
            .execute(Method::Delete, &url, None, Expect::default(), &op)
            .await?;
        match first.status {
            404 | 204 => Ok(DeleteOutcome::AlreadyGone),
            _ if first.is_success() => {
                self.follow(&first, &op, LroKind::Delete).await?;
                Ok(DeleteOutcome::Deleted)
            }
            _ => Err(first.into_error(Method::Delete, id)),
        }
    }

    /// POST an action (`{id}/listSecrets`, `{id}/sharedKeys`) and return its result body
    /// (`Null` when it has none). A 202 is followed to the result.
    pub async fn post(
        &self,
        id_with_action: &str,
        api_version: &str,
        body: Option<&Value>,
    ) -> Result<Value, ArmError> {
        let ctx = self.default_ctx().clone();
        let op = self.op(id_with_action, &ctx);
        let url = self.url(id_with_action, api_version)?;
        let first = self
            .execute(Method::Post, &url, body, Expect::default(), &op)
            .await?;
        if !first.is_success() {
            return Err(first.into_error(Method::Post, id_with_action));
        }
        if first.status == 202 {
            if let Some(done) = self.follow(&first, &op, LroKind::Action).await? {
                return Ok(done.body);
            }
        }
        Ok(first.body)
    }

    /// Waits for a resource found in a non-terminal `provisioningState` (`Creating`,
    /// `Updating`, `Deleting`...) to settle, polling GET; returns its final body, or `None`
    /// when it is gone. A re-run that finds an interrupted create uses this instead of a
    /// second PUT. The per-type time limit applies.
    pub async fn wait_until_settled(
        &self,
        id: &str,
        api_version: &str,
        ctx: &OpContext,
    ) -> Result<Option<Value>, ArmError> {
        let op = self.op(id, ctx);
        self.read_settled(id, api_version, &op, false).await
    }
}
