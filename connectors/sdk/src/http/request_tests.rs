//! Tests for request bodies as they go over the wire.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::http::{HttpClient, RetryPolicy};
use crate::ErrorKind;

/// Serves one connection: reads a whole request (head plus `Content-Length` bytes), answers
/// `201 Created` and returns what it read.
async fn capture_one(listener: TcpListener) -> Vec<u8> {
    let (mut socket, _) = listener.accept().await.expect("accept");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                break;
            }
        }
    }
    socket
        .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    seen
}

fn client() -> HttpClient {
    HttpClient::builder("test")
        .retry(RetryPolicy {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(1),
            max_attempts: 1,
            max_retry_after: Duration::from_millis(1),
        })
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn raw_bodies_go_out_unchanged_with_their_content_type() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(capture_one(listener));
    let csv = "Name,Note\n\"Ng, Ada\",\"say \"\"hi\"\"\nbye\"\nZoë,#N/A\n";
    let request = HttpRequest::put(format!("http://{addr}/jobs/ingest/750x/batches"))
        .raw("text/csv", csv.as_bytes().to_vec());
    let response = client().send(&request).await.expect("sent");
    assert_eq!(response.status.as_u16(), 201);
    let seen = server.await.expect("server task");
    let text = String::from_utf8(seen).expect("utf-8 request");
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    assert!(
        head.starts_with("PUT /jobs/ingest/750x/batches HTTP/1.1\r\n"),
        "{head}"
    );
    // Each header line ends in CRLF, the last one included.
    let head = format!("{}\r\n", head.to_ascii_lowercase());
    assert!(head.contains("\r\ncontent-type: text/csv\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\ncontent-length: {}\r\n", csv.len())),
        "{head}"
    );
    assert_eq!(body, csv);
}

#[tokio::test]
async fn an_invalid_content_type_is_a_config_error_before_sending() {
    let request = HttpRequest::put("http://127.0.0.1:9/never").raw("text/csv\n", "a,b\n");
    let client = client();
    let err = client.send(&request).await.expect_err("refused");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("invalid content type"), "{err}");
    assert_eq!(client.stats().requests, 0);
    let shown = format!("{request:?}");
    assert!(!shown.contains("a,b"), "bodies stay out of Debug: {shown}");
}
