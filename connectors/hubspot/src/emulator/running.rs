//! [`RunningEmulator`]: the listening server and the handle tests steer it with.
//!
//! The server runs its own HTTP/1 accept loop on hyper instead of `axum::serve` so that a
//! dropped-connection fault can close the socket without writing a single byte: when the
//! router marks a response with `DropConnection`, the connection service returns an error and
//! hyper tears the connection down, which clients see as a reset / incomplete message.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use super::config::{Faults, Limits};
use super::http::router;
use super::log::LoggedRequest;
use super::pipeline::DropConnection;
use super::state::EmulatorState;
use super::store::Record;
use super::{EmulatorError, Result};

/// Error returned to hyper to abort a connection on purpose.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedByFault;

/// A listening emulator. Dropping it stops the server; [`RunningEmulator::shutdown`] also
/// waits for it.
#[derive(Debug)]
pub struct RunningEmulator {
    /// `http://127.0.0.1:<port>`: the value to use instead of `https://api.hubapi.com`.
    pub base_url: String,
    /// The bound socket address.
    pub addr: SocketAddr,
    state: EmulatorState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    pub(crate) async fn start(state: EmulatorState, addr: SocketAddr) -> Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel();
        let app = router(state.clone());
        let task = tokio::spawn(accept_loop(listener, app, stopped));
        Ok(Self {
            base_url: format!("http://{local}"),
            addr: local,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The shared state (also usable with [`crate::emulator::router`]).
    pub fn state(&self) -> &EmulatorState {
        &self.state
    }

    /// Every logged API call, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.state.request_log()
    }

    /// Forgets the logged calls.
    pub fn clear_request_log(&self) {
        self.state.clear_request_log();
    }

    /// Replaces the faults and reseeds the fault generator.
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// Replaces the rate limits.
    pub fn set_limits(&self, limits: Limits) {
        self.state.set_limits(limits);
    }

    /// Empties the rate-limit windows and restores the daily quota.
    pub fn reset_rate_limits(&self) {
        self.state.reset_rate_limits();
    }

    /// Makes every issued OAuth access token expire now.
    pub fn expire_access_tokens(&self) {
        self.state.expire_access_tokens();
    }

    /// Simulates a user creating a record in HubSpot.
    pub fn create<K: Into<String>, V: Into<String>>(
        &self,
        object: &str,
        props: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Record> {
        self.state.create(object, props)
    }

    /// Simulates a user edit: values change and the modification date moves.
    pub fn edit<K: Into<String>, V: Into<String>>(
        &self,
        object: &str,
        id: &str,
        props: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Record> {
        self.state.edit(object, id, props)
    }

    /// Edits several records stamping them all with `timestamp`.
    pub fn edit_at<K: Into<String>, V: Into<String>>(
        &self,
        object: &str,
        ids: &[&str],
        props: impl IntoIterator<Item = (K, V)>,
        timestamp: DateTime<Utc>,
    ) -> Result<Vec<Record>> {
        self.state.edit_at(object, ids, props, timestamp)
    }

    /// Archives a live record.
    pub fn archive(&self, object: &str, id: &str) -> Result<()> {
        self.state.archive(object, id)
    }

    /// A record by id, live or archived.
    pub fn record(&self, object: &str, id: &str) -> Option<Record> {
        self.state.record(object, id)
    }

    /// Number of live records of `object`.
    pub fn count(&self, object: &str) -> usize {
        self.state.count(object)
    }

    /// Every record of `object`, archived included, in id order.
    pub fn all(&self, object: &str) -> Vec<Record> {
        self.state.all(object)
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(listener: TcpListener, app: Router, mut stopped: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone()));
                }
                Err(err) => {
                    // Usually descriptor exhaustion; back off instead of spinning.
                    tracing::warn!(%err, "emulator accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

async fn serve_connection(stream: TcpStream, app: Router) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let app = app.clone();
        async move {
            let response = match app.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(DroppedByFault);
            }
            Ok::<_, DroppedByFault>(response)
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(err) = served {
        tracing::debug!(%err, "emulator connection closed with error");
    }
}
