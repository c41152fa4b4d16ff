//! Generated names that match ARM's template functions byte for byte, so a project moved
//! from Bicep or an ARM template keeps its names: [`unique_string`] is `uniqueString()` (ARM's
//! 64-bit MurmurHash variant, written as 13 base-32 letters) and [`guid`] is `guid()` (a
//! name-based UUID, version 5, in ARM's namespace). Both join their arguments with `-` first,
//! as ARM does.

use minijinja::value::Rest;
use minijinja::{Environment, Error, ErrorKind};
use uuid::Uuid;

/// The namespace ARM's `guid()` hashes its name under.
const GUID_NAMESPACE: Uuid = Uuid::from_u128(0x11fb06fb_712d_4ddd_98c7_e71bbd588830);

/// ARM's `uniqueString(a, b, ...)`: 13 characters from `a-z2-7`.
pub fn unique_string(parts: &[&str]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut hash = murmur64(parts.join("-").as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(hash >> 59) as usize] as char);
        hash <<= 5;
    }
    out
}

/// ARM's `guid(a, b, ...)`: lower-case `8-4-4-4-12`.
pub fn guid(parts: &[&str]) -> String {
    Uuid::new_v5(&GUID_NAMESPACE, parts.join("-").as_bytes()).to_string()
}

/// Registers `unique_string(...)` and `guid(...)` as template functions.
pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_function("unique_string", |parts: Rest<String>| {
        plain_parts("unique_string", &parts).map(|p| unique_string(&p))
    });
    env.add_function("guid", |parts: Rest<String>| {
        plain_parts("guid", &parts).map(|p| guid(&p))
    });
}

/// The arguments as text: at least one, none of them an `id()`/`ref()` placeholder (whose
/// text is not the value ARM would hash).
fn plain_parts<'a>(function: &str, parts: &'a [String]) -> Result<Vec<&'a str>, Error> {
    if parts.is_empty() {
        return Err(Error::new(
            ErrorKind::MissingArgument,
            format!("{function}() needs at least one value"),
        ));
    }
    if parts.iter().any(|p| p.contains(['\u{E000}', '\u{E002}'])) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{function}() takes plain text: ids and references are placeholders while templates render; use `resource_group_id`, `subscription_id` or the names themselves"
            ),
        ));
    }
    Ok(parts.iter().map(String::as_str).collect())
}

fn le32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (8 * i)))
}

fn fmix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The 64-bit MurmurHash variant ARM's `uniqueString()` uses: two 32-bit lanes over 8-byte
/// blocks, seed 0.
fn murmur64(data: &[u8]) -> u64 {
    const C1: u32 = 0x239b_961b;
    const C2: u32 = 0xab0e_9789;
    let mix1 = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mix2 = |k: u32| k.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        h1 ^= mix1(le32(&block[..4]));
        h1 = h1
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        h2 ^= mix2(le32(&block[4..]));
        h2 = h2
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        h1 ^= mix1(le32(&tail[..tail.len().min(4)]));
        if tail.len() > 4 {
            h2 ^= mix2(le32(&tail[4..]));
        }
    }
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values ARM computed. Sources:
    /// - microsoft/commercial-marketplace-offer-deploy, `test/Tests/UnitTests/ArmFunctionsTests.cs`
    ///   ("UniqueStringShouldEqualValueCreatedFromArmTemplate": the value an ARM deployment
    ///   output for a VM's id, checked there against ARM's own expression library
    ///   `Azure.Deployments.Expression`; an earlier copy of that test at
    ///   `test/Tests/ArmFunctionsTests.cs` held a different, later corrected, value);
    /// - the self-test of a public `uniquestring.sh` (bash port of the function, its vectors
    ///   "verified against Bicep uniqueString() output").
    #[test]
    fn unique_string_matches_arm() {
        let cases: &[(&[&str], &str)] = &[
            (&["test"], "rbgf3xv4ufgzg"),
            (&["hello", "world"], "a7wkljktk6wne"),
            (&["abc"], "cgtzqvhu4i23s"),
            (
                &["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"],
                "bmg7c6xu4tw46",
            ),
            (&["foo", "bar", "baz"], "xzi4ioaxtmth4"),
            (
                &[
                    "/subscriptions/31e9f9a0-9fd2-4294-a0a3-0101246d9700/resourceGroups/rg-modm201-20230913120256/providers/Microsoft.Compute/virtualMachines/bobjacmodm201",
                ],
                "yvjxno3je5on2",
            ),
        ];
        for (parts, want) in cases {
            assert_eq!(unique_string(parts), *want, "uniqueString({parts:?})");
        }
    }

    /// ARM's `guid()`: the namespace and the `-` join are Microsoft's published contract
    /// (Bicep string functions, `guid`); the values are the "official UUID-v5 guid vectors"
    /// a public Bicep evaluator tests itself against (`guid('hello')`, `guid('hello',
    /// 'world')`, `guid('world', 'hello')`).
    #[test]
    fn guid_matches_arm() {
        let cases: &[(&[&str], &str)] = &[
            (&["hello"], "520f8434-fe3a-5d99-888d-450a827486a1"),
            (&["hello", "world"], "a5b868f8-11fe-567a-ace0-e77cc87f104e"),
            (&["world", "hello"], "b1db13b3-4ca6-5782-bf9e-8495c3532f9d"),
        ];
        for (parts, want) in cases {
            assert_eq!(guid(parts), *want, "guid({parts:?})");
        }
        assert_eq!(guid(&["hello", "world"]), guid(&["hello-world"]));
    }

    #[test]
    fn unique_strings_are_13_base32_letters_and_join_with_hyphens() {
        let s = unique_string(&["a", "b"]);
        assert_eq!(s.len(), 13);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        );
        assert_eq!(s, unique_string(&["a-b"]));
        assert_ne!(s, unique_string(&["ab"]));
    }
}
