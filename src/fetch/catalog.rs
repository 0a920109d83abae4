//! What `data get` downloads: torchvision's sources and MD5 checksums.
use serde::{Deserialize, Serialize};

/// How the downloaded files become a dataset folder.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archive {
    /// Gzipped IDX files, kept as they are (the loader reads .gz).
    GzipFiles,
    /// One .tar.gz, unpacked.
    TarGz,
}

/// One downloadable dataset.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Entry {
    pub name: String,
    /// Base URLs tried in order; the first that answers wins. Each file is `mirror + file`.
    pub mirrors: Vec<String>,
    /// (file name, MD5 of the file as served).
    pub files: Vec<(String, String)>,
    pub archive: Archive,
}

fn idx(name: &str, mirrors: &[&str], md5: [&str; 4]) -> Entry {
    let files = [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ];
    Entry {
        name: name.into(),
        mirrors: mirrors.iter().map(|m| m.to_string()).collect(),
        files: files
            .iter()
            .zip(md5)
            .map(|(f, m)| (f.to_string(), m.to_string()))
            .collect(),
        archive: Archive::GzipFiles,
    }
}

fn tar(name: &str, file: &str, md5: &str) -> Entry {
    Entry {
        name: name.into(),
        mirrors: vec!["https://www.cs.toronto.edu/~kriz/".into()],
        files: vec![(file.into(), md5.into())],
        archive: Archive::TarGz,
    }
}

/// The built-in catalog (the same sources and checksums as torchvision).
pub fn catalog() -> Vec<Entry> {
    vec![
        idx(
            "mnist",
            &[
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
                "http://yann.lecun.com/exdb/mnist/",
            ],
            [
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ],
        ),
        idx(
            "fashion-mnist",
            &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
            [
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ],
        ),
        idx(
            "kmnist",
            &["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"],
            [
                "bdb82020997e1d708af4cf47b453dcf7",
                "e144d726b3acfaa3e44228e80efcd344",
                "5c965bf0a639b31b8f53240b1b52f4d7",
                "7320c461ea6c1c855c0b718fb2a4b134",
            ],
        ),
        tar(
            "cifar-10",
            "cifar-10-python.tar.gz",
            "c58f30108f718f92721af3b95e9d6bbb",
        ),
        tar(
            "cifar-100",
            "cifar-100-python.tar.gz",
            "eb9058c3a382ffc7106e4002c42a8d85",
        ),
    ]
}
