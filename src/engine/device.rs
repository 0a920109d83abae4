//! Choosing where tensors live: CUDA when libtorch sees a GPU, else CPU.
use tch::{Cuda, Device};

/// Why a device name cannot be used.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DeviceError {
    #[error("unknown device \"{0}\": use cpu, cuda or cuda:N")]
    BadIndex(String),
    #[error("unknown device \"{0}\": use auto, cpu, cuda or cuda:N")]
    Unknown(String),
    #[error("CUDA was asked for but libtorch sees no GPU — use device cpu")]
    NoGpu,
    #[error("cuda:{index} does not exist: libtorch sees {count} GPU(s)")]
    Missing { index: usize, count: usize },
}

/// Parses "auto", "cpu", "cuda" or "cuda:N" into a device, checking that it exists.
pub fn parse_device(text: &str) -> Result<Device, DeviceError> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "" | "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        "cuda" | "gpu" => cuda(0),
        _ => match t.strip_prefix("cuda:") {
            Some(n) => n
                .parse::<usize>()
                .map_err(|_| DeviceError::BadIndex(text.to_string()))
                .and_then(cuda),
            None => Err(DeviceError::Unknown(text.to_string())),
        },
    }
}

fn cuda(n: usize) -> Result<Device, DeviceError> {
    let count = Cuda::device_count() as usize;
    if n < count {
        Ok(Device::Cuda(n))
    } else if count == 0 {
        Err(DeviceError::NoGpu)
    } else {
        Err(DeviceError::Missing { index: n, count })
    }
}

/// The devices a user can pick: "cpu" and one "cuda:N" per GPU libtorch sees.
pub fn available_devices() -> Vec<String> {
    let mut v = vec!["cpu".to_string()];
    for n in 0..Cuda::device_count() {
        v.push(format!("cuda:{n}"));
    }
    v
}

pub fn device_name(d: Device) -> String {
    match d {
        Device::Cpu => "cpu".into(),
        Device::Cuda(n) => format!("cuda:{n}"),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Memory a run on `device` can use, in bytes: available RAM on the CPU (MemAvailable), free
/// GPU memory on CUDA (from nvidia-smi); None when it cannot be told.
pub fn available_memory(device: &str) -> Option<usize> {
    let t = device.trim().to_ascii_lowercase();
    let cuda = t.starts_with("cuda") || t == "gpu" || (t == "auto" && Cuda::is_available());
    if cuda {
        let index = t.strip_prefix("cuda:").unwrap_or("0");
        let out = std::process::Command::new("nvidia-smi")
            .args([
                "--query-gpu=memory.free",
                "--format=csv,noheader,nounits",
                "-i",
                index,
            ])
            .output()
            .ok()?;
        let mib: usize = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
        return Some(mib << 20);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib << 10)
}
