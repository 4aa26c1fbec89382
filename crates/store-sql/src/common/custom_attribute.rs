//! Custom attribute definitions.

use super::*;

#[async_trait]
impl CustomAttributeTx for SqlTx {
    async fn list_attribute_definitions(
        &mut self,
        account_id: i64,
        model: Option<i16>,
        limit: i64,
    ) -> StoreResult<Vec<AttributeDefinition>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            attribute_definition_cols!(),
            " FROM custom_attribute_definitions WHERE account_id = $1 \
             AND ($2 IS NULL OR attribute_model = $2) ORDER BY id LIMIT $3"
        ))
        .bind(account_id)
        .bind(model)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AttributeDefinition>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            attribute_definition_cols!(),
            " FROM custom_attribute_definitions WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn count_attribute_definitions(&mut self, account_id: i64, model: i16) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM custom_attribute_definitions WHERE account_id = $1 AND attribute_model = $2",
        )
        .bind(account_id)
        .bind(model)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn insert_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<AttributeDefinition> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO custom_attribute_definitions (account_id, attribute_model, attribute_key, \
             attribute_display_name, attribute_display_type, attribute_description, attribute_values, \
             regex_pattern, regex_cue, default_value, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
            attribute_definition_cols!()
        ))
        .bind(d.account_id)
        .bind(d.attribute_model)
        .bind(&d.attribute_key)
        .bind(&d.attribute_display_name)
        .bind(d.attribute_display_type)
        .bind(&d.attribute_description)
        .bind(Json(&d.attribute_values))
        .bind(&d.regex_pattern)
        .bind(&d.regex_cue)
        .bind(Json(&d.default_value))
        .bind(d.created_at)
        .bind(d.updated_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn update_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<()> {
        sqlx::query(
            "UPDATE custom_attribute_definitions SET attribute_model = $3, attribute_key = $4, \
             attribute_display_name = $5, attribute_display_type = $6, attribute_description = $7, \
             attribute_values = $8, regex_pattern = $9, regex_cue = $10, default_value = $11, updated_at = $12 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(d.account_id)
        .bind(d.id)
        .bind(d.attribute_model)
        .bind(&d.attribute_key)
        .bind(&d.attribute_display_name)
        .bind(d.attribute_display_type)
        .bind(&d.attribute_description)
        .bind(Json(&d.attribute_values))
        .bind(&d.regex_pattern)
        .bind(&d.regex_cue)
        .bind(Json(&d.default_value))
        .bind(d.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM custom_attribute_definitions WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
