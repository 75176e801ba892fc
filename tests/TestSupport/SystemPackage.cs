namespace Nn.TestSupport;

/// <summary>A Debian package that some tests need and that a machine with only the .NET SDK lacks.</summary>
public enum SystemPackage
{
    /// <summary><c>libopenblas0-pthread</c>: <c>libopenblas.so.0</c>, for the OpenBLAS backend's tests.</summary>
    OpenBlas,

    /// <summary><c>dataset-fashion-mnist</c>: the four IDX files in <c>/usr/share/datasets/fashion-mnist</c>.</summary>
    FashionMnist,

    /// <summary><c>python3-onnx</c> and <c>python3-numpy</c>: the official ONNX checker behind <c>tests/onnx/validate.py</c>.</summary>
    PythonOnnx,

    /// <summary><c>python3-sklearn</c>: scikit-learn, the reference for regularised logistic regression (<c>tests/sklearn/logreg.py</c>).</summary>
    PythonSklearn,
}
