//! A small, bounds-checked reader for OLE compound files, the container of `.xls` workbooks
//! and of password-protected `.xlsx` files.
//!
//! calamine has its own compound-file reader, but it trusts the file: it follows sector
//! chains without a cycle check (a looping directory chain grows a buffer forever) and uses
//! declared stream sizes as the bound of a loop (a looping chain with a huge declared size
//! does the same). We therefore walk the container ourselves first, with every chain bounded
//! by the number of sectors in the file and every declared size bounded by the file's length,
//! and only hand over files that pass. The walk also gives us the `Workbook` stream for the
//! record scan in [`crate::biff`] and tells an encrypted `.xlsx` apart from an `.xls`.

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED: u32 = 0xFFFF_FFFA;
const HEADER_LEN: usize = 512;
const DIR_ENTRY_LEN: usize = 128;
const MINI_SECTOR_LEN: usize = 64;
/// Streams shorter than this live in the mini stream. The format stores the cutoff in the
/// header, but it is always 4096 and calamine uses the constant, so we do too.
const MINI_CUTOFF: u64 = 4096;

/// Why a compound file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CfbError {
    /// Shorter than the 512-byte header.
    #[error("the file is too short for its header")]
    ShortHeader,
    /// A sector size other than 512 or 4096 bytes, or a mini sector size other than 64.
    #[error("unsupported sector size")]
    SectorSize,
    /// A chain or table refers to a sector the file does not have.
    #[error("a sector reference points outside the file")]
    OutOfRange,
    /// A chain never reaches its end marker.
    #[error("a sector chain loops back on itself")]
    Cycle,
    /// A declared size is larger than the whole file.
    #[error("{0} declares {1} bytes, more than the file holds")]
    Oversized(&'static str, u64),
    /// No directory entries.
    #[error("the directory is empty")]
    EmptyDirectory,
}

/// One directory entry (stream or storage).
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    start: u32,
    size: u64,
}

/// A parsed compound file over the file's bytes.
pub(crate) struct Compound<'a> {
    data: &'a [u8],
    sector_len: usize,
    max_sector: usize,
    fat: Vec<u32>,
    minifat: Vec<u32>,
    mini_stream: Vec<u8>,
    entries: Vec<Entry>,
}

impl<'a> Compound<'a> {
    /// Parse the header, allocation tables and directory of `data`.
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, CfbError> {
        let header = data.get(..HEADER_LEN).ok_or(CfbError::ShortHeader)?;
        let sector_len = match u16_at(header, 30) {
            9 => 512,
            12 => 4096,
            _ => return Err(CfbError::SectorSize),
        };
        if u16_at(header, 32) != 6 {
            return Err(CfbError::SectorSize);
        }
        let version = u16_at(header, 26);
        let dir_start = u32_at(header, 48);
        let minifat_start = u32_at(header, 60);
        let minifat_sectors = u64::from(u32_at(header, 64));
        let difat_start = u32_at(header, 68);
        let mut cfb = Compound {
            data,
            sector_len,
            max_sector: data.len() / sector_len,
            fat: Vec::new(),
            minifat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
        };

        let mut difat: Vec<u32> = header.get(76..).map(u32s).unwrap_or_default();
        let mut next = difat_start;
        let mut steps = 0usize;
        while next < RESERVED {
            steps += 1;
            if steps > cfb.max_sector + 1 {
                return Err(CfbError::Cycle);
            }
            difat.extend(u32s(cfb.sector(next)?));
            next = difat.pop().ok_or(CfbError::OutOfRange)?;
        }
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        // Every FAT sector is a distinct sector of the file; more of them than the file has
        // sectors means the table repeats itself to inflate memory.
        if fat_sectors.len() > cfb.max_sector + 1 {
            return Err(CfbError::OutOfRange);
        }
        let mut fat = Vec::new();
        for id in fat_sectors {
            fat.extend(u32s(cfb.sector(id)?));
        }
        cfb.fat = fat;

        let dir = cfb.chain(dir_start, u64::MAX)?;
        cfb.entries = dir
            .chunks_exact(DIR_ENTRY_LEN)
            .map(|e| entry(e, sector_len))
            .collect();
        let root = cfb
            .entries
            .first()
            .cloned()
            .ok_or(CfbError::EmptyDirectory)?;
        if version != 3 && root.start == ENDOFCHAIN {
            return Err(CfbError::EmptyDirectory);
        }

        if minifat_sectors > 0 {
            cfb.bounded("the mini stream", root.size)?;
            cfb.mini_stream = cfb.chain(root.start, root.size)?;
            let minifat_len = minifat_sectors.saturating_mul(sector_len as u64);
            cfb.bounded("the mini allocation table", minifat_len)?;
            cfb.minifat = u32s(&cfb.chain(minifat_start, minifat_len)?);
        }
        Ok(cfb)
    }

    /// Whether a stream or storage named `name` exists (ASCII case-insensitive).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The content of the first stream named `name`, if there is one.
    pub(crate) fn stream(&self, name: &str) -> Option<Result<Vec<u8>, CfbError>> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))?;
        Some(self.read(entry))
    }

    fn read(&self, entry: &Entry) -> Result<Vec<u8>, CfbError> {
        self.bounded("a stream", entry.size)?;
        if entry.size >= MINI_CUTOFF {
            return self.chain(entry.start, entry.size);
        }
        let mut out = Vec::new();
        let mut next = entry.start;
        let mut steps = 0usize;
        let limit = usize::try_from(entry.size).map_err(|_| CfbError::OutOfRange)?;
        while next != ENDOFCHAIN && out.len() < limit {
            steps += 1;
            if steps > self.minifat.len() + 1 {
                return Err(CfbError::Cycle);
            }
            let start = (next as usize).saturating_mul(MINI_SECTOR_LEN);
            let sector = self
                .mini_stream
                .get(start..start.saturating_add(MINI_SECTOR_LEN))
                .ok_or(CfbError::OutOfRange)?;
            let take = sector.len().min(limit - out.len());
            out.extend_from_slice(sector.get(..take).unwrap_or_default());
            next = *self
                .minifat
                .get(next as usize)
                .ok_or(CfbError::OutOfRange)?;
        }
        Ok(out)
    }

    fn bounded(&self, what: &'static str, size: u64) -> Result<(), CfbError> {
        if size > self.data.len() as u64 {
            return Err(CfbError::Oversized(what, size));
        }
        Ok(())
    }

    /// The bytes of sector `id`; the last sector may be short, as calamine allows.
    fn sector(&self, id: u32) -> Result<&'a [u8], CfbError> {
        let id = id as usize;
        if id > self.max_sector {
            return Err(CfbError::OutOfRange);
        }
        let start = (id + 1) * self.sector_len;
        let end = (start + self.sector_len).min(self.data.len());
        Ok(self.data.get(start..end).unwrap_or_default())
    }

    /// Follow a chain in the FAT from `start`, collecting at most `limit` bytes.
    fn chain(&self, start: u32, limit: u64) -> Result<Vec<u8>, CfbError> {
        let mut out = Vec::new();
        let mut next = start;
        let mut steps = 0usize;
        while next != ENDOFCHAIN {
            steps += 1;
            if steps > self.max_sector + 1 {
                return Err(CfbError::Cycle);
            }
            let sector = self.sector(next)?;
            let room = limit.saturating_sub(out.len() as u64);
            let take = sector
                .len()
                .min(usize::try_from(room).unwrap_or(usize::MAX));
            out.extend_from_slice(sector.get(..take).unwrap_or_default());
            if out.len() as u64 >= limit {
                break;
            }
            next = *self.fat.get(next as usize).ok_or(CfbError::OutOfRange)?;
        }
        Ok(out)
    }
}

fn entry(raw: &[u8], sector_len: usize) -> Entry {
    let units: Vec<u16> = raw
        .get(..64)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|b| u16_at(b, 0))
        .collect();
    let name: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .take_while(|c| *c != '\0')
        .collect();
    let size = if sector_len == 512 {
        u64::from(u32_at(raw, 120))
    } else {
        u64::from(u32_at(raw, 120)) | (u64::from(u32_at(raw, 124)) << 32)
    };
    Entry {
        name,
        start: u32_at(raw, 116),
        size,
    }
}

/// Little-endian u16 at `at`, 0 when out of range.
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    match b.get(at..at.saturating_add(2)) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

/// Little-endian u32 at `at`, 0 when out of range.
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    match b.get(at..at.saturating_add(4)) {
        Some(&[w, x, y, z]) => u32::from_le_bytes([w, x, y, z]),
        _ => 0,
    }
}

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32_at(c, 0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Damage = Box<dyn Fn(&mut Vec<u8>)>;

    fn put_u32(buf: &mut [u8], at: usize, v: u32) {
        buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// A version-3 compound file whose only stream, "Book", holds `data` (at most 512
    /// bytes, so in the mini stream). Sectors: 0 FAT, 1 directory, 2 mini FAT, 3 mini stream.
    fn compound(data: &[u8]) -> Vec<u8> {
        assert!(data.len() <= 512);
        let mini_sectors = data.len().div_ceil(MINI_SECTOR_LEN);
        let mut file = vec![0u8; 512 * 5];
        file[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        file[26] = 3;
        file[30] = 9;
        file[32] = 6;
        // DIFAT, FAT and mini FAT start out all free.
        file[76..1024].fill(0xFF);
        file[1536..2048].fill(0xFF);
        let header = [
            (44, 1),
            (48, 1),
            (56, 4096),
            (60, 2),
            (64, 1),
            (68, ENDOFCHAIN),
            (76, 0),
        ];
        let fat = [
            (512, 0xFFFF_FFFD),
            (516, ENDOFCHAIN),
            (520, ENDOFCHAIN),
            (524, ENDOFCHAIN),
        ];
        for (at, v) in header.into_iter().chain(fat) {
            put_u32(&mut file, at, v);
        }
        let entries = [
            ("Root Entry", 3, mini_sectors * 64),
            ("Book", 0, data.len()),
        ];
        for (i, (name, start, size)) in entries.into_iter().enumerate() {
            let e = 1024 + i * 128;
            for (j, u) in name.encode_utf16().enumerate() {
                file[e + 2 * j..e + 2 * j + 2].copy_from_slice(&u.to_le_bytes());
            }
            put_u32(&mut file, e + 116, start);
            put_u32(&mut file, e + 120, size as u32);
        }
        for i in 0..mini_sectors {
            let next = if i + 1 == mini_sectors {
                ENDOFCHAIN
            } else {
                i as u32 + 1
            };
            put_u32(&mut file, 1536 + 4 * i, next);
        }
        file[2048..2048 + data.len()].copy_from_slice(data);
        file
    }

    #[test]
    fn small_streams_are_read_from_the_mini_stream() {
        let data: Vec<u8> = (0..150u8).collect();
        let file = compound(&data);
        let cfb = Compound::parse(&file).unwrap();
        assert!(cfb.has("book"));
        assert!(!cfb.has("EncryptedPackage"));
        assert_eq!(cfb.stream("Book").unwrap().unwrap(), data);
        assert!(cfb.stream("Workbook").is_none());
    }

    #[test]
    fn hostile_structures_are_refused() {
        let good = compound(b"records");
        let cases: [(&str, Damage, CfbError); 5] = [
            (
                "short",
                Box::new(|f| f.truncate(100)),
                CfbError::ShortHeader,
            ),
            (
                "sector size",
                Box::new(|f| f[30] = 10),
                CfbError::SectorSize,
            ),
            // The directory chain points back at itself.
            (
                "dir cycle",
                Box::new(|f| put_u32(f, 512 + 4, 1)),
                CfbError::Cycle,
            ),
            (
                "dir outside",
                Box::new(|f| put_u32(f, 48, 4000)),
                CfbError::OutOfRange,
            ),
            (
                "root size",
                Box::new(|f| put_u32(f, 1024 + 120, 1 << 30)),
                CfbError::Oversized("the mini stream", 1 << 30),
            ),
        ];
        for (name, damage, expected) in cases {
            let mut file = good.clone();
            damage(&mut file);
            assert_eq!(Compound::parse(&file).err(), Some(expected), "{name}");
        }
        // A mini chain leaving the mini stream is caught while reading the stream.
        let mut astray = compound(&[7u8; 200]);
        put_u32(&mut astray, 1536, 5);
        let cfb = Compound::parse(&astray).unwrap();
        assert_eq!(
            cfb.stream("Book").unwrap().err(),
            Some(CfbError::OutOfRange)
        );
        // A looping mini chain still ends at the declared size, which the file bounds.
        let mut looping = compound(&[7u8; 200]);
        put_u32(&mut looping, 1536, 0);
        let cfb = Compound::parse(&looping).unwrap();
        assert_eq!(cfb.stream("Book").unwrap().unwrap(), vec![7u8; 200]);
    }
}
