//! Zips: written with the `zip` crate (any compression method), or byte
//! by byte for entries no sane archiver writes.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A zip holding exactly these entries (names verbatim), each compressed
/// with `method`.
pub fn zip_bytes(entries: &[(String, Vec<u8>)], method: CompressionMethod) -> Vec<u8> {
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).expect("start entry");
        zip.write_all(bytes).expect("write entry");
    }
    zip.finish().expect("finish zip").into_inner()
}

/// Write a deflated zip of these entries at `path`, creating the
/// directories above it; returns `path`.
pub fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) -> PathBuf {
    write_zip_with(path, entries, CompressionMethod::Deflated)
}

/// As [`write_zip`], every entry compressed with `method`.
pub fn write_zip_with(
    path: &Path,
    entries: &[(String, Vec<u8>)],
    method: CompressionMethod,
) -> PathBuf {
    put(path, &zip_bytes(entries, method))
}

/// Write `bytes` at `path`, creating the directories above it.
fn put(path: &Path, bytes: &[u8]) -> PathBuf {
    fs::create_dir_all(path.parent().expect("parent")).expect("create directories");
    fs::write(path, bytes).expect("write zip");
    path.to_path_buf()
}

/// Every entry of a zip file, (name, bytes), sorted by name.
pub fn read_zip(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).expect("read entry");
        out.push((entry.name().expect("a name").to_string(), bytes));
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------
// A minimal zip writer, byte by byte

/// One entry as it will sit in the archive: the name bytes, the flags, the
/// method and the attributes are written as given, nothing is checked.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub name: Vec<u8>,
    /// The bytes stored in the archive (already compressed if `method` says
    /// so).
    pub data: Vec<u8>,
    /// The uncompressed size declared in the headers.
    pub size: u32,
    pub crc: u32,
    pub method: u16,
    pub flags: u16,
    /// Unix mode (file type and permissions), 0 for none.
    pub unix_mode: u32,
}

impl RawEntry {
    /// A stored (uncompressed) entry.
    pub fn stored(name: &[u8], data: &[u8]) -> RawEntry {
        RawEntry {
            name: name.to_vec(),
            data: data.to_vec(),
            size: data.len() as u32,
            crc: crc32(data),
            method: 0,
            flags: if std::str::from_utf8(name).is_ok_and(|s| !s.is_ascii()) {
                0x0800
            } else {
                0
            },
            unix_mode: 0o100644,
        }
    }

    pub fn flags(mut self, flags: u16) -> RawEntry {
        self.flags |= flags;
        self
    }

    pub fn method(mut self, method: u16) -> RawEntry {
        self.method = method;
        self
    }

    pub fn mode(mut self, unix_mode: u32) -> RawEntry {
        self.unix_mode = unix_mode;
        self
    }
}

/// A zip archive written by hand: local headers, data, central directory,
/// end record. No zip64, no data descriptors.
#[derive(Debug, Clone, Default)]
pub struct RawZip {
    pub entries: Vec<RawEntry>,
}

impl RawZip {
    pub fn entry(mut self, entry: RawEntry) -> RawZip {
        self.entries.push(entry);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        fn u16le(out: &mut Vec<u8>, v: u16) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        fn u32le(out: &mut Vec<u8>, v: u32) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let (time, date) = (0u16, (2026 - 1980) << 9 | 1 << 5 | 1);
        let mut out = Vec::new();
        let mut central = Vec::new();
        for e in &self.entries {
            let offset = out.len() as u32;
            u32le(&mut out, 0x0403_4b50);
            u16le(&mut out, 20);
            u16le(&mut out, e.flags);
            u16le(&mut out, e.method);
            u16le(&mut out, time);
            u16le(&mut out, date);
            u32le(&mut out, e.crc);
            u32le(&mut out, e.data.len() as u32);
            u32le(&mut out, e.size);
            u16le(&mut out, e.name.len() as u16);
            u16le(&mut out, 0);
            out.extend_from_slice(&e.name);
            out.extend_from_slice(&e.data);

            u32le(&mut central, 0x0201_4b50);
            u16le(&mut central, 3 << 8 | 20); // made by: Unix
            u16le(&mut central, 20);
            u16le(&mut central, e.flags);
            u16le(&mut central, e.method);
            u16le(&mut central, time);
            u16le(&mut central, date);
            u32le(&mut central, e.crc);
            u32le(&mut central, e.data.len() as u32);
            u32le(&mut central, e.size);
            u16le(&mut central, e.name.len() as u16);
            u16le(&mut central, 0); // extra
            u16le(&mut central, 0); // comment
            u16le(&mut central, 0); // disk
            u16le(&mut central, 0); // internal attributes
            u32le(&mut central, e.unix_mode << 16);
            u32le(&mut central, offset);
            central.extend_from_slice(&e.name);
        }
        let cd_offset = out.len() as u32;
        let cd_size = central.len() as u32;
        out.extend_from_slice(&central);
        u32le(&mut out, 0x0605_4b50);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, self.entries.len() as u16);
        u16le(&mut out, self.entries.len() as u16);
        u32le(&mut out, cd_size);
        u32le(&mut out, cd_offset);
        u16le(&mut out, 0);
        out
    }

    pub fn write(&self, path: &Path) -> PathBuf {
        put(path, &self.bytes())
    }
}

/// CRC-32 (IEEE), bitwise: only used on small entries.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
