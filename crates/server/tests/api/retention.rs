//! Retention: with the clock moved, one pass deletes exactly the rows past their limit and
//! keeps the others; failed sign-ins for unknown emails are counted on one row per window.

use chrono::{DateTime, Duration, Utc};
use twostep_core::Role;
use twostep_server::clock::to_ms;
use twostep_server::retention;

use crate::harness::{db_test, Db, TestServer};

/// Runs `sql` with `binds` (i64 times, text, or blobs) on the server's database.
enum Val<'a> {
    T(&'a str),
    N(i64),
    B(&'a [u8]),
}

async fn exec(t: &TestServer, sql: &str, binds: &[Val<'_>]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = match b {
            Val::T(s) => q.bind(*s),
            Val::N(n) => q.bind(*n),
            Val::B(b) => q.bind(*b),
        };
    }
    q.execute(t.server.state.db.write()).await.unwrap();
}

async fn count_where(t: &TestServer, table: &str, cond: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {cond}"))
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap()
}

/// The test's rows of `table` (their ids start with a prefix of the test's), sorted.
async fn ids(t: &TestServer, table: &str) -> Vec<String> {
    let prefix = match table {
        "challenges" => "ch-",
        "codes" => "code-",
        "enrollments" => "en-",
        "reset_requests" => "rr-",
        "day_passes" => "dp-",
        _ => "ob-",
    };
    let mut v: Vec<String> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id LIKE '{prefix}%'"))
            .fetch_all(t.server.state.db.read())
            .await
            .unwrap();
    v.sort();
    v
}

fn ms(t: DateTime<Utc>) -> i64 {
    to_ms(t)
}

#[db_test]
async fn a_pass_with_the_clock_moved_deletes_exactly_what_is_past_its_limit(db: Db) {
    let t = TestServer::start(db).await;
    let cfg = t.server.state.cfg.clone();
    let a = t.add_person("a@example.org", &[Role::Staff]).await;
    let b = t.add_person("b@example.org", &[Role::Guardian]).await;
    let admin = t.add_person("admin@example.org", &[Role::Admin]).await;
    let center_id: String = sqlx::query_scalar("SELECT center_id FROM people WHERE id = $1")
        .bind(&a)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    // More than every limit later: 401 days.
    t.advance(401 * 24 * 3600);
    let now = t.now();
    let min = Duration::minutes(1);
    let hour = Duration::hours(1);
    let day = Duration::days(1);
    assert_eq!(cfg.codes.message_window_secs, 3600);
    assert_eq!(cfg.limits.password_window_secs, 15 * 60);

    // Challenges and their codes: kept an hour past expiry (the hourly caps count codes).
    for (id, expires) in [
        ("ch-old", now - hour - min),
        ("ch-recent", now - min * 10),
        ("ch-live", now + min * 5),
    ] {
        exec(
            &t,
            "INSERT INTO challenges (id, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[Val::T(id), Val::T(&a), Val::N(ms(expires - min * 15)), Val::N(ms(expires))],
        )
        .await;
    }
    for (id, challenge, expires) in [
        ("code-old", "ch-live", now - hour - min),
        // Not yet an hour past its expiry, but its challenge is: it goes with it.
        ("code-cascade", "ch-old", now - hour + min * 5),
        ("code-recent", "ch-live", now - min * 30),
        ("code-live", "ch-live", now + min * 5),
    ] {
        exec(
            &t,
            "INSERT INTO codes (id, challenge_id, person_id, sent_to, code_hash, created_at, \
             expires_at) VALUES ($1, $2, $3, 'a@example.org', $4, $5, $6)",
            &[
                Val::T(id),
                Val::T(challenge),
                Val::T(&a),
                Val::B(id.as_bytes()),
                Val::N(ms(expires - min * 10)),
                Val::N(ms(expires)),
            ],
        )
        .await;
    }
    for (id, expires) in [("en-old", now - hour - min), ("en-live", now + min * 5)] {
        exec(
            &t,
            "INSERT INTO enrollments (id, person_id, kind, address, created_at, expires_at) \
             VALUES ($1, $2, 'email', 'a2@example.org', $3, $4)",
            &[
                Val::T(id),
                Val::T(&a),
                Val::N(ms(expires - min * 15)),
                Val::N(ms(expires)),
            ],
        )
        .await;
    }
    // Tokens, freeze links, password tokens: gone once expired.
    for (hash, kind, expires) in [
        ("tok-old-session", "session", now - min),
        ("tok-old-setup", "setup", now - min),
        ("tok-live-session", "session", now + hour),
        ("tok-live-setup", "setup", now + min),
    ] {
        exec(
            &t,
            "INSERT INTO tokens (hash, kind, person_id, created_at, last_seen_at, expires_at, \
             public_id) VALUES ($1, $2, $3, $4, $4, $5, $6)",
            &[
                Val::B(hash.as_bytes()),
                Val::T(kind),
                Val::T(&a),
                Val::N(ms(now - day)),
                Val::N(ms(expires)),
                Val::T(hash),
            ],
        )
        .await;
    }
    for (table, hash, expires) in [
        ("freeze_tokens", "fr-old", now - min),
        ("freeze_tokens", "fr-live", now + day),
        ("password_tokens", "pw-old", now - min),
        ("password_tokens", "pw-live", now + min),
    ] {
        exec(
            &t,
            &format!(
                "INSERT INTO {table} (hash, person_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)"
            ),
            &[
                Val::B(hash.as_bytes()),
                Val::T(&a),
                Val::N(ms(expires - day)),
                Val::N(ms(expires)),
            ],
        )
        .await;
    }
    // Reset requests (one pending per person: the expired one is a's, the live one b's).
    for (id, person, expires) in [("rr-old", &a, now - min), ("rr-live", &b, now + hour)] {
        exec(
            &t,
            "INSERT INTO reset_requests (id, center_id, person_id, requested_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Val::T(id),
                Val::T(&center_id),
                Val::T(person),
                Val::T(&admin),
                Val::N(ms(expires - day)),
                Val::N(ms(expires)),
            ],
        )
        .await;
    }
    // One-day passes: 40 days after they expired (the monthly cap counts them until then).
    for (id, person, expires) in [
        ("dp-old", &a, now - day * 41),
        ("dp-kept", &b, now - day * 39),
    ] {
        exec(
            &t,
            "INSERT INTO day_passes (id, center_id, person_id, pass_hash, issued_by, created_at, \
             expires_at, ended_at, ended_how) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'expired')",
            &[
                Val::T(id),
                Val::T(&center_id),
                Val::T(person),
                Val::B(id.as_bytes()),
                Val::T(&admin),
                Val::N(ms(expires - hour)),
                Val::N(ms(expires)),
            ],
        )
        .await;
    }
    // Failed passwords: the window (15 minutes).
    for (email, at) in [
        ("pa-old@example.org", now - min * 15 - Duration::seconds(1)),
        ("pa-live@example.org", now - min),
    ] {
        exec(
            &t,
            "INSERT INTO password_attempts (email, at) VALUES ($1, $2)",
            &[Val::T(email), Val::N(ms(at))],
        )
        .await;
    }
    // Known devices: 90 days, but a person's newest device always stays.
    for (person, hash, last) in [
        (&a, "dev-old", now - day * 91),
        (&a, "dev-live", now - day),
        (&b, "dev-only", now - day * 200),
    ] {
        exec(
            &t,
            "INSERT INTO known_devices (person_id, device_hash, device_name, last_signed_in) \
             VALUES ($1, $2, $3, $4)",
            &[
                Val::T(person),
                Val::B(hash.as_bytes()),
                Val::T(hash),
                Val::N(ms(last)),
            ],
        )
        .await;
    }
    // Messages: sent or failed ones after 30 days; one still to send stays.
    for (id, created, sent, failed) in [
        ("ob-sent-old", now - day * 31, Some(now - day * 31), None),
        ("ob-failed-old", now - day * 31, None, Some(now - day * 30)),
        ("ob-pending-old", now - day * 31, None, None),
        ("ob-sent-live", now - day * 29, Some(now - day * 29), None),
    ] {
        let mut q = sqlx::query(
            "INSERT INTO outbox (id, channel, to_addr, subject, body, created_at, sent_at, \
             failed_at) VALUES ($1, 'email', 'a@example.org', 's', '', $2, $3, $4)",
        )
        .bind(id)
        .bind(ms(created));
        q = q.bind(sent.map(ms)).bind(failed.map(ms));
        q.execute(t.server.state.db.write()).await.unwrap();
    }
    // The audit trail: audit.retention_days (400).
    for (detail, at) in [
        ("audit-old", now - day * 400 - min),
        ("audit-live", now - day * 399),
    ] {
        exec(
            &t,
            "INSERT INTO audit (at, center_id, action, detail) VALUES ($1, $2, 'sign_in_passed', $3)",
            &[Val::N(ms(at)), Val::T(&center_id), Val::T(detail)],
        )
        .await;
    }

    let swept = retention::run_once(&t.server.state).await.unwrap();

    assert_eq!(ids(&t, "challenges").await, ["ch-live", "ch-recent"]);
    assert_eq!(ids(&t, "codes").await, ["code-live", "code-recent"]);
    assert_eq!(ids(&t, "enrollments").await, ["en-live"]);
    assert_eq!(ids(&t, "reset_requests").await, ["rr-live"]);
    assert_eq!(ids(&t, "day_passes").await, ["dp-kept"]);
    assert_eq!(ids(&t, "outbox").await, ["ob-pending-old", "ob-sent-live"]);
    let mut tokens: Vec<String> = sqlx::query_scalar("SELECT public_id FROM tokens")
        .fetch_all(t.server.state.db.read())
        .await
        .unwrap();
    tokens.sort();
    assert_eq!(tokens, ["tok-live-session", "tok-live-setup"]);
    for table in ["freeze_tokens", "password_tokens"] {
        let left: i64 = count_where(&t, table, "expires_at > 0").await;
        assert_eq!(left, 1, "{table}");
        let live: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE expires_at > $1"
        ))
        .bind(ms(now))
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
        assert_eq!(live, 1, "{table}: the live one stays");
    }
    let mut emails: Vec<String> = sqlx::query_scalar("SELECT email FROM password_attempts")
        .fetch_all(t.server.state.db.read())
        .await
        .unwrap();
    emails.sort();
    assert_eq!(emails, ["pa-live@example.org"]);
    let mut devices: Vec<String> = sqlx::query_scalar("SELECT device_name FROM known_devices")
        .fetch_all(t.server.state.db.read())
        .await
        .unwrap();
    devices.sort();
    assert_eq!(devices, ["dev-live", "dev-only"]);
    assert_eq!(count_where(&t, "audit", "detail = 'audit-old'").await, 0);
    assert_eq!(count_where(&t, "audit", "detail = 'audit-live'").await, 1);
    // The people's own events of 401 days ago went with it.
    assert_eq!(count_where(&t, "audit", "detail <> 'audit-live'").await, 0);
    assert_eq!(swept.of("codes"), 1, "{swept:?}");
    assert_eq!(swept.of("challenges"), 1, "{swept:?}");

    // A second pass finds nothing more; the server still works.
    assert_eq!(
        retention::run_once(&t.server.state).await.unwrap().total(),
        0
    );
    t.client.health().await.unwrap();
    t.server.stop().await;
}

#[db_test]
async fn more_than_a_batch_is_deleted_in_one_pass(db: Db) {
    let t = TestServer::start(db).await;
    let now = t.now();
    let n = retention::BATCH as i64 * 2 + 7;
    // One statement: 1,007 old failed passwords.
    let mut tx = t.server.state.db.begin().await.unwrap();
    for i in 0..n {
        sqlx::query("INSERT INTO password_attempts (email, at) VALUES ($1, $2)")
            .bind(format!("x{i}@example.org"))
            .bind(ms(now - Duration::hours(1)))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    // And 1,007 audit events older than 400 days, then a young one.
    let audit_before = t.count("audit").await;
    for i in 0..=n {
        let at = if i < n {
            now - Duration::days(401)
        } else {
            now
        };
        sqlx::query("INSERT INTO audit (at, action, detail) VALUES ($1, 'sign_in_failed', 'x')")
            .bind(ms(at))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    t.advance(3600);
    let swept = retention::run_once(&t.server.state).await.unwrap();
    assert_eq!(swept.of("password_attempts"), n as u64);
    assert_eq!(t.count("password_attempts").await, 0);
    assert_eq!(swept.of("audit"), n as u64);
    assert_eq!(t.count("audit").await, audit_before + 1);
    t.server.stop().await;
}

/// The rows counting failed sign-ins for unknown emails: how many, and their total.
async fn unknown_failures(t: &TestServer) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(occurrences), 0) AS BIGINT) FROM audit \
         WHERE center_id IS NULL AND person_id IS NULL AND action = 'sign_in_failed'",
    )
    .fetch_one(t.server.state.db.read())
    .await
    .unwrap()
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_unknown_emails_is_counted_on_one_row_per_window(db: Db) {
    let t = TestServer::start(db).await;
    // Through the API: three failures, one row.
    let http = reqwest::Client::new();
    for i in 0..3 {
        let r = http
            .post(format!("{}/api/v1/login", t.server.url()))
            .json(&serde_json::json!({
                "email": format!("nobody{i}@example.org"),
                "password": "not the password",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    assert_eq!(unknown_failures(&t).await, (1, 3));

    // A burst at once, from many tasks: every failure counted, on that same row.
    let burst = 60;
    let mut tasks = Vec::new();
    for _ in 0..burst {
        let st = t.server.state.clone();
        let now = t.now();
        tasks.push(tokio::spawn(async move {
            twostep_server::store::audit::count_unknown_sign_in_failure(
                &st.db,
                now,
                Duration::minutes(15),
            )
            .await
            .unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(unknown_failures(&t).await, (1, 3 + burst));

    // A failure for a known email stays a row of its own, in its center.
    t.add_person("known@example.org", &[Role::Staff]).await;
    let r = http
        .post(format!("{}/api/v1/login", t.server.url()))
        .json(&serde_json::json!({"email": "known@example.org", "password": "wrong one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(unknown_failures(&t).await, (1, 3 + burst));

    // The next window starts a new row.
    t.advance(15 * 60 + 1);
    let r = http
        .post(format!("{}/api/v1/login", t.server.url()))
        .json(&serde_json::json!({"email": "later@example.org", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(unknown_failures(&t).await, (2, 4 + burst));
    t.server.stop().await;
}

#[db_test]
async fn the_periodic_task_runs_on_its_own_and_stops_with_the_server(db: Db) {
    let t = TestServer::start_with(db, |c| c.retention.interval_secs = 1).await;
    let old = ms(t.now() - Duration::hours(1));
    exec(
        &t,
        "INSERT INTO password_attempts (email, at) VALUES ('old@example.org', $1)",
        &[Val::N(old)],
    )
    .await;
    let start = std::time::Instant::now();
    while t.count("password_attempts").await > 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "no pass ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Another pass later finds what has expired since (the clock moved).
    exec(
        &t,
        "INSERT INTO password_attempts (email, at) VALUES ('new@example.org', $1)",
        &[Val::N(ms(t.now()))],
    )
    .await;
    t.advance(16 * 60);
    while t.count("password_attempts").await > 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "no second pass"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stopping = std::time::Instant::now();
    t.server.stop().await;
    assert!(stopping.elapsed() < std::time::Duration::from_secs(5));
}
