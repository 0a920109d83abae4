//! `make bench`'s data-loading line: images/s that the streaming loader decodes, random-
//! resized-crops and flips, and hands over as normalized batches, for one epoch over an image
//! folder. Usage: loader_bench FOLDER SIZE WORKERS [BATCH]. Prints `images_per_sec=…`.
use cnn_workbench::engine::data::{Dataset, DecodeSpec};
use cnn_workbench::engine::tch;
use cnn_workbench::spec::{DataSource, DataSpec, Loader};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, folder, size, workers, ..] = args.as_slice() else {
        anyhow::bail!("usage: loader_bench FOLDER SIZE WORKERS [BATCH]");
    };
    let size: usize = size.parse()?;
    let batch: usize = args.get(4).map_or(Ok(128), |b| b.parse())?;
    let spec = DataSpec {
        source: DataSource::ImageFolder {
            folder: folder.into(),
        },
        loader: Loader::Streaming,
        workers: workers.parse()?,
        validation_fraction: 0.01,
        ..DataSpec::default()
    };
    let input = DecodeSpec {
        channels: 3,
        height: size,
        width: size,
    };
    tch::set_num_threads(1);
    let ds = Dataset::load(&spec, input, tch::Device::Cpu)?;
    let n = ds.train_len();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let seeds: Vec<u64> = (0..n).map(|_| rng.random()).collect();
    let start = Instant::now();
    let mut images = 0;
    for b in ds.batches(&ds.train, Some(order), batch, Some((0.08, seeds))) {
        // The flip, as the trainer's augmenter does it: on the batch tensor.
        let x = b.x.flip([3]);
        images += x.size()[0] as usize;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "images={images} secs={secs:.2} images_per_sec={:.1}",
        images as f64 / secs
    );
    Ok(())
}
