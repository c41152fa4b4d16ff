//! Authentication: the bearer-token check on ARM requests, and the OAuth2 token endpoint
//! (client credentials with a secret or a client assertion) that issues HS256 JWTs shaped
//! like Entra ID's (`aud`, `iss`, `iat`, `nbf`, `exp`, `tid`, `oid`, `appid`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Lifetime of an issued token, in seconds (as Entra ID reports it).
pub const TOKEN_LIFETIME_SECS: u64 = 3599;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for i in 0..64 {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// The claims of a token issued for `client_id` in `tenant` for `scope`.
pub fn claims(tenant: &str, client_id: &str, scope: &str, now_secs: u64) -> Value {
    let first = scope.split_whitespace().next().unwrap_or(scope);
    let aud = first.strip_suffix("/.default").unwrap_or(first);
    let oid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, client_id.as_bytes()).to_string();
    json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{tenant}/"),
        "iat": now_secs,
        "nbf": now_secs,
        "exp": now_secs + TOKEN_LIFETIME_SECS,
        "tid": tenant,
        "oid": oid,
        "sub": oid,
        "appid": client_id,
        "azp": client_id,
        "ver": "1.0",
    })
}

/// A signed JWT (HS256) of `claims`.
pub fn sign(key: &[u8], claims: &Value) -> String {
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = B64.encode(hmac_sha256(key, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// The payload of a JWT, without checking its signature.
pub fn payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let _header = parts.next()?;
    let body = parts.next()?;
    let bytes = B64.decode(body.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("The access token is invalid.")]
    Malformed,
    #[error("The access token has an invalid signature.")]
    BadSignature,
    #[error("The access token expiry UTC time is earlier than current UTC time.")]
    Expired,
    #[error("The access token is not yet valid.")]
    NotYetValid,
    /// A token for another resource (storage, Graph, Key Vault).
    #[error(
        "The access token has been obtained for wrong audience or resource '{0}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."
    )]
    WrongAudience(String),
    /// A token from an issuer that is not Entra ID.
    #[error(
        "The access token is from the wrong issuer '{0}'. It must be issued by Entra ID ('https://sts.windows.net/{{tenant}}/')."
    )]
    WrongIssuer(String),
}

/// Audiences ARM accepts (those of the public, China and US Government clouds, with and
/// without the trailing slash); `own` is the emulator's own URL, the audience of a client
/// configured with a custom ARM endpoint.
const ARM_AUDIENCES: &[&str] = &[
    "https://management.core.windows.net",
    "https://management.azure.com",
    "https://management.chinacloudapi.cn",
    "https://management.core.chinacloudapi.cn",
    "https://management.usgovcloudapi.net",
    "https://management.core.usgovcloudapi.net",
];

/// Issuers of Entra ID tokens (v1 and v2, all three clouds).
const ISSUER_PREFIXES: &[&str] = &[
    "https://sts.windows.net/",
    "https://login.microsoftonline.com/",
    "https://sts.chinacloudapi.cn/",
    "https://login.chinacloudapi.cn/",
    "https://login.microsoftonline.us/",
    "https://sts.usgovcloudapi.net/",
];

/// Check a token's `aud` and `iss` as ARM does: an ARM audience (or the emulator's own URL
/// `own`) and an Entra ID issuer.
pub fn check_arm_claims(claims: &Value, own: &str) -> Result<(), TokenError> {
    let aud = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let trimmed = aud.trim_end_matches('/');
    let aud_ok = ARM_AUDIENCES
        .iter()
        .any(|a| trimmed.eq_ignore_ascii_case(a))
        || trimmed.eq_ignore_ascii_case(own.trim_end_matches('/'));
    if !aud_ok {
        return Err(TokenError::WrongAudience(aud.escape_default().to_string()));
    }
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !ISSUER_PREFIXES.iter().any(|p| iss.starts_with(p)) {
        return Err(TokenError::WrongIssuer(iss.escape_default().to_string()));
    }
    Ok(())
}

fn time_claim(v: &Value, name: &str) -> Option<u64> {
    v.get(name).and_then(Value::as_u64)
}

/// Check a token this emulator issued: signature, `nbf` and `exp` (with 5 minutes of skew).
pub fn verify(key: &[u8], token: &str, now_secs: u64) -> Result<Value, TokenError> {
    let (signing_input, sig) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let claims = payload(token).ok_or(TokenError::Malformed)?;
    let given = B64
        .decode(sig.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    let expected = hmac_sha256(key, signing_input.as_bytes());
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(TokenError::BadSignature);
    }
    check_times(&claims, now_secs)?;
    Ok(claims)
}

/// `exp`/`nbf` check with 5 minutes of clock skew, as Entra ID allows.
pub fn check_times(claims: &Value, now_secs: u64) -> Result<(), TokenError> {
    let exp = time_claim(claims, "exp").ok_or(TokenError::Malformed)?;
    if exp + 300 < now_secs {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = time_claim(claims, "nbf")
        && nbf > now_secs + 300
    {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

/// Audiences a client assertion may carry: the token endpoint, or the federated-credential
/// audience used by workload identity.
pub fn assertion_audience_ok(claims: &Value, token_endpoint: &str) -> bool {
    let ok = |a: &str| {
        a.eq_ignore_ascii_case("api://AzureADTokenExchange")
            || a.trim_end_matches('/')
                .eq_ignore_ascii_case(token_endpoint.trim_end_matches('/'))
    };
    match claims.get("aud") {
        Some(Value::String(a)) => ok(a),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(ok),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn issued_tokens_verify_and_tampering_is_caught() {
        let c = claims("t1", "app", "https://management.azure.com/.default", 1_000);
        assert_eq!(c["aud"], "https://management.azure.com");
        assert_eq!(c["iss"], "https://sts.windows.net/t1/");
        let t = sign(b"k", &c);
        assert_eq!(verify(b"k", &t, 1_000).unwrap()["tid"], "t1");
        assert_eq!(verify(b"other", &t, 1_000), Err(TokenError::BadSignature));
        assert_eq!(
            verify(b"k", &t, 1_000 + 3599 + 301),
            Err(TokenError::Expired)
        );
        assert_eq!(verify(b"k", "abc", 1_000), Err(TokenError::Malformed));
    }

    #[test]
    fn arm_takes_only_arm_audiences_from_entra_issuers() {
        let own = "https://127.0.0.1:8443";
        for scope in [
            "https://management.azure.com/.default",
            "https://management.core.windows.net//.default",
            "https://127.0.0.1:8443/.default",
        ] {
            let c = claims("t1", "app", scope, 1_000);
            assert_eq!(check_arm_claims(&c, own), Ok(()), "{scope}");
        }
        for scope in [
            "https://storage.azure.com/.default",
            "https://graph.microsoft.com/.default",
            "https://vault.azure.net/.default",
        ] {
            let c = claims("t1", "app", scope, 1_000);
            assert!(
                matches!(check_arm_claims(&c, own), Err(TokenError::WrongAudience(_))),
                "{scope}"
            );
        }
        let mut c = claims("t1", "app", "https://management.azure.com/.default", 1_000);
        c["iss"] = "https://evil.example/".into();
        assert!(matches!(
            check_arm_claims(&c, own),
            Err(TokenError::WrongIssuer(_))
        ));
    }

    /// Azurite's `--oauth basic` (blob/authentication/BlobTokenAuthenticator in its source)
    /// wants `iat`, `nbf` and `exp`, an `iss` starting with `https://sts.windows.net/` and,
    /// for the blob service, the audience `https://storage.azure.com` (with or without a
    /// trailing slash): the storage tokens of this endpoint must carry exactly that.
    #[test]
    fn storage_tokens_carry_the_claims_azurite_checks() {
        let c = claims("t1", "app", "https://storage.azure.com/.default", 1_000);
        assert_eq!(c["aud"], "https://storage.azure.com");
        assert!(
            c["iss"]
                .as_str()
                .unwrap()
                .starts_with("https://sts.windows.net/")
        );
        for t in ["iat", "nbf", "exp"] {
            assert!(c[t].is_u64(), "{t} missing");
        }
        assert!(c["nbf"].as_u64() <= Some(1_000) && c["exp"].as_u64() > Some(1_000));
    }
}
