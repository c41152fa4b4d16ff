//! The Azurite harness itself, before any azlift state code runs on it: Azurite started from
//! `tests/azurite` really enforces what the state tests rely on. Over HTTPS with
//! `--oauth basic` it accepts the storage tokens the azlift emulator's token endpoint issues
//! and refuses a token for another audience; over HTTP it accepts the account SAS the support
//! signs and refuses a tampered one.

mod azurite_support;
mod common;

use azurite_support::{Auth, Azurite, Mode, Raw, emulator_token};
use common::StandaloneEmulator;

#[test]
fn https_oauth_accepts_emulator_storage_tokens_and_refuses_other_audiences() {
    let emu = StandaloneEmulator::start(&["--strict-auth"]);
    let azurite = Azurite::start(Mode::HttpsOAuth);
    assert!(azurite.endpoint().starts_with("https://127.0.0.1:"));

    let storage = emulator_token(&emu.url, &emu.ca_file, "https://storage.azure.com/.default");
    let raw = Raw::with_auth(&azurite, Auth::Bearer(storage));
    let r = raw.create_container(&azurite, "tfstate");
    assert_eq!(r.status, 201, "{}\n{}", r.text(), azurite.output());
    let r = raw.put_blob(&azurite, "tfstate", "a.json", b"{}", &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(raw.get_blob(&azurite, "tfstate", "a.json").body, b"{}");

    // The same emulator's ARM token: right issuer, wrong audience.
    let arm = emulator_token(
        &emu.url,
        &emu.ca_file,
        "https://management.azure.com/.default",
    );
    let wrong = Raw::with_auth(&azurite, Auth::Bearer(arm));
    let r = wrong.get_blob(&azurite, "tfstate", "a.json");
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("Invalid token audience"), "{}", r.text());

    // No credential at all: the container is private.
    let anon = Raw::with_auth(&azurite, Auth::None);
    let r = anon.get_blob(&azurite, "tfstate", "a.json");
    assert!(
        r.status == 404 || r.status == 403,
        "{} {}",
        r.status,
        r.text()
    );
}

#[test]
fn http_sas_accepts_the_signed_account_sas_and_refuses_a_tampered_one() {
    let azurite = Azurite::start(Mode::HttpSas);
    assert!(azurite.endpoint().starts_with("http://127.0.0.1:"));
    let raw = Raw::sas(&azurite);
    let r = raw.create_container(&azurite, "state");
    assert_eq!(r.status, 201, "{}\n{}", r.text(), azurite.output());
    let r = raw.put_blob(&azurite, "state", "p/dev.json", b"{\"serial\":1}", &[]);
    assert_eq!(r.status, 201, "{}", r.text());
    let etag = r.header("etag").expect("an ETag");

    // Optimistic concurrency is enforced: a stale If-Match is refused with 412.
    let r = raw.put_blob(
        &azurite,
        "state",
        "p/dev.json",
        b"{\"serial\":2}",
        &[("if-match", "\"0x8D000000DEADBEE\"")],
    );
    assert_eq!(r.status, 412, "{}", r.text());
    let r = raw.put_blob(
        &azurite,
        "state",
        "p/dev.json",
        b"{\"serial\":2}",
        &[("if-match", &etag)],
    );
    assert_eq!(r.status, 201, "{}", r.text());

    // A SAS whose signature does not match its fields is refused.
    let sas = azurite_support::full_sas();
    let tampered = sas.replace("sp=rwdlac", "sp=rwdlacup");
    assert_ne!(sas, tampered);
    let bad = Raw::with_auth(&azurite, Auth::Sas(tampered));
    let r = bad.get_blob(&azurite, "state", "p/dev.json");
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        raw.get_blob(&azurite, "state", "p/dev.json").body,
        b"{\"serial\":2}"
    );
}
