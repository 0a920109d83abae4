//! cnn-workbench: with no subcommand it opens the workbench window; subcommands work headless.
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod cli;

/// The window; with a preset on the command line it opens that (asking first if the restored
/// session has unsaved changes), and with `--train` starts training it once it is open.
/// `workspace`: `--workspace` (or `CNN_WORKBENCH_WORKSPACE`); one that cannot be used is named
/// in the window, which keeps the workspace it had.
fn open_window(preset: Option<PathBuf>, train: bool, workspace: Option<PathBuf>) -> Result<()> {
    let workspace = runs::workspace::chosen_workspace(workspace.as_deref())
        .map(|w| runs::check_workspace(&w).map(|()| w));
    if let Some(Err(e)) = &workspace {
        eprintln!("error: {e}");
    }
    // OpenGL: on a software rasterizer a frame costs about a fifth of wgpu's (measured under
    // Xvfb: 18 vs 93 ms of CPU), and every millisecond is taken from training.
    // CNN_WORKBENCH_RENDERER=wgpu picks wgpu.
    let renderer = match std::env::var("CNN_WORKBENCH_RENDERER").as_deref() {
        Ok("wgpu") => eframe::Renderer::Wgpu,
        _ => eframe::Renderer::Glow,
    };
    check_graphics_libraries(renderer)?;
    let mut viewport = egui::ViewportBuilder::default();
    if let Some(icon) = app::window_icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport: viewport
            .with_title("cnn-workbench")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        // Dithering costs a noise computation per pixel: nothing on a GPU, a lot on a software
        // renderer (Xvfb, VMs, remote desktops), where it competes with training for the CPU.
        dithering: false,
        renderer,
        ..Default::default()
    };
    eframe::run_native(
        "cnn-workbench",
        options,
        Box::new(move |cc| {
            if cli::reporting_startup() {
                report_first_frame(&cc.egui_ctx);
            }
            let mut app = app::WorkbenchApp::new(cc);
            match workspace {
                // The window's own way in, so Recent Workspaces and the History follow it.
                Some(Ok(dir)) => {
                    if let Err(e) = app.set_workspace(dir) {
                        app.error = Some(e);
                    }
                }
                Some(Err(e)) => app.error = Some(e.to_string()),
                None => {}
            }
            if let Some(path) = preset {
                app.open_from_command_line(path, train, &cc.egui_ctx);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// `CNN_WORKBENCH_REPORT_STARTUP=1`: the time from start to the end of the first frame's pass,
/// on stderr (the bundle test and the README's cold-start figure read it).
fn report_first_frame(ctx: &egui::Context) {
    let reported = std::sync::atomic::AtomicBool::new(false);
    ctx.on_end_pass(
        "startup time",
        std::sync::Arc::new(move |_| {
            if !reported.swap(true, std::sync::atomic::Ordering::Relaxed) {
                cli::report_startup("first frame");
            }
        }),
    );
}

/// The window's graphics libraries are loaded by name at run time (not linked), so a machine
/// without them fails deep inside the windowing code; say which package provides them instead.
fn check_graphics_libraries(renderer: eframe::Renderer) -> Result<()> {
    let (libs, packages): (&[&str], &str) = match renderer {
        // glutin tries EGL, then GLX: either is enough.
        eframe::Renderer::Glow => (
            &["libEGL.so.1", "libGL.so.1"],
            "OpenGL: on Debian/Ubuntu `sudo apt install libegl1 libgl1 libgl1-mesa-dri`, \
             on Fedora `sudo dnf install mesa-libEGL mesa-libGL mesa-dri-drivers`",
        ),
        _ => (
            &["libvulkan.so.1"],
            "Vulkan: on Debian/Ubuntu `sudo apt install libvulkan1 mesa-vulkan-drivers`, or \
             leave CNN_WORKBENCH_RENDERER unset for OpenGL",
        ),
    };
    let mut errors = Vec::new();
    for lib in libs {
        // SAFETY: a system graphics library, loaded to see that it can be; eframe loads it too.
        match unsafe { libloading::Library::new(lib) } {
            Ok(_) => return Ok(()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    anyhow::bail!(
        "cannot open the window: {} cannot be loaded ({}). The window needs {packages}. \
         The commands (train, compare, demo, …) work without it.",
        libs.join(" or "),
        errors.join("; ")
    )
}

#[derive(Parser)]
#[command(
    name = "cnn-workbench",
    version,
    about = "Assemble, train and understand convolutional networks",
    long_about = "Assemble, train and understand convolutional networks.\n\n\
        With no arguments it opens the workbench window (the last session, or LeNet-5 on the \
        built-in data). `cnn-workbench PRESET.ron` opens that preset in the window; \
        `cnn-workbench PRESET.ron --train` also starts training it at once. The subcommands \
        below work headless.",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// A preset (.ron) to open in the window.
    preset: Option<PathBuf>,
    /// Start training the preset as soon as the window is open.
    #[arg(long, requires = "preset")]
    train: bool,
    /// The workspace whose runs the window lists and where its runs go (default:
    /// $CNN_WORKBENCH_WORKSPACE, else ~/.local/share/cnn-workbench — the commands' too).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Train a preset headless, with a progress bar; writes a run folder.
    Train(cli::TrainArgs),
    /// Print a Keras-style table of the network (shapes, parameters, multiply-adds).
    Summary {
        /// The preset RON file, or a bundled or zoo preset's file name (resnet50.ron).
        preset: PathBuf,
        /// Estimate training memory for this batch size (default: the preset's).
        #[arg(long)]
        batch_size: Option<usize>,
    },
    /// Every bundled and full-size preset (and any given) in one table: input, depth,
    /// parameters, multiply-adds, activation memory.
    Zoo {
        /// Sort by name, depth, params, macs or memory.
        #[arg(long, default_value = "params")]
        sort: String,
        /// More presets to list.
        presets: Vec<PathBuf>,
    },
    /// Continue a stopped, interrupted or crashed run in its folder, exactly where it was saved.
    Resume(cli::ResumeArgs),
    /// List the devices libtorch sees.
    Devices,
    /// Compare variants of a preset over several seeds (e.g. an activation shoot-out).
    Compare(cli::CompareArgs),
    /// Inspect a checkpoint: test accuracy, confusion matrix, per-class precision and recall;
    /// export filter grids and Grad-CAM overlays as PNG.
    Inspect(cli::InspectArgs),
    /// PyTorch weights (a state_dict from torch.save or safetensors; torchvision's ResNet and
    /// VGG layouts included) as a workbench checkpoint.
    Import(cli::ImportArgs),
    /// A standalone PyTorch project from a run or preset: model.py (the checkpoint's layer
    /// names), train.py for python or torchrun (writes a workbench run folder); optionally
    /// TorchScript and ONNX.
    Export(cli::ExportArgs),
    /// Datasets: `data get cifar-10` downloads, verifies and unpacks one; `data list`.
    #[command(subcommand)]
    Data(cli::DataCmd),
    /// A short demo training in the terminal (LeNet-5 on the built-in shapes), kept in the
    /// workspace.
    Demo(cli::DemoArgs),
    /// One run of `compare --workers N`, started by it: the job on stdin, events on stdout.
    #[command(hide = true)]
    Worker {
        /// The job's file (a Slurm array task), instead of the first line of stdin.
        #[arg(long)]
        job: Option<PathBuf>,
    },
}

fn main() {
    cli::mark_start();
    // A panic on a trainer thread is reported as a failed run; don't also dump it raw.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !engine::trainer::is_trainer_thread() {
            default_hook(info);
        }
    }));
    let args = Args::parse();
    // libtorch's CUDA part is an add-on: found and loaded here, before the first tensor.
    engine::cuda_addon::load();
    let result: Result<()> = match args.command {
        Some(Cmd::Train(t)) => cli::train(t),
        Some(Cmd::Summary { preset, batch_size }) => cli::summary(&preset, batch_size),
        Some(Cmd::Zoo { sort, presets }) => cli::zoo(&sort, &presets),
        Some(Cmd::Demo(d)) => cli::demo(d),
        Some(Cmd::Resume(r)) => cli::resume(r),
        Some(Cmd::Data(d)) => cli::data(d),
        Some(Cmd::Import(i)) => cli::import(i),
        Some(Cmd::Export(e)) => cli::export(e),
        Some(Cmd::Compare(c)) => cli::compare(c),
        Some(Cmd::Inspect(i)) => cli::inspect(i),
        Some(Cmd::Devices) => cli::devices(),
        Some(Cmd::Worker { job }) => cli::worker(job),
        None => open_window(args.preset, args.train, args.workspace),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
