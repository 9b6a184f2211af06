//! The manufacturing loaders: rows by id and children by parent, for the resolvers of lists.

use super::*;

impl_by_id!(machine, production_job, tool);

macro_rules! by_machine {
    ($($m:ident => $order:expr),* $(,)?) => {$(
        impl ByParent for entity::$m::Entity {
            fn parent_column() -> Self::Column {
                entity::$m::Column::MachineId
            }
            fn parent_of(m: &Self::Model) -> Option<i64> {
                Some(m.machine_id)
            }
            fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
                q.order_by_asc($order)
            }
        }
    )*};
}

by_machine!(
    machine_material => machine_material::Column::Material,
    machine_system => machine_system::Column::SystemId,
    machine_shift => machine_shift::Column::Weekday,
    machine_downtime => machine_downtime::Column::StartsAt,
);

impl ByParent for tool::Entity {
    fn parent_column() -> Self::Column {
        tool::Column::MachineId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        m.machine_id
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(tool::Column::Code)
    }
}

impl ByParent for job_material::Entity {
    fn parent_column() -> Self::Column {
        job_material::Column::JobId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.job_id)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(job_material::Column::Id)
    }
}

impl ByParent for job_tool::Entity {
    fn parent_column() -> Self::Column {
        job_tool::Column::JobId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.job_id)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(job_tool::Column::ToolId)
    }
}

/// Jobs by the lot they made (at most one each).
impl ByParent for production_job::Entity {
    fn parent_column() -> Self::Column {
        production_job::Column::FinishedLotId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        m.finished_lot_id
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(production_job::Column::Id)
    }
}

/// Genealogy edges by child lot: what a lot was made from.
impl ByParent for lot_genealogy::Entity {
    fn parent_column() -> Self::Column {
        lot_genealogy::Column::ChildLotId
    }
    fn parent_of(m: &Self::Model) -> Option<i64> {
        Some(m.child_lot_id)
    }
    fn order(q: sea_orm::Select<Self>) -> sea_orm::Select<Self> {
        q.order_by_asc(lot_genealogy::Column::ParentLotId)
    }
}

/// Genealogy edges by parent lot: what a lot went into.
pub struct UsedInLoader(pub(crate) DatabaseConnection);

impl Loader<i64> for UsedInLoader {
    type Value = Vec<lot_genealogy::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = lot_genealogy::Entity::find()
            .filter(lot_genealogy::Column::ParentLotId.is_in(keys.iter().copied()))
            .order_by_asc(lot_genealogy::Column::ChildLotId)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i64, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for r in rows {
            out.entry(r.parent_lot_id).or_default().push(r);
        }
        Ok(out)
    }
}

/// Registers the manufacturing loaders on a request.
pub fn attach_loaders(
    r: async_graphql::Request,
    db: &DatabaseConnection,
    q: &BatchQueue,
) -> async_graphql::Request {
    r.data(loaders::by_id::<machine::Entity>(db, q))
        .data(loaders::by_id::<production_job::Entity>(db, q))
        .data(loaders::by_id::<tool::Entity>(db, q))
        .data(loaders::by_parent::<machine_material::Entity>(db, q))
        .data(loaders::by_parent::<machine_system::Entity>(db, q))
        .data(loaders::by_parent::<machine_shift::Entity>(db, q))
        .data(loaders::by_parent::<machine_downtime::Entity>(db, q))
        .data(loaders::by_parent::<tool::Entity>(db, q))
        .data(loaders::by_parent::<job_material::Entity>(db, q))
        .data(loaders::by_parent::<job_tool::Entity>(db, q))
        .data(loaders::by_parent::<production_job::Entity>(db, q))
        .data(loaders::by_parent::<lot_genealogy::Entity>(db, q))
        .data(
            DataLoader::new(UsedInLoader(db.clone()), q.spawner()).delay(std::time::Duration::ZERO),
        )
}

pub(crate) async fn children<E: ByParent>(
    ctx: &Context<'_>,
    parent: i64,
) -> async_graphql::Result<Vec<E::Model>>
where
    E::Model: Sync,
{
    let loader = ctx.data::<DataLoader<ByParentLoader<E>>>()?;
    Ok(loader
        .load_one(parent)
        .await
        .map_err(loader_error)?
        .unwrap_or_default())
}

/// The job that made a lot (through a loader), for the inventory `Lot` type.
pub async fn produced_by(
    ctx: &Context<'_>,
    lot_id: i64,
) -> async_graphql::Result<Option<ProductionJob>> {
    Ok(children::<production_job::Entity>(ctx, lot_id)
        .await?
        .into_iter()
        .next()
        .map(ProductionJob))
}

/// The lots a lot was made from (through a loader).
pub async fn made_from(
    ctx: &Context<'_>,
    lot_id: i64,
) -> async_graphql::Result<Vec<GenealogyLink>> {
    Ok(children::<lot_genealogy::Entity>(ctx, lot_id)
        .await?
        .into_iter()
        .map(|e| GenealogyLink { edge: e, up: true })
        .collect())
}

/// The lots a lot went into (through a loader).
pub async fn used_in(ctx: &Context<'_>, lot_id: i64) -> async_graphql::Result<Vec<GenealogyLink>> {
    let loader = ctx.data::<DataLoader<UsedInLoader>>()?;
    Ok(loader
        .load_one(lot_id)
        .await
        .map_err(loader_error)?
        .unwrap_or_default()
        .into_iter()
        .map(|e| GenealogyLink { edge: e, up: false })
        .collect())
}
