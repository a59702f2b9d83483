//! Oversized and over-compressed entries: refused before they are inflated
//! (limits `--max-entry-bytes`, `--max-bundle-bytes`, `--max-ratio`), with a
//! message naming the bundle, the entry and the limit; raising the limit
//! lets an honest large entry through.

use std::path::{Path, PathBuf};

use crate::support::*;

/// A bundle whose `external/images/hero.png` is `size` zero bytes,
/// deflated. The deflate stream is built by hand (see [`zeros_deflate`]):
/// compressing a gigabyte with the zip crate takes minutes in a debug build.
fn zeros_bundle(path: &Path, size: u64) -> PathBuf {
    zeros_bundle_declaring(path, size, size)
}

/// The same, but the headers declare `declared` bytes uncompressed.
fn zeros_bundle_declaring(path: &Path, size: u64, declared: u64) -> PathBuf {
    let data = zeros_deflate(size);
    let mut bomb = RawEntry::stored(b"external/images/hero.png", b"");
    bomb.data = data;
    bomb.method = 8;
    bomb.size = u32::try_from(declared).expect("under 4 GiB");
    bomb.crc = crc32_of_zeros(size);
    Files::program("Bomb Program")
        .without("external/images/hero.png")
        .raw()
        .entry(bomb)
        .write(path)
}

/// Bits, least significant first, as deflate packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    /// A value of `len` bits, least significant bit first (header fields,
    /// extra bits).
    fn value(&mut self, value: u32, len: u32) {
        for i in 0..len {
            self.bit((value >> i) & 1);
        }
    }
    /// A Huffman code of `len` bits, most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.bit((code >> i) & 1);
        }
    }
    fn bit(&mut self, bit: u32) {
        self.acc |= bit << self.n;
        self.n += 1;
        if self.n == 8 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw deflate stream of `size` zero bytes, about 1 bit per 129 bytes
/// (a gigabyte is about 1 MB): one dynamic Huffman block whose codes are
/// literal 0 = `10`, end of block = `11`, length 258 = `0`, distance 1 =
/// `0`. So: one literal zero, then (length 258, distance 1) matches, then
/// the rest as literals.
fn zeros_deflate(size: u64) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.value(1, 1); // BFINAL
    bits.value(2, 2); // BTYPE = dynamic
    bits.value(29, 5); // HLIT: 286 literal/length codes
    bits.value(0, 5); // HDIST: 1 distance code
    bits.value(14, 4); // HCLEN: 18 code length codes
                       // Code length code lengths, in the order 16 17 18 0 8 7 9 6 10 5 11 4
                       // 12 3 13 2 14 1: symbol 18 gets 1 bit, symbols 1 and 2 get 2 bits.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        bits.value(len, 3);
    }
    // Canonical codes: 18 = 0, 1 = 10, 2 = 11.
    let (len1, len2) = ((0b10, 2), (0b11, 2));
    let zeros = |bits: &mut Bits, mut count: u32| {
        while count > 0 {
            let run = count.min(138);
            assert!(run >= 11, "runs of zeros are 11 or more here");
            bits.code(0, 1);
            bits.value(run - 11, 7);
            count -= run;
        }
    };
    // Literal/length lengths: 0 -> 2, 1..=255 -> 0, 256 -> 2,
    // 257..=284 -> 0, 285 -> 1; then the distance length: 0 -> 1.
    bits.code(len2.0, len2.1);
    zeros(&mut bits, 255);
    bits.code(len2.0, len2.1);
    zeros(&mut bits, 28);
    bits.code(len1.0, len1.1);
    bits.code(len1.0, len1.1);
    // Data.
    let literal = |bits: &mut Bits| bits.code(0b10, 2);
    if size == 0 {
        bits.code(0b11, 2);
        return bits.finish();
    }
    literal(&mut bits);
    let rest = size - 1;
    for _ in 0..rest / 258 {
        bits.code(0, 1); // length 258
        bits.code(0, 1); // distance 1
    }
    for _ in 0..rest % 258 {
        literal(&mut bits);
    }
    bits.code(0b11, 2); // end of block
    bits.finish()
}

/// CRC-32 of `n` zero bytes, by squaring the "one zero byte" operator over
/// GF(2) (as zlib's crc32_combine does), not by running over n bytes.
fn crc32_of_zeros(n: u64) -> u32 {
    type Matrix = [u32; 32];
    fn times(m: &Matrix, mut v: u32) -> u32 {
        let mut out = 0;
        let mut i = 0;
        while v != 0 {
            if v & 1 != 0 {
                out ^= m[i];
            }
            v >>= 1;
            i += 1;
        }
        out
    }
    fn product(a: &Matrix, b: &Matrix) -> Matrix {
        let mut out = [0; 32];
        for (i, col) in b.iter().enumerate() {
            out[i] = times(a, *col);
        }
        out
    }
    // One zero bit: shift right, xor the polynomial when the low bit was set.
    let mut bit: Matrix = [0; 32];
    bit[0] = 0xEDB8_8320;
    for (i, col) in bit.iter_mut().enumerate().skip(1) {
        *col = 1 << (i - 1);
    }
    let mut op = bit;
    for _ in 0..3 {
        op = product(&op, &op); // 2, 4, 8 bits: one byte
    }
    let mut state = !0u32;
    let mut n = n;
    while n > 0 {
        if n & 1 != 0 {
            state = times(&op, state);
        }
        op = product(&op, &op);
        n >>= 1;
    }
    !state
}

#[test]
fn the_hand_made_deflate_stream_is_valid() {
    // The generator's output, read back by mkimport itself: 1 MiB + 5 zero
    // bytes (over the ratio floor, so --max-ratio is raised) must land as
    // exactly those bytes. The CRC is checked by the zip reader at the end.
    for n in [0u64, 1, 5, 258, 1000] {
        assert_eq!(crc32_of_zeros(n), crc32(&vec![0; n as usize]), "n = {n}");
    }
    let s = Scratch::new();
    let size = (1 << 20) + 5;
    let zip = zeros_bundle(&s.src().join("zeros.zip"), size);
    let out = run_into(&zip, &s.target(), &["--max-ratio", "1000000"]);
    out.expect_code(0);
    let image = std::fs::read(s.target().join("design-studio/images/hero.png")).expect("image");
    assert_eq!(image.len() as u64, size);
    assert!(image.iter().all(|&b| b == 0));
}

/// A bundle whose image holds `bytes`, stored (ratio 1).
fn stored_image_bundle(path: &Path, bytes: &[u8]) -> PathBuf {
    Files::program("Sized Program")
        .without("external/images/hero.png")
        .raw()
        .entry(RawEntry::stored(b"external/images/hero.png", bytes))
        .write(path)
}

/// Bytes that do not compress: a simple xorshift stream.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[test]
fn gigabyte_of_zeros_is_refused() {
    let s = Scratch::new();
    let zip = zeros_bundle(&s.src().join("bomb.zip"), 1 << 30);
    let compressed = std::fs::metadata(&zip).expect("zip").len();
    assert!(compressed < 8 << 20, "the bomb is {compressed} bytes");

    let report = refused(
        &s,
        &zip,
        &["external/images/hero.png", "limit", "--max-entry-bytes"],
        &[],
    );
    let message = report["programs"][0]["problems"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("67108864"), "{message}");
    // Refused from the sizes the zip declares, before inflating anything
    // (the refusal while inflating says "inflates past the limit").
    assert!(message.contains("bytes uncompressed"), "{message}");
}

#[test]
fn gigabyte_of_zeros_is_refused_by_ratio_when_size_is_allowed() {
    // With the size limit out of the way, the ratio limit still refuses it,
    // while inflating, long before a gigabyte is held.
    let s = Scratch::new();
    let zip = zeros_bundle(&s.src().join("bomb.zip"), 1 << 30);
    refused(
        &s,
        &zip,
        &["external/images/hero.png", "--max-ratio"],
        &[
            "--max-entry-bytes",
            "2000000000",
            "--max-bundle-bytes",
            "2000000000",
        ],
    );
}

#[test]
fn header_lying_about_the_size_is_refused_while_inflating() {
    // The headers claim 1000 bytes; the stream inflates to 300 MiB. The
    // declared size passes every check, so only what is enforced while
    // inflating (mkimport's limits, or the zip reader's own refusal to
    // read past the declared size) stands between the entry and memory.
    let s = Scratch::new();
    let zip = zeros_bundle_declaring(&s.src().join("liar.zip"), 300 << 20, 1000);
    refused(&s, &zip, &["external/images/hero.png"], &[]);
}

#[test]
fn entry_just_over_max_entry_bytes_is_refused() {
    let s = Scratch::new();
    let zip = stored_image_bundle(&s.src().join("big.zip"), &noise(1001, 7));
    refused(
        &s,
        &zip,
        &["external/images/hero.png", "1000", "--max-entry-bytes"],
        &["--max-entry-bytes", "1000"],
    );
}

#[test]
fn entry_at_max_entry_bytes_is_accepted_and_raising_the_limit_accepts_more() {
    let s = Scratch::new();
    let at = stored_image_bundle(&s.src().join("at.zip"), &noise(1000, 7));
    let out = preview(&at, &s.target(), &["--max-entry-bytes", "1000"]);
    out.expect_code(0);
    assert_eq!(program_in(out.json(), &at)["status"], "ok");

    let over = stored_image_bundle(&s.src().join("over.zip"), &noise(1001, 7));
    let out = preview(&over, &s.target(), &["--max-entry-bytes", "1001"]);
    out.expect_code(0);
    assert_eq!(program_in(out.json(), &over)["status"], "ok");

    let frozen = s.freeze();
    let out = run_into(&over, &s.target(), &["--max-entry-bytes", "1001"]);
    out.expect_code(0);
    frozen.assert_outside_unchanged(&s);
    assert_eq!(
        std::fs::read(s.target().join("design-studio/images/hero.png")).expect("image"),
        noise(1001, 7)
    );
}

#[test]
fn deflated_entry_over_max_entry_bytes_is_refused() {
    // Same limit through the deflate path (the declared size is honest).
    let s = Scratch::new();
    let zip = Files::program("Deflated Program")
        .with("external/images/hero.png", noise(5000, 3))
        .write_zip(&s.src().join("deflated.zip"));
    refused(
        &s,
        &zip,
        &["external/images/hero.png", "--max-entry-bytes"],
        &["--max-entry-bytes", "4999"],
    );
}

#[test]
fn high_ratio_entry_is_refused_with_max_ratio() {
    let s = Scratch::new();
    let zip = zeros_bundle(&s.src().join("ratio.zip"), 2 << 20);
    refused(
        &s,
        &zip,
        &["external/images/hero.png", "--max-ratio"],
        &["--max-ratio", "10"],
    );
    // Raised, the same entry is an image like any other.
    let out = preview(&zip, &s.target(), &["--max-ratio", "100000"]);
    out.expect_code(0);
    assert_eq!(program_in(out.json(), &zip)["status"], "ok");
}

#[test]
fn high_ratio_below_one_mib_is_not_refused() {
    // The ratio limit applies to entries over 1 MiB only: small runs of
    // white space compress very well and are no threat.
    let s = Scratch::new();
    let zip = zeros_bundle(&s.src().join("small.zip"), 1 << 20);
    let out = preview(&zip, &s.target(), &["--max-ratio", "2"]);
    out.expect_code(0);
    assert_eq!(program_in(out.json(), &zip)["status"], "ok");
}

#[test]
fn bundle_over_max_bundle_bytes_is_refused() {
    let s = Scratch::new();
    let zip = Files::program("Heavy Program")
        .with("external/images/hero.png", noise(3000, 1))
        .with("external/images/extra-1.png", noise(3000, 2))
        .with("external/images/extra-2.png", noise(3000, 3))
        .write_zip(&s.src().join("heavy.zip"));
    refused(
        &s,
        &zip,
        &["--max-bundle-bytes"],
        &["--max-bundle-bytes", "8000"],
    );
    let out = preview(&zip, &s.target(), &["--max-bundle-bytes", "100000"]);
    out.expect_code(0);
}

#[test]
fn bomb_next_to_a_good_bundle_does_not_hide_it() {
    let s = Scratch::new();
    let bomb = zeros_bundle(&s.src().join("a-bomb.zip"), 200 << 20);
    let good = Files::program("Good Program").write_zip(&s.src().join("b-good.zip"));
    let frozen = s.freeze();
    let out = preview(&s.src(), &s.target(), &[]);
    out.expect_code(1)
        .stderr_has(&[&shown(&bomb), "external/images/hero.png"]);
    let report = out.json();
    assert_bad_input(report, &bomb, &["external/images/hero.png"]);
    assert_eq!(program_in(report, &good)["status"], "ok");
    frozen.assert_unchanged(&s);
}
