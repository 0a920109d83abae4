//! The presets bundled into the binary, so the library works from any folder.
pub const BUNDLED: [(&str, &str); 9] = [
    ("lenet5.ron", include_str!("../../presets/lenet5.ron")),
    ("vgg-small.ron", include_str!("../../presets/vgg-small.ron")),
    (
        "cifar-resnet20.ron",
        include_str!("../../presets/cifar-resnet20.ron"),
    ),
    ("cifar-vgg.ron", include_str!("../../presets/cifar-vgg.ron")),
    (
        "resnet-small.ron",
        include_str!("../../presets/resnet-small.ron"),
    ),
    (
        "inception-small.ron",
        include_str!("../../presets/inception-small.ron"),
    ),
    (
        "shootout-synthetic.ron",
        include_str!("../../presets/shootout-synthetic.ron"),
    ),
    (
        "shootout-mnist.ron",
        include_str!("../../presets/shootout-mnist.ron"),
    ),
    (
        "mnist-fast.ron",
        include_str!("../../presets/mnist-fast.ron"),
    ),
];

/// The bundled preset with this file name.
pub fn bundled(file: &str) -> Option<crate::spec::Preset> {
    BUNDLED
        .iter()
        .find(|(f, _)| *f == file)
        .and_then(|(f, text)| crate::spec::Preset::from_ron(text, f).ok())
}

/// LeNet-5 on the built-in synthetic data: the first-start network, trainable with no files.
pub fn default_preset() -> crate::spec::Preset {
    bundled("lenet5.ron").unwrap_or_default()
}
