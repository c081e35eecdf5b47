//! The HTTP routing table.

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use axum::Router;

use super::error::ApiError;
use super::state::EmulatorState;
use super::{
    auth, bulk_ingest, bulk_query, collections, collections_update, describe, log, middleware,
    query, sobjects,
};

/// The emulator as an axum router, for serving it on your own listener. Paths:
///
/// - `POST /services/oauth2/token`
/// - `GET /services/data/` (versions; free and unauthenticated)
/// - under `/services/data/vXX.X/`: `limits`, `sobjects`, `sobjects/{S}`,
///   `sobjects/{S}/describe`, `sobjects/{S}/{id}`, `sobjects/{S}/{field}/{value}`, `query`,
///   `queryAll`, `query/{locator}`, `composite/sobjects` (update), `composite/sobjects/{S}/{field}`, `jobs/ingest...`,
///   `jobs/query...`
/// - `GET`/`DELETE /__emulator/requests` (the request log)
pub fn router(state: EmulatorState) -> Router {
    let api = Router::new()
        .route("/limits", get(describe::limits))
        .route("/sobjects", get(describe::global))
        .route(
            "/sobjects/{sobject}",
            get(describe::basic).post(sobjects::create),
        )
        .route("/sobjects/{sobject}/describe", get(describe::describe))
        .route(
            "/sobjects/{sobject}/{id}",
            get(sobjects::get)
                .patch(sobjects::update)
                .delete(sobjects::delete),
        )
        .route(
            "/sobjects/{sobject}/{field}/{value}",
            get(sobjects::get_by_external).patch(sobjects::upsert),
        )
        .route("/query", get(query::query))
        .route("/query/{locator}", get(query::more))
        .route("/queryAll", get(query::query_all))
        .route("/queryAll/{locator}", get(query::more))
        .route("/composite/sobjects", patch(collections_update::update))
        .route(
            "/composite/sobjects/{sobject}/{field}",
            patch(collections::upsert),
        )
        .route(
            "/jobs/ingest",
            post(bulk_ingest::create).get(bulk_ingest::list),
        )
        .route(
            "/jobs/ingest/{job}",
            get(bulk_ingest::info)
                .patch(bulk_ingest::set_state)
                .delete(bulk_ingest::delete),
        )
        .route("/jobs/ingest/{job}/batches", put(bulk_ingest::upload))
        .route(
            "/jobs/ingest/{job}/successfulResults",
            get(bulk_ingest::successful),
        )
        .route("/jobs/ingest/{job}/failedResults", get(bulk_ingest::failed))
        .route(
            "/jobs/ingest/{job}/unprocessedrecords",
            get(bulk_ingest::unprocessed),
        )
        .route(
            "/jobs/query",
            post(bulk_query::create).get(bulk_query::list),
        )
        .route(
            "/jobs/query/{job}",
            get(bulk_query::info)
                .patch(bulk_query::set_state)
                .delete(bulk_query::delete),
        )
        .route("/jobs/query/{job}/results", get(bulk_query::results))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), middleware::api));
    let inner = Router::new()
        .route("/services/data", get(describe::versions))
        .route("/services/oauth2/token", post(auth::token))
        .route(
            "/__emulator/requests",
            get(log::get_requests).delete(log::delete_requests),
        )
        .nest("/services/data/{version}", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::disable())
        .with_state(state.clone());
    Router::new()
        .fallback_service(inner)
        .layer(from_fn_with_state(state, middleware::front))
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed(method: Method) -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("HTTP Method '{method}' not allowed for this resource"),
    )
}
