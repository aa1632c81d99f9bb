//! The pairing checks of concurrent bid submissions, batched.
//!
//! Checking a key ciphertext costs two Miller loops and a final
//! exponentiation. Submissions that arrive while earlier checks run wait in
//! a queue and are then checked together ([`all_valid`]): one final
//! exponentiation and one Miller loop fewer per envelope. No submission waits
//! for a batch to fill: a lone submission is checked at once, and batches
//! only form while the checker's workers are busy.

use std::sync::Arc;

use sealbid_crypto::opening::{CiphertextCheck, all_valid};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// At most this many ciphertexts in one batch.
const MAX_BATCH: usize = 64;

type Job = (CiphertextCheck, oneshot::Sender<bool>);

/// A handle to the batching checker; cheap to clone.
#[derive(Debug, Clone)]
pub struct CiphertextChecker {
    queue: mpsc::UnboundedSender<Job>,
}

impl CiphertextChecker {
    /// Starts the checker on the current tokio runtime with `workers`
    /// batches in flight at most (one per core is right).
    pub fn start(workers: usize) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(run(jobs, Arc::new(Semaphore::new(workers.max(1)))));
        Self { queue }
    }

    /// Whether `check`'s ciphertext is valid (`e(g1, W) == e(U, H(U, V))`).
    pub async fn is_valid(&self, check: CiphertextCheck) -> anyhow::Result<bool> {
        let (reply, verdict) = oneshot::channel();
        self.queue.send((check, reply)).map_err(|_| anyhow::anyhow!("the ciphertext checker has stopped"))?;
        verdict.await.map_err(|_| anyhow::anyhow!("the ciphertext checker dropped a check"))
    }
}

/// Takes a worker, then every queued job (up to [`MAX_BATCH`]), and checks them together.
async fn run(mut jobs: mpsc::UnboundedReceiver<Job>, workers: Arc<Semaphore>) {
    while let Some(first) = jobs.recv().await {
        let Ok(worker) = workers.clone().acquire_owned().await else { return };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        tokio::task::spawn_blocking(move || {
            let checks: Vec<&CiphertextCheck> = batch.iter().map(|(c, _)| c).collect();
            let verdicts = all_valid(&checks);
            for ((_, reply), ok) in batch.into_iter().zip(verdicts) {
                // A submitter that went away no longer needs its verdict.
                let _ = reply.send(ok);
            }
            drop(worker);
        });
    }
}
