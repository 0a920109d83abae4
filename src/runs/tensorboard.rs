//! TensorBoard event files, written by Rust while a run trains: scalars (loss, accuracy,
//! learning rate), histograms (the probed activations) and text (the preset), so
//! `tensorboard --logdir RUNS` shows workbench runs beside other experiments.
//!
//! The format: a sequence of records `u64 length, u32 masked CRC-32C of the length, the
//! bytes, u32 masked CRC-32C of the bytes`, each an `Event` protocol buffer (tensorflow's
//! `event.proto`, `summary.proto`), encoded here by hand — a few fields only.
use protocol::SinkError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78.
const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0x82F6_3B78 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

const CRC_TABLE: [u32; 256] = crc_table();

pub fn crc32c(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

fn masked_crc(data: &[u8]) -> u32 {
    let c = crc32c(data);
    (c.rotate_right(15)).wrapping_add(0xa282_ead8)
}

/// Protocol-buffer encoding of the few field kinds used.
mod pb {
    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    pub fn bytes(out: &mut Vec<u8>, field: u32, data: &[u8]) {
        varint(out, ((field << 3) | 2) as u64);
        varint(out, data.len() as u64);
        out.extend_from_slice(data);
    }

    pub fn int(out: &mut Vec<u8>, field: u32, v: u64) {
        varint(out, (field << 3) as u64);
        varint(out, v);
    }

    pub fn double(out: &mut Vec<u8>, field: u32, v: f64) {
        varint(out, ((field << 3) | 1) as u64);
        out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn float(out: &mut Vec<u8>, field: u32, v: f32) {
        varint(out, ((field << 3) | 5) as u64);
        out.extend_from_slice(&v.to_le_bytes());
    }

    /// A packed repeated double field.
    pub fn doubles(out: &mut Vec<u8>, field: u32, vs: &[f64]) {
        let data: Vec<u8> = vs.iter().flat_map(|v| v.to_le_bytes()).collect();
        bytes(out, field, &data);
    }
}

/// One events file in a run folder.
pub struct EventFile {
    path: PathBuf,
    file: BufWriter<File>,
}

fn wall_time() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl EventFile {
    /// Creates `events.out.tfevents.<seconds>.cnn-workbench` in `dir`.
    pub fn create(dir: &Path) -> Result<EventFile, SinkError> {
        let path = dir.join(format!(
            "events.out.tfevents.{}.cnn-workbench",
            wall_time() as u64
        ));
        let file = File::create(&path).map_err(|e| SinkError::new(&path, e))?;
        let mut f = EventFile {
            path,
            file: BufWriter::new(file),
        };
        let mut event = Vec::new();
        pb::double(&mut event, 1, wall_time());
        pb::bytes(&mut event, 3, b"brain.Event:2");
        f.record(&event)?;
        Ok(f)
    }

    fn record(&mut self, data: &[u8]) -> Result<(), SinkError> {
        let len = (data.len() as u64).to_le_bytes();
        let mut rec = Vec::with_capacity(data.len() + 16);
        rec.extend_from_slice(&len);
        rec.extend_from_slice(&masked_crc(&len).to_le_bytes());
        rec.extend_from_slice(data);
        rec.extend_from_slice(&masked_crc(data).to_le_bytes());
        self.file
            .write_all(&rec)
            .map_err(|e| SinkError::new(&self.path, e))
    }

    /// An Event at `step` carrying summary values.
    fn summary_of(&mut self, step: i64, values: &[Vec<u8>]) -> Result<(), SinkError> {
        let mut summary = Vec::new();
        for v in values {
            pb::bytes(&mut summary, 1, v);
        }
        let mut event = Vec::new();
        pb::double(&mut event, 1, wall_time());
        pb::int(&mut event, 2, step as u64);
        pb::bytes(&mut event, 5, &summary);
        self.record(&event)
    }

    fn summary(&mut self, step: i64, value: &[u8]) -> Result<(), SinkError> {
        self.summary_of(step, &[value.to_vec()])
    }

    /// Scalars of one step, in one event.
    pub fn scalars(&mut self, step: i64, values: &[(&str, f32)]) -> Result<(), SinkError> {
        let encoded: Vec<Vec<u8>> = values
            .iter()
            .map(|(tag, v)| {
                let mut value = Vec::new();
                pb::bytes(&mut value, 1, tag.as_bytes());
                pb::float(&mut value, 2, *v);
                value
            })
            .collect();
        self.summary_of(step, &encoded)
    }

    /// A histogram of `counts` in buckets whose right edges are `limits`.
    pub fn histogram(
        &mut self,
        tag: &str,
        step: i64,
        (min, limits): (f64, &[f64]),
        counts: &[f64],
    ) -> Result<(), SinkError> {
        let num: f64 = counts.iter().sum();
        let mut centre_sum = 0.0;
        let mut lo = min;
        for (l, c) in limits.iter().zip(counts) {
            centre_sum += c * (lo + l) / 2.0;
            lo = *l;
        }
        let mut h = Vec::new();
        pb::double(&mut h, 1, min);
        pb::double(&mut h, 2, limits.last().copied().unwrap_or(min));
        pb::double(&mut h, 3, num);
        pb::double(&mut h, 4, centre_sum);
        pb::double(&mut h, 5, 0.0);
        pb::doubles(&mut h, 6, limits);
        pb::doubles(&mut h, 7, counts);
        let mut value = Vec::new();
        pb::bytes(&mut value, 1, tag.as_bytes());
        pb::bytes(&mut value, 5, &h);
        self.summary(step, &value)
    }

    /// Text (TensorBoard's text plugin: a string tensor with the plugin named).
    pub fn text(&mut self, tag: &str, step: i64, text: &str) -> Result<(), SinkError> {
        let mut plugin = Vec::new();
        pb::bytes(&mut plugin, 1, b"text");
        let mut metadata = Vec::new();
        pb::bytes(&mut metadata, 1, &plugin);
        let mut dim = Vec::new();
        pb::int(&mut dim, 1, 1);
        let mut shape = Vec::new();
        pb::bytes(&mut shape, 2, &dim);
        let mut tensor = Vec::new();
        pb::int(&mut tensor, 1, 7); // DT_STRING
        pb::bytes(&mut tensor, 2, &shape);
        pb::bytes(&mut tensor, 8, text.as_bytes());
        let mut value = Vec::new();
        pb::bytes(&mut value, 1, tag.as_bytes());
        pb::bytes(&mut value, 8, &tensor);
        pb::bytes(&mut value, 9, &metadata);
        self.summary(step, &value)
    }

    pub fn flush(&mut self) -> Result<(), SinkError> {
        self.file.flush().map_err(|e| SinkError::new(&self.path, e))
    }
}
