//! The `Node` interface and `node(id:)`: any object with a global id can be
//! fetched again by that id.

use async_graphql::{Context, ID, Interface, Object};

use crate::catalog::graphql::{AbutmentSku, ImplantSystem, Manufacturer, Platform};
use crate::catalog::service;
use crate::error::AppError;
use crate::graphql::{db, ids};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id; pass it to `node(id:)`."
))]
pub enum Node {
    /// An implant maker.
    Manufacturer(Manufacturer),
    /// An implant system.
    ImplantSystem(ImplantSystem),
    /// A platform of an implant system.
    Platform(Platform),
    /// One of our abutment SKUs.
    AbutmentSku(AbutmentSku),
}

/// Root queries for global ids.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when it no longer exists.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id from any object's `id` field.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let db = db(ctx)?;
        let (kind, n) = ids::decode_any(&id, "id")?;
        let node = match kind.as_str() {
            "Manufacturer" => service::manufacturer(db, n)
                .await?
                .map(|m| Node::Manufacturer(m.into())),
            "ImplantSystem" => service::system(db, n)
                .await?
                .map(|m| Node::ImplantSystem(m.into())),
            "Platform" => service::platform(db, n)
                .await?
                .map(|m| Node::Platform(m.into())),
            "AbutmentSku" => service::sku(db, n)
                .await?
                .map(|m| Node::AbutmentSku(m.into())),
            other => {
                return Err(
                    AppError::bad_input("id", format!("unknown object type `{other}`")).into(),
                );
            }
        };
        Ok(node)
    }
}
