//! The administration screens through the door: queries are forwarded as the screens write
//! them (`URLSearchParams`), and nothing in a query can reach another address.

use super::*;

#[test]
fn an_administrator_finds_people_and_reads_a_persons_audit_trail_through_the_door() {
    let f = start();
    let admin = "ada@maple.example";
    let sam = "sam@maple.example";
    f.person(admin, &[Role::Admin]);
    f.person(sam, &[Role::Staff]);
    let w = f.window();
    sign_in_fully(&f, &w, admin);

    let found = api(&w, "GET", "/admin/people?query=sam%40maple", Value::Null).unwrap();
    let people = found["people"].as_array().unwrap();
    assert_eq!(people.len(), 1, "{found}");
    assert_eq!(people[0]["email"], sam);
    let sam_id = people[0]["id"].as_str().unwrap();
    let trail = api(
        &w,
        "GET",
        &format!("/admin/audit?person_id={sam_id}&limit=5"),
        Value::Null,
    )
    .unwrap();
    assert!(trail["events"].is_array(), "{trail}");

    for bad in [
        "/admin/people?query=a/../../me",
        "/admin/people?query=a b",
        "/admin/people?query=a#b",
    ] {
        let err = api(&w, "GET", bad, Value::Null).unwrap_err();
        assert_eq!(err["code"], "bad_request", "{bad}: {err}");
    }
}
