//! Teams and their members.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait TeamTx: Send {
    async fn insert_team(&mut self, t: &Team) -> StoreResult<Team>;

    async fn get_team(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Team>>;

    async fn list_teams(&mut self, account_id: i64) -> StoreResult<Vec<Team>>;

    async fn update_team(&mut self, t: &Team) -> StoreResult<()>;

    async fn delete_team(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    async fn list_team_members(&mut self, team_id: i64) -> StoreResult<Vec<i64>>;

    async fn add_team_members(&mut self, team_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()>;

    async fn remove_team_members(&mut self, team_id: i64, user_ids: &[i64]) -> StoreResult<()>;

    async fn user_team_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>>;
}
