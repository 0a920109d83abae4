//! cnn-workbench: with no subcommand it opens the workbench; subcommands work headless.
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod cli;

#[derive(Parser)]
#[command(
    name = "cnn-workbench",
    version,
    about = "Assemble, train and understand convolutional networks"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Train a preset headless, with a progress bar; writes a run folder.
    Train(cli::TrainArgs),
    /// Print a Keras-style table of the network (shapes, parameters, multiply-adds).
    Summary {
        /// The preset RON file.
        preset: PathBuf,
    },
    /// List the devices libtorch sees.
    Devices,
}

fn main() {
    // A panic on a trainer thread is reported as a failed run; don't also dump it raw.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !cnn_workbench::engine::trainer::is_trainer_thread() {
            default_hook(info);
        }
    }));
    let args = Args::parse();
    let result: Result<()> = match args.command {
        Some(Cmd::Train(t)) => cli::train(t),
        Some(Cmd::Summary { preset }) => cli::summary(&preset),
        Some(Cmd::Devices) => {
            for d in cnn_workbench::engine::device::available_devices() {
                println!("{d}");
            }
            Ok(())
        }
        None => cli::demo(),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
