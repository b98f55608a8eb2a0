//! Aegis' encrypted vault: the database sealed with AES-256-GCM under a master key, which each
//! password slot seals under a key derived with scrypt. The scrypt cost is read from the file,
//! so it is checked against a cap before any work: a file asking for gigabytes is refused at
//! once, not after the machine has stalled.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::{ImportProblem, VaultError};

/// The most memory an import's scrypt may ask for (Aegis sets 32 MiB).
const MAX_SCRYPT_BYTES: u64 = 256 * 1024 * 1024;
const MAX_SCRYPT_P: u32 = 16;
/// The most password slots tried (Aegis makes one per password; a file with hundreds would
/// cost hundreds of derivations).
const MAX_PASSWORD_SLOTS: usize = 4;

/// The decrypted database (`{"version", "entries": […]}`).
pub fn open(doc: &Value, password: &str) -> Result<Value, VaultError> {
    let damaged = || VaultError::VaultDamaged("the Aegis file is damaged".into());
    let slots = doc
        .pointer("/header/slots")
        .and_then(Value::as_array)
        .ok_or_else(damaged)?;
    let password_slots: Vec<&Value> = slots
        .iter()
        .filter(|s| s.get("type").and_then(Value::as_u64) == Some(1))
        .collect();
    if password_slots.is_empty() {
        return Err(damaged());
    }
    if password_slots.len() > MAX_PASSWORD_SLOTS {
        return Err(VaultError::ImportUnreadable(ImportProblem::KdfTooCostly));
    }
    // Every slot's cost first: nothing is derived from a file that asks too much of any.
    let costs = password_slots
        .iter()
        .map(|s| cost(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut master = None;
    for (slot, params) in password_slots.iter().zip(costs) {
        if let Some(key) = unseal_master(slot, &params, password)? {
            master = Some(key);
            break;
        }
    }
    let master = master.ok_or(VaultError::VaultWrongPassword)?;
    let hex = |ptr: &str| -> Result<Vec<u8>, VaultError> {
        let s = doc
            .pointer(ptr)
            .and_then(Value::as_str)
            .ok_or_else(damaged)?;
        HEXLOWER_PERMISSIVE
            .decode(s.as_bytes())
            .map_err(|_| damaged())
    };
    let nonce = hex("/header/params/nonce")?;
    let tag = hex("/header/params/tag")?;
    let mut sealed = doc
        .get("db")
        .and_then(Value::as_str)
        .and_then(|d| BASE64.decode(d.trim().as_bytes()).ok())
        .ok_or_else(damaged)?;
    sealed.extend_from_slice(&tag);
    let plain = Zeroizing::new(gcm_open(&master, &nonce, &sealed).ok_or_else(damaged)?);
    serde_json::from_slice(&plain).map_err(|_| damaged())
}

/// A slot's scrypt parameters, refused when they ask for more than any app sets.
fn cost(slot: &Value) -> Result<scrypt::Params, VaultError> {
    let num = |k: &str| slot.get(k).and_then(Value::as_u64);
    let damaged = || VaultError::VaultDamaged("the Aegis file is damaged".into());
    let (n, r, p) = (
        num("n").ok_or_else(damaged)?,
        num("r").ok_or_else(damaged)?,
        num("p").ok_or_else(damaged)?,
    );
    let too_costly = VaultError::ImportUnreadable(ImportProblem::KdfTooCostly);
    if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
        return Err(damaged());
    }
    let memory = 128u64.saturating_mul(r).saturating_mul(n);
    if memory > MAX_SCRYPT_BYTES || p > u64::from(MAX_SCRYPT_P) {
        return Err(too_costly);
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| damaged())?;
    scrypt::Params::new(
        log_n,
        u32::try_from(r).map_err(|_| damaged())?,
        u32::try_from(p).map_err(|_| damaged())?,
        32,
    )
    .map_err(|_| damaged())
}

/// The master key, if `password` opens this slot.
fn unseal_master(
    slot: &Value,
    params: &scrypt::Params,
    password: &str,
) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
    let damaged = || VaultError::VaultDamaged("the Aegis file is damaged".into());
    let hex = |v: Option<&Value>| -> Result<Vec<u8>, VaultError> {
        let s = v.and_then(Value::as_str).ok_or_else(damaged)?;
        HEXLOWER_PERMISSIVE
            .decode(s.as_bytes())
            .map_err(|_| damaged())
    };
    let salt = hex(slot.get("salt"))?;
    let mut sealed = hex(slot.get("key"))?;
    let nonce = hex(slot.pointer("/key_params/nonce"))?;
    sealed.extend(hex(slot.pointer("/key_params/tag"))?);
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.as_bytes(), &salt, params, key.as_mut()).map_err(|_| damaged())?;
    Ok(gcm_open(key.as_ref(), &nonce, &sealed).map(Zeroizing::new))
}

fn gcm_open(key: &[u8], nonce: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if nonce.len() != 12 {
        return None;
    }
    Aes256Gcm::new_from_slice(key)
        .ok()?
        .decrypt(Nonce::from_slice(nonce), sealed)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::super::parse as import;
    use super::*;
    use crate::EntryProblem;

    /// An Aegis encrypted vault, made the way Aegis makes one: a random master key seals the
    /// database; a scrypt-derived key seals the master key in a password slot.
    fn aegis_vault(db: &Value, password: &str, n: u64) -> String {
        let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
        let master = [7u8; 32];
        let (db_nonce, slot_nonce, salt) = ([1u8; 12], [2u8; 12], [3u8; 32]);
        let seal = |key: &[u8], nonce: &[u8; 12], plain: &[u8]| {
            let mut out = Aes256Gcm::new_from_slice(key)
                .unwrap()
                .encrypt(Nonce::from_slice(nonce), plain)
                .unwrap();
            let tag = out.split_off(out.len() - 16);
            (out, tag)
        };
        let (db_sealed, db_tag) = seal(&master, &db_nonce, db.to_string().as_bytes());
        // The real cost for the test's own vault; the header may claim another (`n`).
        let mut derived = [0u8; 32];
        let params = scrypt::Params::new(10, 8, 1, 32).unwrap();
        scrypt::scrypt(password.as_bytes(), &salt, &params, &mut derived).unwrap();
        let (key_sealed, key_tag) = seal(&derived, &slot_nonce, &master);
        serde_json::json!({
            "version": 1,
            "header": {
                "slots": [
                    { "type": 2, "uuid": "bio", "key": "00", "key_params": { "nonce": "00", "tag": "00" } },
                    { "type": 1, "uuid": "9a1f", "key": hex(&key_sealed),
                      "key_params": { "nonce": hex(&slot_nonce), "tag": hex(&key_tag) },
                      "n": n, "r": 8, "p": 1, "salt": hex(&salt), "repaired": true, "is_backup": false }
                ],
                "params": { "nonce": hex(&db_nonce), "tag": hex(&db_tag) }
            },
            "db": BASE64.encode(&db_sealed)
        })
        .to_string()
    }

    fn db() -> Value {
        serde_json::json!({ "version": 3, "entries": [
            { "type": "totp", "uuid": "1", "name": "jordan@maple.example", "issuer": "Twostep",
              "info": { "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "algo": "SHA1", "digits": 6, "period": 30 } },
            { "type": "hotp", "uuid": "2", "name": "bank", "issuer": "Bank",
              "info": { "secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "counter": 1 } }
        ], "groups": [] })
    }

    #[test]
    fn an_encrypted_aegis_vault_opens_with_its_password_and_reports_a_broken_entry() {
        let file = aegis_vault(&db(), "classroom vault", 1024);
        let r = import(
            &file,
            Some("classroom vault"),
            0,
            super::super::tests::ids(),
        )
        .unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].code_at(59), "287082");
        assert_eq!(
            r.problems[0].error,
            VaultError::InvalidEntry(EntryProblem::CounterBased)
        );
        assert_eq!(
            import(&file, Some("not it"), 0, super::super::tests::ids()).unwrap_err(),
            VaultError::VaultWrongPassword
        );
        assert_eq!(
            import(&file, None, 0, super::super::tests::ids()).unwrap_err(),
            VaultError::ImportUnreadable(ImportProblem::AegisEncrypted)
        );
    }

    #[test]
    fn a_vault_asking_for_an_absurd_scrypt_cost_is_refused_before_any_work() {
        // 2^30 × 8 × 128 bytes: 1 TiB of memory. Refused from the header: a derivation would
        // not end (and the cost is checked before any slot is tried).
        let file = aegis_vault(&db(), "classroom vault", 1 << 30);
        assert_eq!(
            import(
                &file,
                Some("classroom vault"),
                0,
                super::super::tests::ids()
            )
            .unwrap_err(),
            VaultError::ImportUnreadable(ImportProblem::KdfTooCostly)
        );
        // Hundreds of password slots would be hundreds of derivations: more than four, refused.
        let mut doc: Value =
            serde_json::from_str(&aegis_vault(&db(), "classroom vault", 1024)).unwrap();
        let slot = doc["header"]["slots"][1].clone();
        doc["header"]["slots"] = Value::Array(vec![slot; 5]);
        assert_eq!(
            import(
                &doc.to_string(),
                Some("classroom vault"),
                0,
                super::super::tests::ids()
            )
            .unwrap_err(),
            VaultError::ImportUnreadable(ImportProblem::KdfTooCostly)
        );
        let odd = aegis_vault(&db(), "classroom vault", 1000);
        assert!(matches!(
            import(&odd, Some("classroom vault"), 0, super::super::tests::ids()),
            Err(VaultError::VaultDamaged(_))
        ));
    }
}
