//! Choosing where tensors live: CUDA when libtorch sees a GPU, else CPU.
use tch::{Cuda, Device};

/// Parses "auto", "cpu", "cuda" or "cuda:N" into a device, checking that it exists.
pub fn parse_device(text: &str) -> Result<Device, String> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "" | "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        "cuda" | "gpu" => cuda(0),
        _ => match t.strip_prefix("cuda:") {
            Some(n) => n
                .parse::<usize>()
                .map_err(|_| format!("unknown device \"{text}\": use cpu, cuda or cuda:N"))
                .and_then(cuda),
            None => Err(format!(
                "unknown device \"{text}\": use auto, cpu, cuda or cuda:N"
            )),
        },
    }
}

fn cuda(n: usize) -> Result<Device, String> {
    let count = Cuda::device_count() as usize;
    if n < count {
        Ok(Device::Cuda(n))
    } else if count == 0 {
        Err("CUDA was asked for but libtorch sees no GPU — use device cpu".into())
    } else {
        Err(format!(
            "cuda:{n} does not exist: libtorch sees {count} GPU(s)"
        ))
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
