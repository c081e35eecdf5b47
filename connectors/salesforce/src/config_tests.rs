//! Tests for configuration parsing, validation and credential resolution.

use super::*;

fn parse(text: &str) -> Result<SalesforceConfig, toml::de::Error> {
    toml::from_str(text)
}

fn env(name: &str) -> Option<String> {
    match name {
        "SF_CLIENT_ID" => Some("3MVG9-key".into()),
        "SF_SECRET" => Some("s3cr3t-value".into()),
        "SF_REFRESH" => Some("5Aep-refresh-value".into()),
        "SF_TOKEN" => Some("00D!token-value".into()),
        "SF_BLANK" => Some("   ".into()),
        _ => None,
    }
}

#[test]
fn defaults_apply() {
    let cfg = parse("auth = \"access_token\"\naccess_token_env = \"SF_TOKEN\"\ninstance_url = \"https://x.my.salesforce.com\"").unwrap();
    assert_eq!(cfg.login_url, "https://login.salesforce.com");
    assert_eq!(cfg.objects, vec!["Lead".to_string(), "Contact".to_string()]);
    assert_eq!(cfg.external_id_field, "Crmsync_Id__c");
    assert_eq!(cfg.api_version, "62.0");
    assert_eq!(cfg.max_daily_api_percent, 50);
    assert_eq!(cfg.bulk_threshold, 10_000);
    assert_eq!(cfg.bulk_push_threshold, 2_000);
    assert_eq!(cfg.auth, AuthMethod::AccessToken);
    cfg.validate().unwrap();
}

#[test]
fn unknown_keys_and_auth_values_are_refused() {
    let err = parse("auth = \"jwt\"\npasword_env = \"X\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("pasword_env"), "{err}");
    let err = parse("auth = \"password\"").unwrap_err().to_string();
    assert!(err.contains("password"), "{err}");
}

#[test]
fn validation_names_the_missing_key() {
    let cases: &[(&str, &str)] = &[
        ("auth = \"jwt\"\nusername = \"u\"\nprivate_key_path = \"k.pem\"", "salesforce.client_id_env is required with auth = \"jwt\""),
        ("auth = \"jwt\"\nclient_id_env = \"A\"\nprivate_key_path = \"k.pem\"", "salesforce.username is required"),
        ("auth = \"jwt\"\nclient_id_env = \"A\"\nusername = \"u\"", "salesforce.private_key_path is required"),
        ("auth = \"refresh_token\"\nclient_id_env = \"A\"", "salesforce.refresh_token_env is required"),
        ("auth = \"client_credentials\"\nclient_id_env = \"A\"", "salesforce.client_secret_env is required"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"", "salesforce.instance_url is required"),
        ("auth = \"access_token\"\ninstance_url = \"https://a\"", "salesforce.access_token_env is required"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"http://evil.example\"", "salesforce.instance_url must be an https:// URL"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nlogin_url = \"ftp://x\"", "salesforce.login_url must be an https:// URL"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nobjects = []", "salesforce.objects must name at least one object"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nobjects = [\"Lead; DROP\"]", "is not a Salesforce API name"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nexternal_id_field = \"x'y\"", "salesforce.external_id_field"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\napi_version = \"v62\"", "salesforce.api_version"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nmax_daily_api_percent = 0", "between 1 and 100"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nmax_daily_api_percent = 101", "between 1 and 100"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nbulk_threshold = 0", "bulk_threshold"),
        ("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"https://a\"\nbulk_push_threshold = 0", "salesforce.bulk_push_threshold must be at least 1"),
    ];
    for (text, expected) in cases {
        let err = parse(text).unwrap().validate().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config, "{text}");
        assert!(err.message.contains(expected), "{text}: {}", err.message);
    }
}

#[test]
fn loopback_http_is_allowed_for_emulators() {
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://[::1]:9/x",
    ] {
        let text =
            format!("auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"{url}\"");
        parse(&text).unwrap().validate().unwrap();
    }
    let text = "auth = \"access_token\"\naccess_token_env = \"T\"\ninstance_url = \"http://localhost.evil.example\"";
    assert!(parse(text).unwrap().validate().is_err());
}

#[test]
fn resolve_reads_variables_and_names_missing_ones_without_values() {
    let cfg = parse("auth = \"refresh_token\"\nclient_id_env = \"SF_CLIENT_ID\"\nrefresh_token_env = \"SF_REFRESH\"\nclient_secret_env = \"SF_MISSING\"").unwrap();
    let creds = cfg.resolve_with(env).unwrap();
    assert_eq!(
        creds.client_id.as_ref().map(Secret::expose),
        Some("3MVG9-key")
    );
    assert_eq!(
        creds.refresh_token.as_ref().map(Secret::expose),
        Some("5Aep-refresh-value")
    );
    // The secret is optional for the refresh flow.
    assert_eq!(creds.client_secret, None);

    let cfg = parse("auth = \"client_credentials\"\nclient_id_env = \"SF_CLIENT_ID\"\nclient_secret_env = \"SF_BLANK\"").unwrap();
    let err = cfg.resolve_with(env).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    assert_eq!(
        err.message,
        "environment variable SF_BLANK is not set or empty (salesforce auth = \"client_credentials\")"
    );

    let cfg = parse(
        "auth = \"access_token\"\naccess_token_env = \"SF_NOPE\"\ninstance_url = \"https://a\"",
    )
    .unwrap();
    let err = cfg.resolve_with(env).unwrap_err();
    assert!(err.message.contains("SF_NOPE"), "{}", err.message);
}

#[test]
fn jwt_resolution_reads_the_key_file_and_reports_its_path() {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/test_only_rsa_private_key.pem"
    );
    let text = format!("auth = \"jwt\"\nclient_id_env = \"SF_CLIENT_ID\"\nusername = \"u@x\"\nprivate_key_path = \"{key}\"");
    let creds = parse(&text).unwrap().resolve_with(env).unwrap();
    let pem = creds.private_key_pem.unwrap();
    assert!(pem.expose().starts_with("-----BEGIN PRIVATE KEY-----"));

    let text = "auth = \"jwt\"\nclient_id_env = \"SF_CLIENT_ID\"\nusername = \"u@x\"\nprivate_key_path = \"/nonexistent/key.pem\"";
    let err = parse(text).unwrap().resolve_with(env).unwrap_err();
    assert_eq!(
        err.message,
        "cannot read salesforce.private_key_path /nonexistent/key.pem"
    );
}

#[test]
fn secrets_do_not_print() {
    let cfg = parse("auth = \"client_credentials\"\nclient_id_env = \"SF_CLIENT_ID\"\nclient_secret_env = \"SF_SECRET\"").unwrap();
    let creds = cfg.resolve_with(env).unwrap();
    let shown = format!("{creds:?}");
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
    assert!(!shown.contains("3MVG9-key"), "{shown}");
    assert!(shown.contains("client_secret: Some(***)"), "{shown}");
}
