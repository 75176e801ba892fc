using System.Collections.Immutable;

namespace Nn.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul &amp; Vollgraf, 2017, arXiv:1708.07747): 28×28 grey-scale images of clothing in
/// 10 classes, 60,000 for training and 10,000 for testing, stored as four gzip-compressed IDX files.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, indexed by label: 0 T-shirt/top … 9 Ankle boot.</summary>
    public static ImmutableArray<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the 60,000 training images and labels.</summary>
    /// <param name="directory">The folder holding the IDX files; <see cref="DefaultDirectory"/> by default.</param>
    /// <returns>The training set.</returns>
    /// <exception cref="FileNotFoundException">A file is missing; the message says to install <c>dataset-fashion-mnist</c>.</exception>
    /// <exception cref="DataFormatException">A file is malformed.</exception>
    public static LabelledImages LoadTrain(string directory = DefaultDirectory) =>
        Load(directory, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");

    /// <summary>Loads the 10,000 test images and labels.</summary>
    /// <param name="directory">The folder holding the IDX files; <see cref="DefaultDirectory"/> by default.</param>
    /// <returns>The test set.</returns>
    /// <exception cref="FileNotFoundException">A file is missing; the message says to install <c>dataset-fashion-mnist</c>.</exception>
    /// <exception cref="DataFormatException">A file is malformed.</exception>
    public static LabelledImages LoadTest(string directory = DefaultDirectory) =>
        Load(directory, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    private static LabelledImages Load(string directory, string imagesFile, string labelsFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var images = Path.Combine(directory, imagesFile);
        var labels = Path.Combine(directory, labelsFile);
        foreach (var path in new[] { images, labels })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: Fashion-MNIST file not found; install the dataset-fashion-mnist package (it provides {DefaultDirectory}).", path);
            }
        }

        return Idx.ReadLabelledImages(images, labels);
    }
}
