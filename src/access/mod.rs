//! Access control and accountability: users with roles, bearer tokens stored
//! only as hashes, one permission matrix checked before any work is done, an
//! append-only audit trail of every mutation, and idempotency keys.

pub mod audit;
pub mod auth_cache;
pub mod epoch;
pub mod graphql;
pub mod guard;
pub mod idempotency;
pub mod permissions;
pub mod roles;
pub mod service;
pub mod session;

pub use roles::Role;

/// The stored hash of a secret (an API token, a session id): SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// Who is calling, as established from the `Authorization` header.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No credentials were sent.
    Anonymous,
    /// Credentials were sent but are not valid; the reason is told to the caller.
    Invalid(String),
    /// A valid token or console session of an active user.
    User(Principal),
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Row id of the user.
    pub user_id: i64,
    /// The user's name.
    pub name: String,
    /// The user's roles.
    pub roles: Vec<Role>,
    /// Row id of the token used; none for a console session.
    pub token_id: Option<i64>,
}

impl Caller {
    /// The principal, when authenticated.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::User(p) => Some(p),
            _ => None,
        }
    }
}

/// The id of one HTTP request, in logs, audit rows and internal errors.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    /// A new random id.
    pub fn new() -> Self {
        use rand::Rng;
        RequestId(format!("{:016x}", rand::rng().random::<u64>()))
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

/// Who changes something, as the ledger, the audit trail and every record
/// written by a service name them.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user's row id; none for the system (seeds, CLI).
    pub user_id: Option<i64>,
    /// The user's name (or `system`).
    pub name: String,
    /// The idempotency key of the request making the change, if it gave
    /// one. The guard claims it and replays results
    /// ([`crate::access::idempotency`]); the ledger records it on every
    /// movement the request writes.
    pub idempotency_key: Option<String>,
}

impl Actor {
    /// The system itself (seeds, command line).
    pub fn system() -> Self {
        Actor {
            user_id: None,
            name: "system".into(),
            idempotency_key: None,
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Actor {
            user_id: Some(p.user_id),
            name: p.name.clone(),
            idempotency_key: None,
        }
    }
}
