//! Keyset paging for services: a page is "the `limit` rows after (or
//! before) this sort key", never an offset, so rows written between two
//! pages neither repeat nor go missing. Every list orders by columns that end
//! in a unique one (the id), so the order is total and ties are broken the
//! same way on SQLite and PostgreSQL.
//!
//! The GraphQL layer turns `first`/`after`/`last`/`before` into a [`Page`]
//! and keys back into opaque cursors; services only see this module.

use sea_orm::{
    Condition, Order, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{ColumnRef, Expr, ExprTrait, IntoColumnRef},
};
use serde::{Deserialize, Serialize};

/// One value of a sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyVal {
    /// An integer column.
    I(i64),
    /// A text (or text enum) column.
    S(String),
    /// A boolean column.
    B(bool),
    /// A timestamp column.
    T(chrono::DateTime<chrono::Utc>),
    /// A date column.
    D(chrono::NaiveDate),
}

impl KeyVal {
    fn expr(&self) -> Expr {
        match self {
            KeyVal::I(n) => Expr::val(*n),
            KeyVal::S(s) => Expr::val(s.clone()),
            KeyVal::B(b) => Expr::val(*b),
            KeyVal::T(t) => Expr::val(*t),
            KeyVal::D(d) => Expr::val(*d),
        }
    }
}

/// A sort key: the values of a row's order columns.
pub type Key = Vec<KeyVal>;

/// Which way a list is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the start of the list (`first`/`after`).
    Forward,
    /// From the end of the list (`last`/`before`).
    Backward,
}

/// One page of a list: how many rows, from where, which way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Rows wanted.
    pub limit: u64,
    /// Which way the page is taken.
    pub direction: Direction,
    /// Only rows after this key (in list order).
    pub after: Option<Key>,
    /// Only rows before this key (in list order).
    pub before: Option<Key>,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u64) -> Self {
        Page {
            limit,
            direction: Direction::Forward,
            after: None,
            before: None,
        }
    }

    /// Restricts, orders and limits a query for this page. `order` lists the
    /// list's order columns (ending in a unique one) with their direction;
    /// the query fetches one extra row to tell whether more follow.
    pub fn apply<Q>(&self, mut q: Q, order: &[(ColumnRef, Order)]) -> Q
    where
        Q: QueryFilter + QueryOrder + QuerySelect,
    {
        if let Some(k) = &self.after {
            q = q.filter(beyond(order, k, true));
        }
        if let Some(k) = &self.before {
            q = q.filter(beyond(order, k, false));
        }
        for (c, o) in order {
            let o = match (self.direction, o) {
                (Direction::Forward, o) => o.clone(),
                (Direction::Backward, Order::Asc) => Order::Desc,
                (Direction::Backward, _) => Order::Asc,
            };
            q = q.order_by(Expr::col(c.clone()), o);
        }
        q.limit(self.limit + 1)
    }

    /// Runs a list query for this page: the page's rows (one extra, for
    /// [`Page::finish`]) and how many rows the whole list has.
    pub async fn fetch<E, C>(
        &self,
        db: &C,
        q: sea_orm::Select<E>,
        order: &[(ColumnRef, Order)],
    ) -> Result<(Vec<E::Model>, u64), sea_orm::DbErr>
    where
        E: sea_orm::EntityTrait,
        E::Model: Sync,
        C: sea_orm::ConnectionTrait,
    {
        use sea_orm::PaginatorTrait;
        let total = q.clone().count(db).await?;
        Ok((self.apply(q, order).all(db).await?, total))
    }

    /// Puts fetched rows (one extra allowed) into list order and says
    /// whether more rows lie beyond the page in the walking direction.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        if self.direction == Direction::Backward {
            rows.reverse();
        }
        (rows, more)
    }
}

/// Rows strictly after (`after = true`) or before `key` in the order:
/// `(a > x) OR (a = x AND b > y) OR …`, each comparison turned for a
/// descending column.
fn beyond(order: &[(ColumnRef, Order)], key: &Key, after: bool) -> Condition {
    let mut any = Condition::any();
    for i in 0..order.len().min(key.len()) {
        let mut all = Condition::all();
        for j in 0..i {
            all = all.add(Expr::col(order[j].0.clone()).eq(key[j].expr()));
        }
        let (c, o) = &order[i];
        let greater = matches!(o, Order::Asc) == after;
        let col = Expr::col(c.clone());
        all = all.add(if greater {
            col.gt(key[i].expr())
        } else {
            col.lt(key[i].expr())
        });
        any = any.add(all);
    }
    any
}

/// A table-qualified order column.
pub fn col<T: IntoColumnRef>(c: T) -> ColumnRef {
    c.into_column_ref()
}
