//! Pieces shared by Bulk API 2.0 ingest and query jobs: job states, CSV dialects, result
//! encoding and the deterministic shuffle of result rows.

use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;

/// Job lifecycle states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum JobState {
    Open,
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
}

impl JobState {
    /// Whether the job will not change any more.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Self::JobComplete | Self::Failed | Self::Aborted)
    }

    /// The wire name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::UploadComplete => "UploadComplete",
            Self::InProgress => "InProgress",
            Self::JobComplete => "JobComplete",
            Self::Failed => "Failed",
            Self::Aborted => "Aborted",
        }
    }
}

/// CSV column delimiter and line ending of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dialect {
    pub delimiter_name: String,
    pub delimiter: u8,
    pub line_ending: String,
}

impl Dialect {
    /// Reads `columnDelimiter` and `lineEnding` from a job request (defaults COMMA, LF).
    pub(crate) fn from_request(body: &serde_json::Map<String, Value>) -> Result<Self, ApiError> {
        let delimiter_name = body
            .get("columnDelimiter")
            .and_then(Value::as_str)
            .unwrap_or("COMMA")
            .to_string();
        let delimiter = match delimiter_name.as_str() {
            "COMMA" => b',',
            "TAB" => b'\t',
            "PIPE" => b'|',
            "SEMICOLON" => b';',
            "CARET" => b'^',
            "BACKQUOTE" => b'`',
            other => {
                return Err(job_error(format!("Invalid column delimiter: {other}")));
            }
        };
        let line_ending = body
            .get("lineEnding")
            .and_then(Value::as_str)
            .unwrap_or("LF")
            .to_string();
        if line_ending != "LF" && line_ending != "CRLF" {
            return Err(job_error(format!("Invalid line ending: {line_ending}")));
        }
        if let Some(ct) = body.get("contentType").and_then(Value::as_str) {
            if ct != "CSV" {
                return Err(job_error(format!("Invalid content type: {ct}")));
            }
        }
        Ok(Self {
            delimiter_name,
            delimiter,
            line_ending,
        })
    }

    /// The line terminator bytes.
    pub(crate) fn eol(&self) -> &'static str {
        if self.line_ending == "CRLF" {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Joins cells into one line, quoting every cell when `quote_all`, else only as needed.
    pub(crate) fn line<S: AsRef<str>>(&self, cells: &[S], quote_all: bool) -> String {
        let mut out = self.cells(cells, quote_all);
        out.push_str(self.eol());
        out
    }

    /// Header of a result file: the `sf__` columns quoted, the uploaded header as sent.
    pub(crate) fn result_header(&self, first: [&str; 2], rest: &[String]) -> String {
        let mut out = self.cells(&first, true);
        if !rest.is_empty() {
            out.push(char::from(self.delimiter));
            out.push_str(&self.cells(rest, false));
        }
        out.push_str(self.eol());
        out
    }

    fn cells<S: AsRef<str>>(&self, cells: &[S], quote_all: bool) -> String {
        let sep = char::from(self.delimiter).to_string();
        cells
            .iter()
            .map(|c| {
                let c = c.as_ref();
                let needs = c.contains(['"', '\n', '\r']) || c.contains(char::from(self.delimiter));
                if quote_all || needs {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(&sep)
    }
}

/// Jobs kept per kind; beyond this the oldest finished jobs are forgotten (Salesforce
/// deletes finished jobs after seven days).
pub(crate) const MAX_JOBS: usize = 500;

/// Drops the oldest finished jobs until there is room for one more.
pub(crate) fn prune<J>(
    jobs: &mut std::collections::BTreeMap<String, J>,
    finished_at: impl Fn(&J) -> Option<chrono::DateTime<chrono::Utc>>,
) {
    while jobs.len() >= MAX_JOBS {
        let oldest = jobs
            .iter()
            .filter_map(|(id, job)| finished_at(job).map(|ts| (ts, id.clone())))
            .min()
            .map(|(_, id)| id);
        match oldest {
            Some(id) => {
                jobs.remove(&id);
            }
            None => break,
        }
    }
}

/// A 400 for an invalid job request.
pub(crate) fn job_error(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

/// A 409 for an operation the job's state does not allow.
pub(crate) fn state_error(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "INVALIDJOBSTATE", message)
}

/// A 404 for an unknown job id.
pub(crate) fn no_job(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("Could not find job: {id}"),
    )
}

/// Shuffles result rows reproducibly per job: Salesforce does not keep input order, and
/// clients must not rely on it.
pub(crate) fn shuffle<T>(rows: &mut [T], job_id: &str) {
    let seed = job_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    rows.shuffle(&mut StdRng::seed_from_u64(seed));
}

/// Reads the `state` member of a PATCH body.
pub(crate) fn requested_state(body: &[u8]) -> Result<String, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::json_parser(format!("Unexpected character: {e}")))?;
    value
        .get("state")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| job_error("state is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_shuffle() {
        let d = Dialect {
            delimiter_name: "COMMA".into(),
            delimiter: b',',
            line_ending: "CRLF".into(),
        };
        assert_eq!(
            d.line(&["a", "b,c", "say \"hi\""], false),
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(d.line(&["a", ""], true), "\"a\",\"\"\r\n");
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        shuffle(&mut a, "750x");
        shuffle(&mut b, "750x");
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }
}
