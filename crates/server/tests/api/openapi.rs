//! The served OpenAPI document is valid OpenAPI 3.1: checked here for the two faults a client
//! generator trips on (a `$ref` to nothing, a parameter in the wrong place), then by a real
//! validator, openapi-spec-validator (`make test-deps` installs it into target/pytools).

use std::process::Command;

use serde_json::Value;
use twostep_client::api;

use crate::harness::*;

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[db_test]
async fn the_served_openapi_document_is_valid(db: Db) {
    let t = TestServer::start(db).await;
    let doc = t.client.openapi().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }

    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                let (name, place) = (p["name"].as_str().unwrap(), p["in"].as_str().unwrap());
                let in_template = path.contains(&format!("{{{name}}}"));
                match place {
                    "path" => assert!(in_template, "{method} {path}: {name} is not in the path"),
                    "query" | "header" => {
                        assert!(!in_template, "{method} {path}: {name} is in the path")
                    }
                    other => panic!("{method} {path}: {name} in {other}"),
                }
            }
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path"),
                    "{method} {path}: {name} is not declared"
                );
            }
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let tools = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/pytools");
    let out = Command::new("python3")
        .env("PYTHONPATH", tools)
        .args([
            "-c",
            "import sys\n\
             from openapi_spec_validator import validate\n\
             from openapi_spec_validator.readers import read_from_filename\n\
             spec, _ = read_from_filename(sys.argv[1])\n\
             validate(spec)\n\
             print('valid')",
        ])
        .arg(&file)
        .output()
        .expect("python3");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !said.contains("No module named 'openapi_spec_validator'"),
        "openapi-spec-validator is missing: run `make test-deps`"
    );
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "valid",
        "{said}"
    );
}

/// The document names the audit trail's actions and reasons from the one list of each
/// (`twostep_api::AuditAction`, `AuditReason`): the events' fields and the filter refer to it.
#[tokio::test]
async fn the_document_lists_every_audit_action_and_reason() {
    let t = TestServer::start(Db::Sqlite).await;
    let doc = t.client.openapi().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    let names = |v: &Value| -> Vec<String> {
        v["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("not an enum: {v}"))
            .iter()
            .map(|n| n.as_str().unwrap().to_owned())
            .collect()
    };
    let actions: Vec<_> = api::AuditAction::ALL
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    assert_eq!(names(&schemas["AuditAction"]), actions);
    let reasons: Vec<_> = api::AuditReason::ALL
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    assert_eq!(names(&schemas["AuditReason"]), reasons);
    let event = &schemas["AuditEvent"]["properties"];
    assert_eq!(event["action"]["$ref"], "#/components/schemas/AuditAction");
    assert!(
        event["reason"]
            .to_string()
            .contains("#/components/schemas/AuditReason"),
        "{}",
        event["reason"]
    );
    let audit = &doc["paths"]["/api/v1/admin/audit"]["get"]["parameters"];
    let filter = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "action")
        .unwrap();
    assert_eq!(names(&filter["schema"]), actions);
}
