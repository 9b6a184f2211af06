//! A person or system that calls the API, with one or more roles.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// Comma-separated role names, e.g. `QUALITY,WAREHOUSE`.
    pub roles: String,
    /// An inactive user's tokens are refused.
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The console password's argon2id hash (PHC string); none: cannot sign in.
    pub password_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
