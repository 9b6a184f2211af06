//! DataLoaders: every relation reached from a list is batched into one query
//! per level, so the number of SQL statements does not grow with page size.
//!
//! Loaders are made per request (see [`super::batch`]): they batch within a
//! request, with no time window, and never serve rows across requests. The
//! by-id loaders cache within the request, so a row reached on two paths is
//! read once, and resolvers may feed rows they already hold.

use std::{collections::HashMap, marker::PhantomData, sync::Arc, time::Duration};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Select};

use super::batch::BatchQueue;

/// A table whose rows are loaded by their `i64` id.
pub trait ById: EntityTrait {
    /// The id column.
    fn id_column() -> Self::Column;
    /// A row's id.
    fn id_of(m: &Self::Model) -> i64;
}

/// A table whose rows are grouped under a parent id (a has-many relation).
pub trait ByParent: EntityTrait {
    /// The column holding the parent's id.
    fn parent_column() -> Self::Column;
    /// A row's parent id; none when the row has no parent (it is then
    /// nobody's child).
    fn parent_of(m: &Self::Model) -> Option<i64>;
    /// Order of children within a parent.
    fn order(q: Select<Self>) -> Select<Self>;
}

/// Loads rows of `E` by id.
pub struct ByIdLoader<E> {
    db: DatabaseConnection,
    _e: PhantomData<fn() -> E>,
}

/// Loads the rows of `E` belonging to each parent id.
pub struct ByParentLoader<E> {
    db: DatabaseConnection,
    _e: PhantomData<fn() -> E>,
}

impl<E: ById> Loader<i64> for ByIdLoader<E>
where
    E::Model: Sync,
{
    type Value = E::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = E::find()
            .filter(E::id_column().is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| (E::id_of(&m), m)).collect())
    }
}

impl<E: ByParent> Loader<i64> for ByParentLoader<E>
where
    E::Model: Sync,
{
    type Value = Vec<E::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = E::order(E::find().filter(E::parent_column().is_in(keys.iter().copied())))
            .all(&self.db)
            .await?;
        let mut out: HashMap<i64, Vec<E::Model>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for m in rows {
            if let Some(parent) = E::parent_of(&m) {
                out.entry(parent).or_default().push(m);
            }
        }
        Ok(out)
    }
}

/// Builds the loader for rows of `E` by id.
pub fn by_id<E: ById>(
    db: &DatabaseConnection,
    queue: &BatchQueue,
) -> DataLoader<ByIdLoader<E>, HashMapCache>
where
    E::Model: Sync,
{
    DataLoader::with_cache(
        ByIdLoader {
            db: db.clone(),
            _e: PhantomData,
        },
        queue.spawner(),
        HashMapCache::default(),
    )
    .delay(Duration::ZERO)
    .max_batch_size(MAX_BATCH)
}

/// Builds the loader for children of `E` by parent id.
pub fn by_parent<E: ByParent>(
    db: &DatabaseConnection,
    queue: &BatchQueue,
) -> DataLoader<ByParentLoader<E>>
where
    E::Model: Sync,
{
    DataLoader::new(
        ByParentLoader {
            db: db.clone(),
            _e: PhantomData,
        },
        queue.spawner(),
    )
    .delay(Duration::ZERO)
    .max_batch_size(MAX_BATCH)
}

/// Keys per batch query: above the largest page, under both stores'
/// bind-parameter limits.
const MAX_BATCH: usize = 5_000;

/// Implements [`ById`] for an entity with an `id` column.
#[macro_export]
macro_rules! impl_by_id {
    ($($m:ident),* $(,)?) => {$(
        impl $crate::graphql::loaders::ById for entity::$m::Entity {
            fn id_column() -> Self::Column {
                entity::$m::Column::Id
            }
            fn id_of(m: &Self::Model) -> i64 {
                m.id
            }
        }
    )*};
}

/// One row by id through the request's loader; it must exist.
pub async fn load<E: ById>(
    ctx: &async_graphql::Context<'_>,
    id: i64,
    what: &str,
) -> async_graphql::Result<E::Model>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByIdLoader<E>, HashMapCache>>()?;
    required(loader.load_one(id).await.map_err(loader_error)?, what, id)
}

/// The error a resolver returns when a loader fails.
pub fn loader_error(e: Arc<DbErr>) -> async_graphql::Error {
    crate::error::AppError::Internal(format!("loader: {e}")).into()
}

/// A loaded row that must exist (guarded by a foreign key).
pub fn required<T>(v: Option<T>, what: &str, id: i64) -> async_graphql::Result<T> {
    v.ok_or_else(|| {
        crate::error::AppError::Internal(format!("{what} {id} missing behind a foreign key")).into()
    })
}
