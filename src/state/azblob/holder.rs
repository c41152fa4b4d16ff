//! The lock holder's info as blob metadata (`azlift_user`, `azlift_host`, ...) and back.
//! Metadata travels as HTTP headers, so values are percent-encoded to printable ASCII.

use std::collections::HashMap;

use crate::state::LockInfo;

const ID: &str = "azlift_id";
const USER: &str = "azlift_user";
const HOST: &str = "azlift_host";
const PID: &str = "azlift_pid";
const COMMAND: &str = "azlift_command";
const SINCE: &str = "azlift_since";

/// Metadata of a state blob version: which document it holds (so `history` needs no download).
pub(super) const SERIAL: &str = "azlift_serial";
pub(super) const LINEAGE: &str = "azlift_lineage";

/// `info` as metadata of the lock blob.
pub(super) fn to_metadata(info: &LockInfo) -> HashMap<String, String> {
    let since = info
        .since
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    HashMap::from([
        (ID.to_string(), encode(&info.id)),
        (USER.to_string(), encode(&info.user)),
        (HOST.to_string(), encode(&info.host)),
        (PID.to_string(), info.pid.to_string()),
        (COMMAND.to_string(), encode(&info.command)),
        (SINCE.to_string(), since),
    ])
}

/// The holder in the lock blob's metadata, `None` when there is none (released or never
/// taken) or it is not azlift's.
pub(super) fn from_metadata(meta: &HashMap<String, String>) -> Option<LockInfo> {
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    let since =
        time::OffsetDateTime::parse(get(SINCE)?, &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(LockInfo {
        id: decode(get(ID)?),
        user: decode(get(USER)?),
        host: decode(get(HOST)?),
        pid: get(PID)?.parse().ok()?,
        command: decode(get(COMMAND)?),
        since,
    })
}

/// Percent-encode everything but printable ASCII (and `%` itself).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether process `pid` is alive on this machine (`None` when that cannot be told).
pub(super) fn process_alive(pid: u32) -> Option<bool> {
    #[cfg(unix)]
    {
        let pid = libc::pid_t::try_from(pid).ok()?;
        if pid <= 0 {
            return None;
        }
        // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        if rc == 0 {
            return Some(true);
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ESRCH) => Some(false),
            // EPERM: it exists but belongs to someone else.
            Some(libc::EPERM) => Some(true),
            _ => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_round_trips_through_metadata_with_non_ascii() {
        let mut info = LockInfo::current("azlift up -e prod --var note=café\n");
        info.user = "zoë".into();
        let meta = to_metadata(&info);
        for v in meta.values() {
            assert!(v.bytes().all(|b| (0x20..0x7f).contains(&b)), "{v:?}");
        }
        assert_eq!(from_metadata(&meta), Some(info));
    }

    #[test]
    fn metadata_keys_are_matched_case_insensitively_and_missing_ones_mean_no_holder() {
        let info = LockInfo::current("azlift up");
        let upper: HashMap<String, String> = to_metadata(&info)
            .into_iter()
            .map(|(k, v)| (k.to_uppercase(), v))
            .collect();
        assert_eq!(from_metadata(&upper), Some(info));
        assert_eq!(from_metadata(&HashMap::new()), None);
    }

    #[test]
    fn decode_leaves_malformed_escapes_alone() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%41"), "%zzA");
    }

    #[test]
    fn this_process_is_alive() {
        if cfg!(unix) {
            assert_eq!(process_alive(std::process::id()), Some(true));
        }
    }
}
