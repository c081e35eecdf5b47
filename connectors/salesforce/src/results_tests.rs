//! Tests for Collections and Bulk result mapping.

use super::*;

fn created(local_id: i64, id: &str) -> WriteOutcome {
    WriteOutcome::Created {
        local_id,
        remote_id: id.into(),
    }
}

fn updated(local_id: i64, id: &str) -> WriteOutcome {
    WriteOutcome::Updated {
        local_id,
        remote_id: id.into(),
    }
}

fn rejected_with(local_id: i64, code: &str, message: &str, retryable: bool) -> WriteOutcome {
    WriteOutcome::Rejected {
        local_id,
        code: code.into(),
        message: message.into(),
        retryable,
    }
}

#[test]
fn collections_results_in_input_order() {
    let body = r#"[
        {"id": "00Q1", "success": true, "errors": [], "created": true},
        {"id": "00Q2", "success": true, "errors": [], "created": false},
        {"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}]},
        {"success": false, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW",
            "message": "unable to obtain exclusive access to this record", "fields": []}]},
        {"success": false, "errors": [{"statusCode": "DUPLICATES_DETECTED",
            "message": "Use one of these records?", "fields": []}]},
        {"success": false, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "message": "rolled back", "fields": []}]},
        {"id": "00Q7", "success": true, "errors": []}
    ]"#;
    let got = collections_outcomes(&[10, 11, 12, 13, 14, 15, 16], body).unwrap();
    assert_eq!(
        got,
        vec![
            created(10, "00Q1"),
            updated(11, "00Q2"),
            rejected_with(
                12,
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
                false
            ),
            rejected_with(
                13,
                "UNABLE_TO_LOCK_ROW",
                "unable to obtain exclusive access to this record",
                true
            ),
            rejected_with(
                14,
                "DUPLICATES_DETECTED",
                "blocked by a Salesforce duplicate rule (Use one of these records?); merge the \
                 existing record in Salesforce or relax the rule, then push again",
                false
            ),
            rejected_with(15, "ALL_OR_NONE_OPERATION_ROLLED_BACK", "rolled back", true),
            updated(16, "00Q7"),
        ]
    );
}

#[test]
fn collections_shape_errors() {
    let cases = [
        (
            "[]",
            vec![1],
            "Collections returned 0 results for 1 records",
        ),
        (
            r#"[{"message":"bad","errorCode":"JSON_PARSER_ERROR"}]"#,
            vec![1, 2],
            "Collections returned 1 results for 2 records",
        ),
        ("{}", vec![1], "unexpected Collections response"),
    ];
    for (body, ids, want) in cases {
        let err = collections_outcomes(&ids, body).unwrap_err();
        assert!(err.starts_with(want), "{body}: {err}");
    }
}

#[test]
fn bulk_results_map_back_by_external_id_in_any_order() {
    let batch: Vec<(i64, String)> = vec![
        (1, "ext-1".into()),
        (2, "ext-2".into()),
        (3, "ext-3".into()),
        (4, "ext-4".into()),
        (5, "ext-5".into()),
        (6, "ext-6".into()),
        (7, "ext-7".into()),
        (8, "ext-8".into()),
    ];
    let successful = "\"sf__Id\",\"sf__Created\",Crmsync_Id__c,LastName\n\
                      00Q3,false,ext-3,Three\n\
                      00Q1,true,ext-1,One\n\
                      00Q9,true,not-ours,Stray\n";
    let failed = "\"sf__Id\",\"sf__Error\",Crmsync_Id__c,LastName\n\
                  ,\"REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --\",ext-2,\n\
                  ,UNABLE_TO_LOCK_ROW:unable to obtain exclusive access,ext-4,Four\n\
                  ,something odd happened,ext-6,Six\n\
                  ,\"INVALID_EMAIL_ADDRESS:Email: invalid email address: a,b@:Email --\",ext-7,\n\
                  ,\"FIELD_CUSTOM_VALIDATION_EXCEPTION:Rate must be 1:2: --\",ext-8,\n";
    let unprocessed = "Crmsync_Id__c,LastName\n";
    let files = BulkResultFiles {
        successful,
        failed,
        unprocessed,
    };
    let got = bulk_outcomes(&batch, "Crmsync_Id__c", files).unwrap();
    assert_eq!(
        got,
        vec![
            created(1, "00Q1"),
            rejected_with(
                2,
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
                false
            ),
            updated(3, "00Q3"),
            rejected_with(
                4,
                "UNABLE_TO_LOCK_ROW",
                "unable to obtain exclusive access",
                true
            ),
            rejected_with(
                5,
                "MISSING_RESULT",
                "the Bulk job reported no result for this record",
                true
            ),
            rejected_with(6, "BULK_ERROR", "something odd happened", false),
            rejected_with(
                7,
                "INVALID_EMAIL_ADDRESS",
                "Email: invalid email address: a,b@",
                false
            ),
            rejected_with(
                8,
                "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "Rate must be 1:2",
                false
            ),
        ]
    );
}

#[test]
fn bulk_unprocessed_and_empty_files() {
    let batch: Vec<(i64, String)> = vec![(7, "a".into()), (8, "b".into())];
    let files = BulkResultFiles {
        successful: "sf__Id,sf__Created,Ext__c\n00Q7,true,a\n",
        failed: "",
        unprocessed: "Ext__c,Email\nb,b@example.com\n",
    };
    let got = bulk_outcomes(&batch, "Ext__c", files).unwrap();
    assert_eq!(
        got,
        vec![
            created(7, "00Q7"),
            rejected_with(
                8,
                "UNPROCESSED",
                "the Bulk job ended before processing this record",
                true
            ),
        ]
    );
    let files = BulkResultFiles {
        successful: "sf__Id,sf__Created,Email\n00Q7,true,x\n",
        failed: "",
        unprocessed: "",
    };
    let err = bulk_outcomes(&batch, "Ext__c", files).unwrap_err();
    assert_eq!(err, "Bulk result lacks the Ext__c column");
}
