//! The HTTP surface: routes for the numbered (`/crm/v3`) and date-versioned
//! (`/crm/objects/2026-03`) API paths, OAuth, and the `/__emulator` inspection routes.

mod batch;
mod common;
mod objects;
mod properties;
mod search;

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::json;

use super::errors::{json_response, ApiError};
use super::pipeline::pipeline;
use super::state::EmulatorState;

/// The emulator's routes with its middleware (latency, faults, auth, rate limits, request
/// log), for serving with `axum::serve` or any hyper server.
///
/// [`crate::emulator::Emulator::start`] serves this router through its own accept loop,
/// which can drop a connection without answering. Served any other way, a dropped-connection
/// fault surfaces as a response whose body fails mid-stream instead.
pub fn router(state: EmulatorState) -> Router {
    let prefix = state.path_prefix().trim_end_matches('/').to_owned();
    let mut app = Router::new();
    app = object_routes(app, &format!("{prefix}/objects/{{object_type}}"));
    app = object_routes(app, "/crm/objects/{version}/{object_type}");
    for base in [
        format!("{prefix}/properties/{{object_type}}"),
        "/crm/properties/{version}/{object_type}".to_owned(),
    ] {
        app = app
            .route(&base, get(properties::list).post(properties::create))
            .route(&format!("{base}/{{property_name}}"), get(properties::read));
    }
    app.route("/oauth/v1/token", post(oauth_token))
        .route(
            "/__emulator/requests",
            get(requests_log).delete(clear_requests_log),
        )
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), pipeline))
        .with_state(state)
}

fn object_routes(app: Router<EmulatorState>, base: &str) -> Router<EmulatorState> {
    app.route(base, get(objects::list).post(objects::create))
        .route(&format!("{base}/search"), post(search::search))
        .route(&format!("{base}/batch/read"), post(batch::read))
        .route(&format!("{base}/batch/create"), post(batch::create))
        .route(&format!("{base}/batch/update"), post(batch::update))
        .route(&format!("{base}/batch/upsert"), post(batch::upsert))
        .route(&format!("{base}/batch/archive"), post(batch::archive))
        .route(
            &format!("{base}/{{object_id}}"),
            get(objects::read)
                .patch(objects::update)
                .delete(objects::archive),
        )
}

/// `POST /oauth/v1/token` (form-encoded).
async fn oauth_token(
    State(state): State<EmulatorState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) = form.map_err(|e| ApiError::validation(e.body_text()))?;
    let grant = state.auth().refresh(&form)?;
    let body = json!({
        "token_type": "bearer",
        "refresh_token": grant.refresh_token,
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
    });
    Ok(json_response(StatusCode::OK, &body))
}

async fn requests_log(State(state): State<EmulatorState>) -> Response {
    let body = serde_json::to_value(state.request_log()).unwrap_or_default();
    json_response(StatusCode::OK, &body)
}

async fn clear_requests_log(State(state): State<EmulatorState>) -> Response {
    state.clear_request_log();
    StatusCode::NO_CONTENT.into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("resource not found")
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use crate::emulator::{seed_contacts, Emulator};

    #[tokio::test]
    async fn router_serves_without_the_accept_loop() {
        let emulator = Emulator::builder().seed(seed_contacts(3, 1)).build();
        let Ok(emulator) = emulator else {
            panic!("build failed");
        };
        let request = Request::get("/crm/v3/objects/contacts?limit=2").body(Body::empty());
        let Ok(request) = request else {
            panic!("request build failed");
        };
        let Ok(response) = emulator.router().oneshot(request).await;
        assert_eq!(response.status(), StatusCode::OK);
        let remaining = response
            .headers()
            .get("x-hubspot-ratelimit-remaining")
            .cloned();
        assert_eq!(remaining.as_ref().and_then(|v| v.to_str().ok()), Some("99"));
        let bytes = to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(body["paging"]["next"]["after"], "3");
        assert_eq!(emulator.state().request_log().len(), 1);
    }
}
