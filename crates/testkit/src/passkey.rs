//! A software passkey: a real WebAuthn authenticator in the tests' own hands. It makes a P-256
//! key, answers `navigator.credentials.create` with a "none" attestation and `get` with a
//! signed assertion, exactly as a browser hands them to the server (JSON, binary fields
//! base64url). Unlike a browser it can be made to misbehave: another site's origin, no user
//! verification, a replayed answer, or a copy whose counter goes back.

use data_encoding::BASE64URL_NOPAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One passkey, as an authenticator keeps it. `Clone` is a copy of the key: the "cloned
/// credential" a counter exposes.
#[derive(Clone)]
pub struct TestPasskey {
    key: SigningKey,
    pub credential_id: Vec<u8>,
    /// The user handle the site gave at registration (a discoverable passkey returns it).
    pub user_handle: Vec<u8>,
    rp_id: String,
    /// The origin it says it is on (`http://localhost:PORT` for the test server).
    pub origin: String,
    /// The signature counter; it counts only if `counts`.
    pub counter: u32,
    pub counts: bool,
    /// Whether it says it verified its user (a fingerprint, a PIN).
    pub verifies_user: bool,
}

/// The origin a browser on the test server's address is on: WebAuthn has no IP addresses,
/// so the server's relying party is `localhost` on the same port.
pub fn origin_of(base_url: &str) -> String {
    let port = base_url
        .rsplit(':')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    format!("http://localhost:{port}")
}

fn b64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    BASE64URL_NOPAD
        .decode(s.trim_end_matches('=').as_bytes())
        .expect("base64url from the server")
}

impl TestPasskey {
    /// Answers the creation options of `POST /me/methods {"kind": "passkey"}` (the
    /// `options` field) on `origin`: the new passkey, and the credential to confirm with.
    pub fn create(options: &Value, origin: &str) -> (TestPasskey, Value) {
        let pk = &options["publicKey"];
        let rp_id = pk["rp"]["id"].as_str().expect("rp.id").to_owned();
        let mut secret = [0u8; 32];
        let mut credential_id = vec![0u8; 16];
        fill_random(&mut secret);
        fill_random(&mut credential_id);
        let key = SigningKey::from_slice(&secret).expect("a P-256 key");
        let passkey = TestPasskey {
            key,
            credential_id,
            user_handle: unb64(pk["user"]["id"].as_str().expect("user.id")),
            rp_id,
            origin: origin.to_owned(),
            counter: 0,
            counts: false,
            verifies_user: true,
        };
        let client_data = passkey.client_data("webauthn.create", pk);
        let auth_data = passkey.auth_data(true);
        let attestation = cbor_map(vec![
            (cbor_text("fmt"), cbor_text("none")),
            (cbor_text("attStmt"), cbor_map(vec![])),
            (cbor_text("authData"), cbor_bytes(&auth_data)),
        ]);
        let id = b64(&passkey.credential_id);
        let credential = json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data),
            },
            "extensions": {},
        });
        (passkey, credential)
    }

    /// One that counts its signatures from 1, as a hardware security key does.
    pub fn counting(mut self) -> Self {
        self.counts = true;
        self
    }

    /// Answers request options (`send`'s or `POST /login/passkey`'s `options`) with an
    /// assertion, counting if it counts.
    pub fn get(&mut self, options: &Value) -> Value {
        if self.counts {
            self.counter += 1;
        }
        let pk = &options["publicKey"];
        let client_data = self.client_data("webauthn.get", pk);
        let auth_data = self.auth_data(false);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        let id = b64(&self.credential_id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&self.user_handle),
            },
            "extensions": {},
        })
    }

    fn client_data(&self, kind: &str, pk: &Value) -> Vec<u8> {
        json!({
            "type": kind,
            "challenge": pk["challenge"].as_str().expect("a challenge"),
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// The authenticator data: the relying party's id hashed, the flags (user present, user
    /// verified if it does, backup eligible and backed up as a synced passkey is), the
    /// counter, and at registration the credential and its public key.
    fn auth_data(&self, with_credential: bool) -> Vec<u8> {
        const UP: u8 = 0x01;
        const UV: u8 = 0x04;
        const BE: u8 = 0x08;
        const BS: u8 = 0x10;
        const AT: u8 = 0x40;
        let mut flags = UP | BE | BS;
        if self.verifies_user {
            flags |= UV;
        }
        if with_credential {
            flags |= AT;
        }
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        if with_credential {
            data.extend_from_slice(&[0u8; 16]); // no AAGUID
            let len = u16::try_from(self.credential_id.len()).expect("a short id");
            data.extend_from_slice(&len.to_be_bytes());
            data.extend_from_slice(&self.credential_id);
            data.extend_from_slice(&self.cose_key());
        }
        data
    }

    /// The public key as COSE: EC2 (kty 2), ES256 (alg -7), P-256 (crv 1), x and y.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_sec1_bytes();
        // Uncompressed: 0x04 || x (32) || y (32).
        let (x, y) = (&point[1..33], &point[33..65]);
        cbor_map(vec![
            (cbor_int(1), cbor_int(2)),
            (cbor_int(3), cbor_int(-7)),
            (cbor_int(-1), cbor_int(1)),
            (cbor_int(-2), cbor_bytes(x)),
            (cbor_int(-3), cbor_bytes(y)),
        ])
    }
}

fn fill_random(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(16) {
        let n = uuid::Uuid::new_v4();
        chunk.copy_from_slice(&n.as_bytes()[..chunk.len()]);
    }
}

// The little CBOR WebAuthn needs (RFC 8949): integers, byte and text strings, maps.
fn cbor_head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        0x100..=0xffff => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v
        }
        _ => {
            let mut v = vec![m | 26];
            v.extend_from_slice(&(n as u32).to_be_bytes());
            v
        }
    }
}

fn cbor_int(n: i64) -> Vec<u8> {
    if n >= 0 {
        cbor_head(0, n as u64)
    } else {
        cbor_head(1, (-1 - n) as u64)
    }
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = cbor_head(2, b.len() as u64);
    v.extend_from_slice(b);
    v
}

fn cbor_text(s: &str) -> Vec<u8> {
    let mut v = cbor_head(3, s.len() as u64);
    v.extend_from_slice(s.as_bytes());
    v
}

fn cbor_map(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<u8> {
    let mut v = cbor_head(5, entries.len() as u64);
    for (k, val) in entries {
        v.extend(k);
        v.extend(val);
    }
    v
}
