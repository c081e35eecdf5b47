//! A started emulator and the methods tests use to inspect and change it.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::builder::Emulator;
use super::error::EmulatorError;
use super::faults::Faults;
use super::log::RequestLogEntry;
use super::records::{fields_from_json, render_record};
use super::seed::seed_leads;
use super::state::EmulatorState;
use super::validate::RecordError;
use super::write::Stamp;

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    /// Base URL to call the data API on (`http://127.0.0.1:<port>`).
    pub instance_url: String,
    /// Base URL of the token endpoint: the same server.
    pub login_url: String,
    /// The bound socket address.
    pub addr: SocketAddr,
    /// The fixed access token configured with `access_token`, if any.
    pub access_token: Option<String>,
    state: EmulatorState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds `addr` (port 0 picks a free port) and serves in a background task.
    pub async fn start(self, addr: SocketAddr) -> Result<RunningEmulator, EmulatorError> {
        let access_token = self.settings_access_token();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        // A wildcard bind is still reached through loopback by local clients.
        let host = if local.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], local.port()))
        } else {
            local
        };
        let base_url = format!("http://{host}");
        let state = self.into_state(&base_url)?;
        let app = super::routes::router(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            // Serving ends only on shutdown; an accept error is not recoverable here.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(RunningEmulator {
            instance_url: base_url.clone(),
            login_url: base_url,
            addr: local,
            access_token,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Binds an ephemeral port on 127.0.0.1.
    pub async fn start_local(self) -> Result<RunningEmulator, EmulatorError> {
        self.start(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    fn settings_access_token(&self) -> Option<String> {
        self.settings.access_token_value()
    }
}

/// Starts the sandbox behind `crmsync sandbox salesforce` on 127.0.0.1:`port`. Without a
/// token a random one is generated (see [`RunningEmulator::access_token`]); without a seed
/// file 250 generated Leads are loaded. The connected app is `crmsync-sandbox` /
/// `sandbox-secret` with refresh token `sandbox-refresh-token`.
pub async fn serve_sandbox(
    port: u16,
    token: Option<String>,
    seed: Option<PathBuf>,
) -> Result<RunningEmulator, EmulatorError> {
    let token = token.unwrap_or_else(|| {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_entropy();
        let org = super::ids::make_id("00D", 1);
        super::ids::opaque(
            &format!("{}!AR", org.get(..15).unwrap_or("00D")),
            96,
            &mut rng,
        )
    });
    let mut builder = Emulator::builder().access_token(Some(token)).oauth_client(
        "crmsync-sandbox",
        "sandbox-secret",
        "sandbox-refresh-token",
    );
    builder = match seed {
        Some(path) => builder.seed_file(path),
        None => builder.seed(seed_leads(250, 42)),
    };
    builder
        .build()
        .start(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
}

/// Reports a rejected direct write as an error.
fn record_error(e: RecordError) -> EmulatorError {
    EmulatorError::Record {
        code: e.status_code,
        message: e.message,
    }
}

impl RunningEmulator {
    /// The shared state (for serving the same data through another router).
    pub fn state(&self) -> &EmulatorState {
        &self.state
    }

    /// Every logged request, oldest first.
    pub fn request_log(&self) -> Vec<RequestLogEntry> {
        self.state.request_log()
    }

    /// Clears the request log.
    pub fn clear_request_log(&self) {
        self.state.clear_request_log();
    }

    /// Replaces the fault settings (and reseeds their generator).
    pub fn set_faults(&self, faults: Faults) {
        self.state.lock().set_faults(faults);
    }

    /// Revokes every access token, including the fixed one: later calls get 401
    /// `INVALID_SESSION_ID` until the client logs in again.
    pub fn expire_tokens(&self) {
        self.state.lock().tokens.clear();
    }

    /// Mints a fresh valid access token without going through OAuth.
    pub fn issue_token(&self) -> String {
        self.state.mint_token()
    }

    /// Sets how many API requests have been used today.
    pub fn set_api_usage(&self, used: u64) {
        self.state.lock().api_used = used;
    }

    /// Requests counted against the allowance so far.
    pub fn api_usage(&self) -> u64 {
        self.state.lock().api_used
    }

    fn object(&self, sobject: &str) -> Result<usize, EmulatorError> {
        self.state
            .schemas()
            .position(sobject)
            .ok_or_else(|| EmulatorError::Record {
                code: "INVALID_TYPE".into(),
                message: format!("sObject type '{sobject}' is not supported."),
            })
    }

    fn fields(&self, obj: usize, fields: &Value) -> Result<super::write::Fields, EmulatorError> {
        let schema = self.state.schemas().get(obj);
        let (Some(schema), Value::Object(map)) = (schema, fields) else {
            return Err(EmulatorError::Record {
                code: "JSON_PARSER_ERROR".into(),
                message: "fields must be a JSON object".into(),
            });
        };
        fields_from_json(schema, map).map_err(|e| EmulatorError::Record {
            code: e.code,
            message: e.message,
        })
    }

    /// Creates a record as a user would (no faults), returning its id.
    pub fn insert(&self, sobject: &str, fields: Value) -> Result<String, EmulatorError> {
        let obj = self.object(sobject)?;
        let fields = self.fields(obj, &fields)?;
        self.state
            .write(obj, false, |w| (w.create(fields), false))
            .map_err(record_error)
    }

    /// A user edit: updates fields and bumps `LastModifiedDate` and `SystemModstamp`.
    pub fn edit(&self, sobject: &str, id: &str, fields: Value) -> Result<(), EmulatorError> {
        let obj = self.object(sobject)?;
        let fields = self.fields(obj, &fields)?;
        self.state
            .write(obj, false, |w| (w.update(id, fields, Stamp::User), false))
            .map_err(record_error)
    }

    /// Edits several records so they all share the timestamp `ts` (a cursor boundary).
    pub fn edit_at(
        &self,
        sobject: &str,
        ids: &[&str],
        fields: Value,
        ts: DateTime<Utc>,
    ) -> Result<(), EmulatorError> {
        let obj = self.object(sobject)?;
        let fields = self.fields(obj, &fields)?;
        self.state
            .write(obj, false, |w| {
                let result = ids
                    .iter()
                    .try_for_each(|id| w.update(id, fields.clone(), Stamp::At(ts)));
                let failed = result.is_err();
                (result, failed)
            })
            .map_err(record_error)
    }

    /// An automated change: bumps only `SystemModstamp`, as a trigger or workflow would.
    pub fn system_touch(&self, sobject: &str, id: &str) -> Result<(), EmulatorError> {
        let obj = self.object(sobject)?;
        self.state
            .write(obj, false, |w| {
                (w.update(id, Vec::new(), Stamp::System), false)
            })
            .map_err(record_error)
    }

    /// Soft-deletes a record: `IsDeleted = true`, visible to `queryAll` only.
    pub fn delete(&self, sobject: &str, id: &str) -> Result<(), EmulatorError> {
        let obj = self.object(sobject)?;
        self.state
            .write(obj, false, |w| (w.delete(id), false))
            .map_err(record_error)
    }

    /// A record with every field (deleted ones included), as the REST API renders it.
    pub fn record(&self, sobject: &str, id: &str) -> Option<Value> {
        let obj = self.object(sobject).ok()?;
        let schema = self.state.schemas().get(obj)?;
        let id = super::ids::normalize(id)?;
        let inner = self.state.lock();
        let row = inner.store.table(obj)?.get(&id)?;
        let all: Vec<usize> = (0..schema.fields.len()).collect();
        Some(render_record(schema, row, &all, &self.state.config().api_version).into_value())
    }

    /// Number of live (not deleted) records.
    pub fn count(&self, sobject: &str) -> usize {
        let Ok(obj) = self.object(sobject) else {
            return 0;
        };
        self.state
            .lock()
            .store
            .table(obj)
            .map_or(0, |t| t.count(false))
    }

    /// Every record, deleted ones included, in creation order.
    pub fn all(&self, sobject: &str) -> Vec<Value> {
        let Ok(obj) = self.object(sobject) else {
            return Vec::new();
        };
        let Some(schema) = self.state.schemas().get(obj) else {
            return Vec::new();
        };
        let all: Vec<usize> = (0..schema.fields.len()).collect();
        let version = self.state.config().api_version.clone();
        let inner = self.state.lock();
        inner.store.table(obj).map_or_else(Vec::new, |t| {
            t.iter()
                .map(|(_, row)| render_record(schema, row, &all, &version).into_value())
                .collect()
        })
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
