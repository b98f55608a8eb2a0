//! Backups of a live SQLite database and their restore, with the real binary: the drill (a
//! backup taken during a burst of sign-ins, restored into a new folder, a server started
//! there, an authenticator enrolled before the backup signs in), a restore refused with
//! another key, and PostgreSQL pointed to its own tools (docs/operating.md, "Backups").

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use twostep_client::api::LoginResponse;
use twostep_client::Client;
use twostep_core::Role;
use twostep_server::{Clock, Config};

use crate::harness::{burst, session_of, Db, TestServer, PASSWORD};

const BIN: &str = env!("CARGO_BIN_EXE_twostep-server");

fn run(args: &[&str], paths: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (flag, p) in paths {
        cmd.arg(flag).arg(p);
    }
    cmd.output().unwrap()
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn a_backup_taken_during_a_burst_of_sign_ins_restores_and_signs_in_with_an_authenticator() {
    let t = TestServer::start(Db::Sqlite).await;
    let email = "ana@acorns.example";
    let totp = t.enrolled_with_totp(email, &[Role::Staff]).await;
    for i in 0..8 {
        t.add_person(&format!("parent{i}@acorns.example"), &[Role::Guardian])
            .await;
    }
    let data = t.state().cfg.data.clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nightly").join("twostep-backup.db");

    // The backup runs while 24 sign-ins (right and wrong passwords) are released at once.
    let (backup, sign_ins) = {
        let (data, file) = (data.clone(), file.clone());
        let backup = tokio::task::spawn_blocking(move || {
            run(&["backup"], &[("--data", &data), ("--to", &file)])
        });
        let client = t.client.clone();
        let sign_ins = burst(24, move |i| {
            let c = client.clone();
            async move {
                let pw = if i % 3 == 0 {
                    "wrong password"
                } else {
                    PASSWORD
                };
                c.login(&format!("parent{}@acorns.example", i % 8), pw, None)
                    .await
            }
        });
        (backup.await.unwrap(), sign_ins.await)
    };
    assert!(backup.status.success(), "{}", said(&backup));
    let out = said(&backup);
    assert!(out.contains("server.key") && out.contains("Keep"), "{out}");
    assert!(
        out.contains(t.state().keys.fingerprint()),
        "the output names the key's fingerprint: {out}"
    );
    // The sign-ins were not stopped by it.
    let ok = sign_ins.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        ok,
        16,
        "{:?}",
        sign_ins.iter().filter(|r| r.is_err()).collect::<Vec<_>>()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // A second backup never overwrites the first.
    let again = run(&["backup"], &[("--data", &data), ("--to", &file)]);
    assert!(!again.status.success());

    // Restored into a new folder with the key kept beside the backup.
    let restored = dir.path().join("restored");
    let out = run(
        &["restore"],
        &[
            ("--from", &file),
            ("--data", &restored),
            ("--key", &data.join("server.key")),
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    assert!(restored.join("twostep.db").exists() && restored.join("server.key").exists());
    // Never over a database that is there.
    let twice = run(&["restore"], &[("--from", &file), ("--data", &restored)]);
    assert!(!twice.status.success());
    assert!(
        said(&twice).contains("already holds a database"),
        "{}",
        said(&twice)
    );

    // The original goes away; a server on the restored folder signs Ana in with a code of
    // the authenticator she set up before the backup.
    let clock = t.clock.clone();
    t.server.stop().await;
    clock.advance(30);
    let cfg = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data: restored.clone(),
        dev_outbox: true,
        ..Config::default()
    };
    let server = twostep_server::spawn(cfg, clock.clone() as Arc<dyn Clock>)
        .await
        .unwrap();
    let client = Client::new(server.url());
    let LoginResponse::Verify { challenge_id, .. } =
        client.login(email, PASSWORD, None).await.unwrap()
    else {
        panic!("expected the second step")
    };
    let code = twostep_testkit::totp_code(&totp.secret, clock.now().timestamp());
    let (session, person) = session_of(
        client
            .verify(&challenge_id, &totp.method_id, &code)
            .await
            .unwrap(),
    );
    assert!(!session.is_empty());
    assert_eq!(person.email, email);
    server.stop().await;
}

#[tokio::test]
async fn restore_refuses_a_backup_made_with_another_key() {
    let t = TestServer::start(Db::Sqlite).await;
    t.add_person("ana@acorns.example", &[Role::Staff]).await;
    let data = t.state().cfg.data.clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    let out = run(&["backup"], &[("--data", &data), ("--to", &file)]);
    assert!(out.status.success(), "{}", said(&out));

    // Another key, given, or already in the folder: refused, nothing written.
    let other = dir.path().join("other.key");
    std::fs::write(&other, [7u8; 32]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let target = dir.path().join("restored");
    let out = run(
        &["restore"],
        &[("--from", &file), ("--data", &target), ("--key", &other)],
    );
    assert!(!out.status.success());
    let err = said(&out);
    assert!(
        err.contains("another server key") && err.contains("Nothing was restored"),
        "{err}"
    );
    assert!(!target.join("twostep.db").exists());
    assert!(!target.join("server.key").exists());

    // No key at all: told where it must be.
    let out = run(&["restore"], &[("--from", &file), ("--data", &target)]);
    assert!(!out.status.success());
    assert!(said(&out).contains("--key"), "{}", said(&out));
    assert!(!target.join("twostep.db").exists());
}

#[test]
fn backup_on_postgresql_says_to_use_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "backup",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .arg("--to")
        .arg(dir.path().join("b.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = said(&out);
    assert!(
        err.contains("PostgreSQL") && err.contains("pg_dump"),
        "{err}"
    );
    let out = Command::new(BIN)
        .args([
            "restore",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .arg("--from")
        .arg(dir.path().join("b.db"))
        .output()
        .unwrap();
    assert!(said(&out).contains("pg_restore"), "{}", said(&out));
}
