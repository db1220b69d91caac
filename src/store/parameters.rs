//! The policy-parameter ledger: what a policy is worth over time, and which issue moved it.

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::Serialize;

use super::{AuditEvent, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ParameterRow {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// e.g. "yuan per child per month".
    pub unit: String,
    pub area_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ValueRow {
    pub id: i64,
    pub parameter_id: i64,
    pub value: f64,
    /// In force from this date until the next value's.
    pub valid_from: NaiveDate,
    /// The issue that won this change.
    pub issue_id: Option<i64>,
    pub beneficiaries: Option<i64>,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct NewParameter {
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    pub area_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewValue {
    pub parameter_id: i64,
    pub value: f64,
    pub valid_from: NaiveDate,
    pub issue_id: Option<i64>,
    pub beneficiaries: Option<i64>,
    pub source: String,
}

#[async_trait]
pub trait ParameterStore: Send + Sync {
    async fn list_parameters(&self) -> StoreResult<Vec<ParameterRow>>;
    async fn get_parameter(&self, id: i64) -> StoreResult<Option<ParameterRow>>;
    /// `Conflict` if the Chinese name is taken.
    async fn create_parameter(&self, p: &NewParameter, audit: &AuditEvent) -> StoreResult<i64>;
    /// `Conflict` if the parameter already has a value from that date.
    async fn add_parameter_value(&self, v: &NewValue, audit: &AuditEvent) -> StoreResult<i64>;
    /// Oldest first.
    async fn parameter_values(&self, parameter_id: i64) -> StoreResult<Vec<ValueRow>>;
    /// Every value of every parameter, by parameter and then oldest first.
    async fn all_parameter_values(&self) -> StoreResult<Vec<ValueRow>>;
    /// Every value of every parameter that an issue changed, with the parameters' full
    /// histories (to show before and after).
    async fn issue_outcomes(
        &self,
        issue_id: i64,
    ) -> StoreResult<Vec<(ParameterRow, Vec<ValueRow>)>>;
}

pub(crate) const VALUE_SELECT: &str = "SELECT id, parameter_id, value, valid_from, issue_id, beneficiaries, source FROM parameter_values";

macro_rules! impl_parameter_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::parameters::ParameterStore for $store {
            async fn list_parameters(&self) -> $crate::store::StoreResult<Vec<$crate::store::parameters::ParameterRow>> {
                Ok(sqlx::query_as("SELECT id, name_zh, name_en, unit, area_id FROM policy_parameters ORDER BY name_zh")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn get_parameter(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::parameters::ParameterRow>> {
                Ok(sqlx::query_as("SELECT id, name_zh, name_en, unit, area_id FROM policy_parameters WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn create_parameter(
                &self,
                p: &$crate::store::parameters::NewParameter,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO policy_parameters (name_zh, name_en, unit, area_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&p.name_zh)
                .bind(&p.name_en)
                .bind(&p.unit)
                .bind(p.area_id)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn add_parameter_value(
                &self,
                v: &$crate::store::parameters::NewValue,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO parameter_values (parameter_id, value, valid_from, issue_id, beneficiaries, source, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(v.parameter_id)
                .bind(v.value)
                .bind(v.valid_from)
                .bind(v.issue_id)
                .bind(v.beneficiaries)
                .bind(&v.source)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                // On the issue's timeline when an issue won it, else on the parameter's.
                $crate::store::accounts::insert_audit!(&mut *tx, audit, v.issue_id.or(Some(v.parameter_id)))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn all_parameter_values(&self) -> $crate::store::StoreResult<Vec<$crate::store::parameters::ValueRow>> {
                Ok(sqlx::query_as(&format!("{} ORDER BY parameter_id, valid_from", $crate::store::parameters::VALUE_SELECT))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn parameter_values(&self, parameter_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::parameters::ValueRow>> {
                Ok(sqlx::query_as(&format!(
                    "{} WHERE parameter_id = $1 ORDER BY valid_from",
                    $crate::store::parameters::VALUE_SELECT_PUB
                ))
                .bind(parameter_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn issue_outcomes(
                &self,
                issue_id: i64,
            ) -> $crate::store::StoreResult<Vec<($crate::store::parameters::ParameterRow, Vec<$crate::store::parameters::ValueRow>)>> {
                let params: Vec<$crate::store::parameters::ParameterRow> = sqlx::query_as(
                    "SELECT id, name_zh, name_en, unit, area_id FROM policy_parameters WHERE id IN \
                     (SELECT parameter_id FROM parameter_values WHERE issue_id = $1) ORDER BY name_zh",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::new();
                for p in params {
                    let values = self.parameter_values(p.id).await?;
                    out.push((p, values));
                }
                Ok(out)
            }
        }
    };
}
pub(crate) use impl_parameter_store;

/// The value select, for the macro.
pub const VALUE_SELECT_PUB: &str = VALUE_SELECT;

/// Before and after for each change an issue won: (previous value, the new one).
pub fn changes_won(issue_id: i64, values: &[ValueRow]) -> Vec<(Option<&ValueRow>, &ValueRow)> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.issue_id == Some(issue_id))
        .map(|(i, v)| (i.checked_sub(1).map(|p| &values[p]), v))
        .collect()
}

/// The value in force on `date`, if any.
pub fn value_on(values: &[ValueRow], date: NaiveDate) -> Option<&ValueRow> {
    values.iter().rev().find(|v| v.valid_from <= date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: i64, value: f64, from: &str, issue: Option<i64>) -> ValueRow {
        ValueRow {
            id,
            parameter_id: 1,
            value,
            valid_from: NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap(),
            issue_id: issue,
            beneficiaries: None,
            source: String::new(),
        }
    }

    #[test]
    fn before_and_after_come_from_the_history() {
        let values = vec![
            v(1, 800.0, "2019-01-01", None),
            v(2, 2000.0, "2026-07-01", Some(7)),
        ];
        let won = changes_won(7, &values);
        assert_eq!(won.len(), 1);
        assert_eq!(won[0].0.map(|b| b.value), Some(800.0));
        assert_eq!(won[0].1.value, 2000.0);
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            value_on(&values, d("2026-06-30")).map(|x| x.value),
            Some(800.0)
        );
        assert_eq!(
            value_on(&values, d("2026-07-01")).map(|x| x.value),
            Some(2000.0)
        );
        assert!(value_on(&values, d("2018-12-31")).is_none());
    }
}
