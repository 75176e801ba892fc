using BenchmarkDotNet.Running;
using Nn.Benchmarks;

// `peak` prints the peak FMA rate, `probe [backend]` prints a quick GFLOP/s table, `predict` the cost of each piece of an inference batch, `step 64|256` of a training step; anything else goes to BenchmarkDotNet (e.g. --job short --filter *Gemm*).
if (args is ["step", var size])
{
    StepProbe.Run(Console.Out, int.Parse(size, System.Globalization.CultureInfo.InvariantCulture));
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
