using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Nn.Tests.Support;

/// <summary>Runs FsCheck properties with a fixed seed so that every run checks the same cases.</summary>
internal static class Properties
{
    public static void Check(Property property, int maxTest = 100, ulong seed = 20261122)
    {
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithMaxRejected(maxTest * 5)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL | 1), FSharpOption<int>.None)));
        FsCheck.Check.One(config, property);
    }
}
