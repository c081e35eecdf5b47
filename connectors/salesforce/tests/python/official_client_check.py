#!/usr/bin/env python3
"""Checks the emulator against simple-salesforce, used unchanged.

Start the emulator first (the public key enables the JWT bearer check):

    cargo run -p crmsync-salesforce --features emulator --example salesforce_sandbox -- \
        --port 8787 --leads 2500 \
        --jwt-public-key connectors/salesforce/tests/fixtures/test_only_rsa_public_key.pem

then, with `pip install simple-salesforce` (it brings PyJWT and cryptography):

    python connectors/salesforce/tests/python/official_client_check.py http://127.0.0.1:8787

simple-salesforce always speaks https to *.salesforce.com and to the instance host, so the
session gets a transport adapter that sends every https request to the emulator over plain
http. Nothing in the library itself is patched.
"""

import csv
import io
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
)

HERE = os.path.dirname(os.path.abspath(__file__))
PRIVATE_KEY = os.path.join(HERE, "..", "fixtures", "test_only_rsa_private_key.pem")
TOKEN = "00D8a0000000001!sandbox-token"
USERNAME = "integration@crmsync.example"
CLIENT_ID = "crmsync-sandbox"
LEADS = 2500


class ToEmulator(HTTPAdapter):
    """Sends every https request to the emulator's http address."""

    def __init__(self, base):
        super().__init__()
        self.base = urlsplit(base)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = urlunsplit(
            (self.base.scheme, self.base.netloc, parts.path, parts.query, parts.fragment)
        )
        return super().send(request, **kwargs)


def session_for(base):
    session = requests.Session()
    session.mount("https://", ToEmulator(base))
    return session


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail else ""))
    if not condition:
        raise SystemExit(1)


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8787"
    host = urlsplit(base).netloc
    sf = Salesforce(
        instance_url=f"https://{host}",
        session_id=TOKEN,
        session=session_for(base),
        version="62.0",
    )

    # REST query with nextRecordsUrl paging.
    result = sf.query_all("SELECT Id, Email, SystemModstamp FROM Lead")
    check("query_all pages through every lead", result["totalSize"] == LEADS
          and len(result["records"]) == LEADS, str(result["totalSize"]))
    check("datetime wire format", result["records"][0]["SystemModstamp"].endswith(".000+0000"))
    usage = sf.api_usage.get("api-usage")
    check("Sforce-Limit-Info parsed", usage is not None and usage.used >= 2, repr(usage))

    # Single-record upsert by external id, read back, update, delete.
    status = sf.Lead.upsert("Crmsync_Id__c/PY-1", {"LastName": "Python", "Company": "Pyco",
                                                    "Email": "py@example.com"})
    check("upsert creates (201)", status == 201, str(status))
    status = sf.Lead.upsert("Crmsync_Id__c/PY-1", {"Title": "Snake Charmer"})
    check("upsert updates (200/204)", status in (200, 204), str(status))
    rec = sf.Lead.get_by_custom_id("Crmsync_Id__c", "PY-1")
    check("get_by_custom_id", rec["Title"] == "Snake Charmer" and rec["Name"] == "Python")
    created = sf.Contact.create({"LastName": "Liskov", "Email": "barbara@example.com"})
    check("create returns id", created["success"] and created["id"].startswith("003"))
    check("update returns 204", sf.Contact.update(created["id"], {"Title": "Professor"}) == 204)
    check("delete returns 204", sf.Contact.delete(created["id"]) == 204)
    deleted = sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
    check("queryAll sees the deleted contact", deleted["totalSize"] == 1
          and deleted["records"][0]["IsDeleted"] is True)

    describe = sf.Lead.describe()
    ext = [f for f in describe["fields"] if f["name"] == "Crmsync_Id__c"]
    check("describe lists the external id", ext and ext[0]["externalId"] and ext[0]["idLookup"])
    check("limits resource", sf.limits()["DailyApiRequests"]["Max"] > 0)

    try:
        sf.query("SELECT Nope FROM Lead")
        check("invalid field raises", False)
    except SalesforceMalformedRequest as err:
        check("invalid field raises", err.content[0]["errorCode"] == "INVALID_FIELD")

    # Bulk API 2.0 ingest: upsert with one bad row, then results.
    rows = [
        {"Crmsync_Id__c": "PY-1", "LastName": "Python", "Company": "Pyco", "Email": "py@example.com"},
        {"Crmsync_Id__c": "PY-2", "LastName": "Rust", "Company": "Ferris", "Email": "ferris@example.com"},
        {"Crmsync_Id__c": "PY-3", "LastName": "Bad", "Company": "Oops", "Email": "bad@"},
    ]
    results = sf.bulk2.Lead.upsert(records=rows, external_id_field="Crmsync_Id__c")
    check("bulk2 upsert counts", results[0]["numberRecordsProcessed"] == 3
          and results[0]["numberRecordsFailed"] == 1, repr(results))
    failed = sf.bulk2.Lead.get_failed_records(results[0]["job_id"])
    failed_rows = list(csv.DictReader(io.StringIO(failed)))
    check("bulk2 failed row mapped", len(failed_rows) == 1
          and failed_rows[0]["sf__Error"].startswith("INVALID_EMAIL_ADDRESS:")
          and failed_rows[0]["Crmsync_Id__c"] == "PY-3", failed)
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_successful_records(results[0]["job_id"]))))
    created_flags = sorted((r["Crmsync_Id__c"], r["sf__Created"]) for r in ok)
    check("bulk2 successful rows", created_flags == [("PY-1", "false"), ("PY-2", "true")],
          repr(created_flags))

    # Bulk API 2.0 query with locator paging.
    total = 0
    pages = 0
    for chunk in sf.bulk2.Lead.query("SELECT Id, Email FROM Lead", max_records=1000):
        total += len(list(csv.DictReader(io.StringIO(chunk))))
        pages += 1
    check("bulk2 query pages", total == LEADS + 2 and pages == 3, f"{total} rows, {pages} pages")

    # JWT bearer login with the test-only key, through the login host.
    try:
        jwt_sf = Salesforce(username=USERNAME, consumer_key=CLIENT_ID,
                            privatekey_file=PRIVATE_KEY, session=session_for(base), version="62.0")
        count = jwt_sf.query("SELECT COUNT() FROM Lead")["totalSize"]
        check("JWT bearer login", count == LEADS + 2, str(count))
    except Exception as err:  # the sandbox may have been started without a public key
        check("JWT bearer login", False, repr(err))

    try:
        Salesforce(instance_url=f"https://{host}", session_id="expired", session=session_for(base),
                   version="62.0").query("SELECT Id FROM Lead")
        check("expired session raises", False)
    except SalesforceExpiredSession as err:
        check("expired session raises", err.content[0]["errorCode"] == "INVALID_SESSION_ID")
    print("all checks passed")


if __name__ == "__main__":
    main()
