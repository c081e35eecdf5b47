//! The Do-Not-Contact list: managing it from the command line and the gate every import
//! passes through.

mod common;
use common::*;

#[tokio::test]
async fn dnc_commands_manage_the_list() {
    for db in TestDb::both().await {
        let list = db.write(
            "dnc.csv",
            "value,kind,reason\n(415) 867-5309,phone,asked on call\nBOB@Example.com,email,unsubscribed by phone\ncompetitor.io,domain,competitor\nnot-a-phone,phone,x\n,email,empty\n",
        );
        let out = db.crmsync(&["dnc", "import", list.to_str().unwrap(), "--json"]);
        assert_eq!(code(&out), 4, "one bad line: {}", stderr(&out));
        let v = json(&out);
        assert_eq!(
            (v["added"].as_i64(), v["rejected"].as_i64()),
            (Some(3), Some(2)),
            "{v}"
        );
        let out = db.crmsync(&[
            "dnc",
            "add",
            "+1 212 736 0182",
            "--reason",
            "asked on call",
            "--expires",
            "2020-01-01",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(
            stdout(&out).contains("Added phone +12127360182"),
            "{}",
            stdout(&out)
        );
        let out = db.crmsync(&["dnc", "check", "bob@example.com"]);
        assert!(
            stdout(&out)
                .contains("do not contact (DNC email bob@example.com: unsubscribed by phone)"),
            "{}",
            stdout(&out)
        );
        let out = db.crmsync(&["dnc", "check", "anyone@COMPETITOR.io"]);
        assert!(stdout(&out).contains("do not contact"), "{}", stdout(&out));
        let out = db.crmsync(&["dnc", "check", "212-736-0182"]);
        assert!(
            stdout(&out).contains("not on the list"),
            "expired entries do not match: {}",
            stdout(&out)
        );
        let out = db.crmsync(&["dnc", "list", "--json"]);
        let entries = json(&out);
        assert_eq!(entries.as_array().unwrap().len(), 4);
        let out = db.crmsync(&["dnc", "remove", "competitor.io"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let out = db.crmsync(&["dnc", "remove", "competitor.io"]);
        assert_eq!(code(&out), 2, "removing a missing entry is an error");
        let pool = db.pool().await;
        assert_eq!(pool.count("SELECT COUNT(*) FROM dnc_entries").await, 3);
        // A registry download: one number per line, area code split off by a comma.
        let reg = db.write(
            "registry.txt",
            "# national registry extract\n415,8675310\n\"212\",\"7360199\"\nBAD LINE\n",
        );
        let out = db.crmsync(&[
            "dnc",
            "import",
            reg.to_str().unwrap(),
            "--format",
            "registry",
        ]);
        assert_eq!(code(&out), 4, "{}", stdout(&out));
        assert!(stdout(&out).contains("2 added"), "{}", stdout(&out));
        assert_eq!(
            pool.count(
                "SELECT COUNT(*) FROM dnc_entries WHERE value IN ('+14158675310', '+12127360199')"
            )
            .await,
            2
        );
    }
}

#[tokio::test]
async fn imports_flag_dnc_matches_and_opt_outs() {
    for db in TestDb::both().await {
        let list = db.write("dnc.csv", "value,kind,reason,expires_at\n415.867.5309,phone,asked on call,\nbob@example.com,email,gdpr,\ncompetitor.io,domain,competitor,\n+12127360182,phone,old,2020-01-01\n");
        assert_eq!(
            code(&db.crmsync(&["dnc", "import", list.to_str().unwrap()])),
            0
        );
        let leads = db.write(
            "leads.csv",
            "Id,Email,Phone,DoNotCall,HasOptedOutOfEmail\n\
             1,ann@x.io,+1 (415) 867-5309,false,false\n\
             2,Bob@Example.com,,false,false\n\
             3,spy@competitor.io,,false,false\n\
             4,dee@x.io,212-736-0182,false,false\n\
             5,eve@x.io,,true,false\n\
             6,fay@x.io,,false,true\n\
             7,gus@x.io,,false,false\n",
        );
        let v = import_json(&db, &leads, &[], 0);
        assert_eq!(v["dnc_flagged"], 5, "{v}");
        let pool = db.pool().await;
        let rows = pool
            .rows("SELECT l.source_id, CAST(r.do_not_contact AS TEXT), r.dnc_reason FROM record_links l JOIN records r ON r.id = l.record_id ORDER BY 1")
            .await;
        let flag = |i: usize| {
            rows[i][1]
                .as_deref()
                .map(|s| s == "1" || s == "true")
                .unwrap()
        };
        assert!(flag(0) && flag(1) && flag(2) && flag(4) && flag(5));
        assert!(!flag(3), "expired entry does not match");
        assert!(!flag(6));
        assert_eq!(
            rows[0][2].as_deref(),
            Some("DNC phone +14158675309: asked on call")
        );
        assert_eq!(
            rows[2][2].as_deref(),
            Some("DNC domain competitor.io: competitor")
        );
        assert!(
            rows[4][2].as_deref().unwrap().contains("DoNotCall"),
            "{rows:?}"
        );
        // Opt-outs are sticky: a later export that says "false" does not re-opt anyone in.
        let later = db.write(
            "later.csv",
            "Id,Email,Phone,DoNotCall,HasOptedOutOfEmail\n5,eve@x.io,,false,false\n",
        );
        import_json(&db, &later, &["--source", "leads"], 0);
        assert_eq!(pool.count("SELECT COUNT(*) FROM records r JOIN record_links l ON l.record_id = r.id WHERE l.source_id = '5' AND r.do_not_contact").await, 1);
        // Exports can leave them out.
        let out = db.crmsync(&["export", "--out", "clean.csv", "--dnc", "exclude"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = std::fs::read_to_string(db.path("clean.csv")).unwrap();
        assert_eq!(text.lines().count(), 3, "header + dee + gus: {text}");
        assert!(text.contains("gus@x.io") && !text.contains("ann@x.io"));
    }
}
