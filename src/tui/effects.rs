//! What `update()` asks for, and the runner that does it in the background.

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use super::state::{Banner, Msg};
use crate::inventory::InventoryCache;
use crate::sync::{self, SyncRequest};

/// A side effect requested by `update()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Read the organization from AWS (or the demo) and replace the shown inventory.
    Sync,
    Quit,
}

/// Where synced data comes from.
#[derive(Clone, Debug)]
pub enum Source {
    Demo,
    Aws {
        request: SyncRequest,
        cache: InventoryCache,
    },
}

/// Executes effects; results come back to `update()` as messages.
pub struct Runner {
    pub source: Source,
    pub tx: UnboundedSender<Msg>,
    pub clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
}

impl Runner {
    pub fn run(&self, effect: &Effect) {
        match effect {
            Effect::Sync => self.sync(),
            Effect::Quit => {}
        }
    }

    fn sync(&self) {
        let tx = self.tx.clone();
        let clock = self.clock.clone();
        match &self.source {
            Source::Demo => {
                let inv = crate::demo::inventory(clock());
                let _ = tx.send(Msg::SyncFinished(Ok(Box::new(inv))));
                let _ = tx.send(Msg::Banner(Banner::info(
                    "demo organization: nothing is sent to AWS",
                )));
            }
            Source::Aws { request, cache } => {
                let (request, cache) = (request.clone(), cache.clone());
                tokio::spawn(async move {
                    let progress_tx = tx.clone();
                    let progress = move |p| {
                        let _ = progress_tx.send(Msg::SyncProgress(p));
                    };
                    let result = sync::run(&request, || clock(), &progress).await;
                    let msg = match result {
                        Ok((inv, _stats)) => {
                            if let Err(e) = cache.store(&inv) {
                                tracing::warn!(error = %e, "cache write failed");
                                let _ = tx.send(Msg::Banner(Banner::warning(e.to_string())));
                            }
                            Msg::SyncFinished(Ok(Box::new(inv)))
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "sync failed");
                            Msg::SyncFinished(Err(e.to_string()))
                        }
                    };
                    let _ = tx.send(msg);
                });
            }
        }
    }
}
