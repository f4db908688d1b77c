using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using MLNetAttn.Benchmarks;
using MLNetAttn.Benchmarks.Peers;

// dotnet run -c Release --project Benchmarks -- <suite> [options]; see Benchmarks/README.md.
return args.FirstOrDefault() switch
{
    "graph" => GraphQuality.Run(args[1..]),
    "pipeline" => PipelineThroughput.Run(args[1..]),
    "micro" => RunMicro(args[1..]),
    "peers" => PeerHarness.Run(args[1..]),
    "peer-child" => PeerChild.Run(args[1..]),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    // Artifacts beside the project (ignored by git), not in whatever folder the command was run from.
    var artifacts = Path.Combine(MLNetAttn.Benchmarks.Peers.Repository.Root(), "Benchmarks", "BenchmarkDotNet.Artifacts");
    BenchmarkSwitcher.FromAssembly(typeof(GraphQuality).Assembly)
        .Run(rest.Length == 0 ? ["--filter", "*"] : rest, DefaultConfig.Instance.WithArtifactsPath(artifacts));
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Benchmarks graph [--variants a,b,...] [--batch N] [--threads N] [--runs N] | pipeline [--variant shvit_s1] [--images 300] [--batches 1,8,32] [--memory 1000,10000] [--memory-batch 32] | micro [BenchmarkDotNet args]");
    Console.Error.WriteLine("       Benchmarks " + PeerHarness.Usage);
    return 2;
}
