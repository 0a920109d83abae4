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

/// The lecture's networks at full size (presets/zoo/), for the zoo and `summary`.
pub const ZOO: [(&str, &str); 16] = [
    ("alexnet.ron", include_str!("../../presets/zoo/alexnet.ron")),
    (
        "googlenet.ron",
        include_str!("../../presets/zoo/googlenet.ron"),
    ),
    ("nin.ron", include_str!("../../presets/zoo/nin.ron")),
    (
        "resnet101.ron",
        include_str!("../../presets/zoo/resnet101.ron"),
    ),
    (
        "resnet152.ron",
        include_str!("../../presets/zoo/resnet152.ron"),
    ),
    (
        "resnet18.ron",
        include_str!("../../presets/zoo/resnet18.ron"),
    ),
    (
        "resnet34.ron",
        include_str!("../../presets/zoo/resnet34.ron"),
    ),
    (
        "resnet50.ron",
        include_str!("../../presets/zoo/resnet50.ron"),
    ),
    (
        "vgg-a-lrn.ron",
        include_str!("../../presets/zoo/vgg-a-lrn.ron"),
    ),
    ("vgg-a.ron", include_str!("../../presets/zoo/vgg-a.ron")),
    ("vgg-b.ron", include_str!("../../presets/zoo/vgg-b.ron")),
    ("vgg-c.ron", include_str!("../../presets/zoo/vgg-c.ron")),
    ("vgg-d.ron", include_str!("../../presets/zoo/vgg-d.ron")),
    ("vgg-e.ron", include_str!("../../presets/zoo/vgg-e.ron")),
    (
        "vgg16-bn.ron",
        include_str!("../../presets/zoo/vgg16-bn.ron"),
    ),
    ("zfnet.ron", include_str!("../../presets/zoo/zfnet.ron")),
];

/// The bundled preset with this file name.
pub fn bundled(file: &str) -> Option<super::Preset> {
    BUNDLED
        .iter()
        .chain(ZOO.iter())
        .find(|(f, _)| *f == file)
        .and_then(|(f, text)| super::Preset::from_ron(text, f).ok())
}

/// LeNet-5 on the built-in synthetic data: the first-start network, trainable with no files.
pub fn default_preset() -> super::Preset {
    bundled("lenet5.ron").unwrap_or_default()
}
