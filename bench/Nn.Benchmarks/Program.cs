using BenchmarkDotNet.Running;
using Nn.Benchmarks;

// `peak` prints the peak FMA rate, `infer [rounds]` Nn against ONNX Runtime, `logreg [float32|float64] [repeats]` the Newton logistic fit, `logreg probe` the cost of each piece of its Newton step, `xor` the pieces of an XOR 2-2-1 step, `probe [backend]` prints a quick GFLOP/s table, `predict` the cost of each piece of an inference batch, `step 64|256` of a training step, `crosscore` what reading another core's writes costs; anything else goes to BenchmarkDotNet (e.g. --job short --filter *Gemm*).
if (args is ["step", var size])
{
    StepProbe.Run(Console.Out, int.Parse(size, System.Globalization.CultureInfo.InvariantCulture));
}
else if (args is ["infer", .. var inferRest])
{
    InferPeer.Run(Console.Out, inferRest is [var r] ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 30);
}
else if (args is ["logreg", "probe"])
{
    LogisticProbe.Run(Console.Out);
}
else if (args is ["logreg", .. var logRest])
{
    var precision = logRest.FirstOrDefault() is { } p && !char.IsDigit(p[0]) ? Enum.Parse<Nn.Models.Precision>(p, ignoreCase: true) : (Nn.Models.Precision?)null;
    var repeats = logRest.LastOrDefault() is { } r && char.IsDigit(r[0]) ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 5;
    LogisticFit.Run(Console.Out, precision, repeats);
}
else if (args is ["xor"])
{
    XorProbe.Run(Console.Out);
}
else if (args is ["crosscore"])
{
    CrossCoreProbe.Run(Console.Out);
}
else if (args is ["peak"])
{
    PeakProbe.Run(Console.Out);
}
else if (args is ["predict"])
{
    PredictProbe.Run(Console.Out);
}
else if (args is ["probe", .. var rest])
{
    Probe.Run(Console.Out, rest.FirstOrDefault());
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
}
