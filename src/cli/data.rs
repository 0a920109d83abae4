//! `data get NAME` (download, verify, unpack, with a progress bar) and `data list`.
use anyhow::Result;
use fetch::{self, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum DataCmd {
    /// Download, verify (MD5) and unpack a dataset: mnist, fashion-mnist, kmnist, cifar-10,
    /// cifar-100. A cut download resumes where it stopped.
    Get {
        name: String,
        /// The cache folder (default: $XDG_CACHE_HOME/cnn-workbench/datasets).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Try these base URLs instead of the catalog's mirrors (repeatable; first that
        /// answers wins).
        #[arg(long)]
        mirror: Vec<String>,
        /// A RON catalog (a list of entries: name, mirrors, files with MD5, archive) to use
        /// instead of the built-in one, e.g. for an internal mirror (also read from
        /// $CNN_WORKBENCH_CATALOG, which the window uses too).
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
    /// The downloadable datasets and whether each is in the cache.
    List {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

struct Bar {
    pb: ProgressBar,
}

impl Progress for Bar {
    fn file(&mut self, name: &str, done: u64, total: Option<u64>) {
        self.pb.reset();
        self.pb.set_length(total.unwrap_or(0));
        self.pb.set_position(done);
        self.pb.set_message(name.to_string());
        if done > 0 {
            self.pb
                .suspend(|| println!("{name}: resuming after {done} bytes"));
        }
    }

    fn bytes(&mut self, done: u64) -> bool {
        self.pb.set_position(done);
        true
    }

    fn note(&mut self, line: &str) {
        self.pb.suspend(|| println!("{line}"));
    }
}

pub fn data(cmd: DataCmd) -> Result<()> {
    match cmd {
        DataCmd::Get {
            name,
            dir,
            mirror,
            catalog,
        } => {
            let entries = match &catalog {
                Some(p) => fetch::load_catalog(p)?,
                None => fetch::configured_catalog()?,
            };
            let mut entry = fetch::entry(&name, &entries)?;
            if !mirror.is_empty() {
                entry.mirrors = mirror;
            }
            let cache = dir.unwrap_or_else(fetch::cache_dir);
            let pb = ProgressBar::new(0);
            pb.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            let mut bar = Bar { pb };
            let result = fetch::get(&entry, &cache, &mut bar);
            bar.pb.finish_and_clear();
            let folder = result?;
            println!("{name} is ready in {}", folder.display());
            println!("use it with --data {name}, or choose \"downloaded dataset\" in the window");
            Ok(())
        }
        DataCmd::List { dir } => {
            let cache = dir.unwrap_or_else(fetch::cache_dir);
            for e in fetch::catalog() {
                let here = cache.join(&e.name).is_dir();
                println!("{:<14} {}", e.name, if here { "downloaded" } else { "-" });
            }
            println!("cache: {}", cache.display());
            Ok(())
        }
    }
}
