//! A `GET` never changes state: what lets the cross-site check pass every `GET` (docs/api.md
//! "Browser clients"), and what makes a mail scanner opening a "This wasn't me" link harmless.
//! Every `GET` route the served OpenAPI document lists (so a new one is covered without
//! editing this file), plus the pages outside it, is called by everyone who could call it,
//! with real ids in its path, and every table's rows are compared before and after.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;
use twostep_client::api::{AddMethodRequest, ResetAnswer};
use twostep_core::Role;
use twostep_server::store::Backend;

use crate::freeze::link_in;
use crate::harness::*;

const ADMIN: &str = "admin@acorns.example";
const SECOND_ADMIN: &str = "second.admin@acorns.example";
const NIA: &str = "nia@acorns.example";
const NEW: &str = "new.teacher@acorns.example";

/// Columns that legitimately move on a read: a session's last use (`tokens.last_seen_at`,
/// written at most once a minute by any authenticated request, for the idle timeout and the
/// sessions list). The test's clock stands still, so it does not move here either; it is left
/// out so that the test says what a read may write.
const MOVES_ON_READS: &[(&str, &str)] = &[("tokens", "last_seen_at")];

#[db_test]
async fn every_get_route_changes_nothing_for_anyone(db: Db) {
    let t = TestServer::start(db).await;
    let w = world(&t).await;
    let doc = t.client.openapi().await.unwrap();
    settle(&t).await;
    let before = dump(&t).await;

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let callers = [
        Caller::Nobody,
        Caller::Bearer(w.admin.clone()),
        Caller::Bearer(w.nia.clone()),
        Caller::Bearer(w.setup.clone()),
        Caller::Bearer("A".repeat(43)),
        Caller::OtherSite(w.admin.clone()),
    ];
    let routes = get_routes(&doc, &w);
    assert!(routes.len() >= 10, "the document's GET routes: {routes:?}");
    for (template, urls) in &routes {
        let mut answered = Vec::new();
        for url in urls {
            for caller in &callers {
                let res = caller
                    .on(http.get(format!("{}{url}", t.url())))
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                assert!(status < 500, "GET {url} as {caller:?}: {status}");
                answered.push(status);
            }
        }
        // The route ran for someone: the ids and the credentials were real.
        assert!(answered.contains(&200), "GET {template}: {answered:?}");
    }

    // Outside the document: the UI's files and "This wasn't me" (a confirm page; POST
    // freezes), a made-up link, and an address nothing answers.
    let freeze = link_in(&t.outbox(NIA).await, &t.url());
    let made_up = format!("{}/freeze/{}", t.url(), "A".repeat(43));
    for (url, status) in [
        (format!("{}/", t.url()), 200),
        (format!("{}/manifest.webmanifest", t.url()), 200),
        (freeze.clone(), 200),
        (made_up, 404),
        (format!("{}/api/v1/nothing-here", t.url()), 404),
    ] {
        for caller in &callers {
            let res = caller.on(http.get(&url)).send().await.unwrap();
            assert_eq!(res.status().as_u16(), status, "GET {url} as {caller:?}");
        }
    }
    let page = http
        .get(&freeze)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<form method=\"post\">"), "{page}");

    settle(&t).await;
    let after = dump(&t).await;
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &before {
        let now = &after[table];
        let gone: Vec<_> = rows.iter().filter(|r| !now.contains(r)).collect();
        let new: Vec<_> = now.iter().filter(|r| !rows.contains(r)).collect();
        assert!(
            rows == now,
            "{table} changed on a GET: rows gone {gone:?}, rows new {new:?}"
        );
    }
    assert!(!t.client.me(&w.nia).await.unwrap().frozen);
}

/// What the reads are tried against: two administrators and a staff member with two methods,
/// each signed in (sessions, recovery codes, notices with their links), a sign-in waiting for
/// its second step, a person in setup, a reset waiting for a second administrator.
struct World {
    admin: String,
    nia: String,
    setup: String,
    /// Path parameters by name: a real id for each.
    ids: BTreeMap<&'static str, String>,
}

async fn world(t: &TestServer) -> World {
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    // Two-person resets need a second administrator with 2-Step Verification.
    t.enrolled_with_email(SECOND_ADMIN, &[Role::Admin]).await;
    let (confirmed, totp) = t.first_totp(NIA, &[Role::Staff]).await;
    let nia = confirmed.session.unwrap().token;
    // A second method: a notice with a "This wasn't me" link, an enrollment spent.
    t.add_confirmed(&nia, AddMethodRequest::Email { email: None }, NIA)
        .await;
    // A sign-in waiting for its second step (a challenge).
    t.challenge(NIA).await;
    t.add_person(NEW, &[Role::Staff]).await;
    let setup = t.setup_token(NEW).await;
    let person_id = t.person_id(NIA).await;

    let mut policy = t.client.admin_policy(&admin).await.unwrap();
    policy.reset_approvals = Some(2);
    t.client.admin_put_policy(&admin, &policy).await.unwrap();
    let ResetAnswer::Requested(r) = t
        .client
        .admin_reset_or_request(&admin, &person_id)
        .await
        .unwrap()
    else {
        panic!("a reset waiting for a second administrator")
    };
    let session_id = t.client.sessions(&nia).await.unwrap().sessions[0]
        .id
        .clone();
    let ids = BTreeMap::from([
        ("person_id", person_id),
        ("method_id", totp.method_id),
        ("request_id", r.request_id),
        ("session_id", session_id),
    ]);
    World {
        admin,
        nia,
        setup,
        ids,
    }
}

#[derive(Debug)]
enum Caller {
    Nobody,
    Bearer(String),
    /// A page on another site whose browser holds the person's session cookie (a `GET` passes
    /// the cross-site check: it must change nothing).
    OtherSite(String),
}

impl Caller {
    fn on(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Caller::Nobody => req,
            Caller::Bearer(token) => req.bearer_auth(token),
            Caller::OtherSite(token) => req
                .header("twostep-client", "web")
                .header("sec-fetch-site", "cross-site")
                .header("cookie", format!("__Host-twostep-session={token}")),
        }
    }
}

/// Every `GET` route of the document: its template, and the addresses to call (the path's
/// parameters filled with real ids; bare, and with every query parameter it documents).
fn get_routes(doc: &Value, w: &World) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let mut path = template.clone();
        let mut query = Vec::new();
        for p in &params {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str().unwrap() {
                "path" => {
                    let id = w.ids.get(name).unwrap_or_else(|| {
                        panic!("GET {template}: give its parameter {name} a real id in world()")
                    });
                    path = path.replace(&format!("{{{name}}}"), id);
                }
                _ => query.push(format!("{name}={}", example(doc, name, &p["schema"], w))),
            }
        }
        let mut urls = vec![path.clone()];
        if !query.is_empty() {
            urls.push(format!("{path}?{}", query.join("&")));
        }
        out.push((template.clone(), urls));
    }
    out
}

/// A value for a query parameter: a real id by its name, an enum's first value, a number, or
/// the staff member's email (a search, an address).
fn example(doc: &Value, name: &str, schema: &Value, w: &World) -> String {
    if let Some(id) = w.ids.get(name) {
        return id.clone();
    }
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc.pointer(r.trim_start_matches('#')).unwrap();
        return example(doc, name, target, w);
    }
    if let Some(first) = schema["enum"]
        .as_array()
        .and_then(|e| e.iter().find_map(Value::as_str))
    {
        return first.to_owned();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alt) = schema[key]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["type"] != "null"))
        {
            return example(doc, name, alt, w);
        }
    }
    let types = match &schema["type"] {
        Value::Array(a) => a.clone(),
        t => vec![t.clone()],
    };
    if types.iter().any(|t| t == "integer" || t == "number") {
        "1000".to_owned()
    } else {
        NIA.to_owned()
    }
}

/// Waits until the courier has handed every queued message over (it marks them sent), so
/// that its work is not taken for a read's.
async fn settle(t: &TestServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while t
        .count("outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "the outbox never drained");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every table's rows, each column as SQL would write it (`quote`), sorted; without the
/// columns that move on reads.
async fn dump(t: &TestServer) -> BTreeMap<String, Vec<Vec<String>>> {
    let db = t.state().db.read();
    let pg = t.state().db.backend() == Backend::Postgres;
    let tables: Vec<String> = sqlx::query_scalar(if pg {
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    })
    .fetch_all(db)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "tokens"), "{tables:?}");
    let mut out = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(if pg {
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        } else {
            "SELECT name FROM pragma_table_info($1) ORDER BY cid"
        })
        .bind(&table)
        .fetch_all(db)
        .await
        .unwrap();
        for (_, column) in MOVES_ON_READS.iter().filter(|(t, _)| *t == table) {
            assert!(columns.contains(&column.to_string()), "{table}.{column}");
        }
        let quote = if pg { "quote_nullable" } else { "quote" };
        let kept: Vec<String> = columns
            .iter()
            .filter(|c| !MOVES_ON_READS.contains(&(table.as_str(), c.as_str())))
            .map(|c| format!("{quote}(\"{c}\")"))
            .collect();
        let rows = sqlx::query(&format!("SELECT {} FROM \"{table}\"", kept.join(", ")))
            .fetch_all(db)
            .await
            .unwrap();
        let mut rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| (0..kept.len()).map(|i| r.get::<String, _>(i)).collect())
            .collect();
        rows.sort();
        out.insert(table, rows);
    }
    out
}
