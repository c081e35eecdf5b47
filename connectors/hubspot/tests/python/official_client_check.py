"""Drives the HubSpot emulator with HubSpot's official Python client (hubspot-api-client).

The client is used unchanged except for its base URL, so every request and response goes
through HubSpot's own generated models: a wire-format mismatch shows up as a deserialization
or validation error here. See README.md in this directory for how to run it.

Environment:
  HUBSPOT_EMULATOR_URL  base URL of a running emulator (default http://127.0.0.1:8399)
  HUBSPOT_TOKEN         bearer token the emulator expects (default pat-na1-sandbox)
  HUBSPOT_OAUTH         client_id:client_secret:refresh_token of the emulator's OAuth app;
                        when set, the OAuth refresh grant is checked too
"""

import os
import sys
import time

from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

BASE_URL = os.environ.get("HUBSPOT_EMULATOR_URL", "http://127.0.0.1:8399")
TOKEN = os.environ.get("HUBSPOT_TOKEN", "pat-na1-sandbox")

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition)))
    print(("ok   " if condition else "FAIL ") + name + (f"  ({detail})" if detail else ""))


def main():
    client = HubSpot(access_token=TOKEN, host=BASE_URL)
    contacts = client.crm.contacts
    run = str(int(time.time() * 1000))

    # basic_api.get_page, following paging.next.after to the end.
    ids, after, pages = [], None, 0
    while True:
        page = contacts.basic_api.get_page(limit=100, after=after, properties=["email", "firstname"])
        pages += 1
        ids.extend(r.id for r in page.results)
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    first = page.results[0] if page.results else None
    check("basic_api.get_page pages to the end", pages >= 1 and len(ids) == len(set(ids)),
          f"{len(ids)} contacts in {pages} pages")
    check("list records carry requested properties",
          first is not None and "email" in first.properties and "firstname" in first.properties)

    total = contacts.search_api.do_search(PublicObjectSearchRequest(limit=1)).total
    check("search total matches the listed count", total == len(ids), f"{total} vs {len(ids)}")

    # basic_api create / get_by_id / update / archive.
    created = contacts.basic_api.create(SimplePublicObjectInputForCreate(
        properties={"email": f"python.{run}@example.com", "firstname": "Py"}))
    check("basic_api.create returns the record", created.id and created.properties["email"].startswith("python."))
    fetched = contacts.basic_api.get_by_id(contact_id=created.id, properties=["email", "phone"])
    check("basic_api.get_by_id reads it back", fetched.properties["email"] == created.properties["email"])
    before = fetched.properties["lastmodifieddate"]
    updated = contacts.basic_api.update(contact_id=created.id,
                                        simple_public_object_input=SimplePublicObjectInput(properties={"jobtitle": "QA"}))
    check("basic_api.update moves lastmodifieddate", updated.properties["lastmodifieddate"] > before,
          f"{before} -> {updated.properties['lastmodifieddate']}")

    # search_api.do_search: incremental window with sort and paging.
    since = str(int(created.created_at.timestamp() * 1000))
    request = PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="lastmodifieddate", operator="GTE", value=since)])],
        sorts=[{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        properties=["email", "lastmodifieddate"],
        limit=100,
        after="0",
    )
    found = contacts.search_api.do_search(public_object_search_request=request)
    check("search_api.do_search finds the new contact",
          any(r.id == created.id for r in found.results), f"total {found.total}")

    # batch_api.upsert: create, then update in place, then a partial failure (207).
    emails = [f"upsert{i}.{run}@example.com" for i in range(3)]
    inputs = [SimplePublicObjectBatchInputUpsert(id=e, id_property="email", properties={"firstname": f"U{i}"})
              for i, e in enumerate(emails)]
    batch = BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
    result = contacts.batch_api.upsert(batch_input_simple_public_object_batch_input_upsert=batch)
    check("batch_api.upsert creates", result.status == "COMPLETE" and all(r.new for r in result.results),
          f"{len(result.results)} results")
    again = contacts.batch_api.upsert(batch_input_simple_public_object_batch_input_upsert=batch)
    check("batch_api.upsert updates in place", not any(r.new for r in again.results))
    bad = BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs[:2] + [
        SimplePublicObjectBatchInputUpsert(id="not-an-email", id_property="email", properties={})])
    partial = contacts.batch_api.upsert(batch_input_simple_public_object_batch_input_upsert=bad)
    check("batch_api.upsert partial failure parses (207)",
          getattr(partial, "num_errors", None) == 1 and len(partial.results) == 2
          and partial.errors[0].category == "VALIDATION_ERROR")

    read = contacts.batch_api.read(batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=created.id), SimplePublicObjectId(id="999999999")],
        properties=["email"], properties_with_history=[]))
    check("batch_api.read returns found ids and errors",
          [r.id for r in read.results] == [created.id] and read.num_errors == 1)

    contacts.batch_api.archive(batch_input_simple_public_object_id=BatchInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=created.id)]))
    try:
        contacts.basic_api.get_by_id(contact_id=created.id)
        check("archived contact is gone", False)
    except ApiException as err:
        check("archived contact is gone", err.status == 404, f"status {err.status}")
    archived = contacts.basic_api.get_page(archived=True, limit=100)
    check("get_page(archived=True) lists it", any(r.id == created.id and r.archived for r in archived.results))

    props = client.crm.properties.core_api.get_all(object_type="contacts")
    check("properties core_api.get_all parses", any(p.name == "email" for p in props.results),
          f"{len(props.results)} properties")
    companies = client.crm.companies.basic_api.get_page(limit=5)
    check("companies basic_api.get_page parses", companies.results is not None, f"{len(companies.results)} companies")

    oauth = os.environ.get("HUBSPOT_OAUTH")
    if oauth:
        client_id, client_secret, refresh_token = oauth.split(":", 2)
        grant = client.oauth.tokens_api.create(grant_type="refresh_token", client_id=client_id,
                                               client_secret=client_secret, refresh_token=refresh_token)
        check("oauth tokens_api.create refreshes", grant.token_type == "bearer" and grant.expires_in == 1800,
              f"{len(grant.access_token)}-char token")
        oauth_client = HubSpot(access_token=grant.access_token, host=BASE_URL)
        page = oauth_client.crm.contacts.basic_api.get_page(limit=1)
        check("OAuth access token is accepted", len(page.results) == 1)
        try:
            HubSpot(access_token="expired-or-unknown", host=BASE_URL).crm.contacts.basic_api.get_page(limit=1)
            check("unknown token is refused", False)
        except ApiException as err:
            check("unknown token is refused", err.status == 401, f"status {err.status}")

    failed = [name for name, ok in checks if not ok]
    print(f"\n{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
