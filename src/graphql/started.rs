//! Whether a request reached execution. Over HTTP a response to a request
//! refused before execution (parsing, validation, variables, access, input
//! checks) has no `data` entry and a 4xx status; one that ran has `data`
//! (the GraphQL-over-HTTP specification's distinction). The extension is
//! registered last, so its hook runs only once every other check passed.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    Response,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};

/// Put into a request's data; set once its operation starts executing.
#[derive(Clone, Default)]
pub struct Started(Arc<AtomicBool>);

impl Started {
    /// Whether the operation started executing.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The extension factory to register last on the schema.
pub struct MarkStarted;

impl ExtensionFactory for MarkStarted {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MarkStartedExtension)
    }
}

struct MarkStartedExtension;

#[async_trait::async_trait]
impl Extension for MarkStartedExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(s) = ctx.data_opt::<Started>() {
            s.0.store(true, Ordering::SeqCst);
        }
        next.run(ctx, operation_name).await
    }
}
